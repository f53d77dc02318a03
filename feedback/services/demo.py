"""A demo tenant: teams, staff, 40 accounts, 300 contacts and a year of survey answers.

Deterministic for a seed: every choice comes from one random.Random(seed), walked in a fixed
order, and every date is counted back from the `now` passed in (the moment the demo is
loaded, so its last answers are from minutes ago and its open tasks are due in the coming
days). Only the survey tokens are
truly random (they are credentials; their hashes are all that is stored).

Customers get `.example` addresses (RFC 2606), so a worker started beside the demo can never
email a real person. Teams, staff and accounts go through the same services as the API; the
year of history is written in bulk, because it describes the past rather than doing anything.
"""

from __future__ import annotations

import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from feedback import questions
from feedback.models import (
    Account,
    Contact,
    Invitation,
    Message,
    OutboxEmail,
    Response,
    ScoreChange,
    SurveyProgram,
    Task,
    Team,
    User,
)
from feedback.services import customers, demo_followup, org
from feedback.services.errors import Conflict
from feedback.tokens import hash_token, new_token

ADMIN_EMAIL = "admin@demo.example"
PASSWORD = "demo-password-123"
STAFF_DOMAIN = "demo.example"
ACCOUNT_PREFIX = "DEMO-"
PRODUCT = "Pulseboard"
ACCOUNTS = 40
CONTACTS = 300
RESPONSE_RATE = 0.45
COMMENT_RATE = 0.6
NPS_CADENCE_DAYS = 90
DIP_REGION = "Americas"  # its last full quarter dips: the incident the demo tells a story about

TEAMS = (
    ("Customer Success EMEA", "Customer Success", "Europe/Berlin"),
    ("Customer Success Americas", "Customer Success", "America/New_York"),
    ("Support", "Support", "Europe/Dublin"),
)
# email, name, role, team; account owners are the CSMs of the account's region.
STAFF = (
    (ADMIN_EMAIL, "Alex Morgan", "admin", None),
    ("csm1@demo.example", "Clara Schmidt", "csm", "Customer Success EMEA"),
    ("csm2@demo.example", "Marcus Johnson", "csm", "Customer Success Americas"),
    ("csm3@demo.example", "Priya Nair", "csm", "Customer Success Americas"),
    # The lead leads csm1's team, so the quick start's lead sees that team's queue and huddle.
    ("lead@demo.example", "Sofia Rossi", "team_lead", "Customer Success EMEA"),
    ("head@demo.example", "Daniel Okafor", "department_head", "Customer Success EMEA"),
)
OWNER_BY_REGION = {
    "EMEA": "csm1@demo.example",
    "Americas": "csm2@demo.example",
    "APAC": "csm3@demo.example",
}
PROGRAM_NAMES = ("Relationship NPS", "Onboarding check-ins")

COMPANIES = (
    ("Northwind Logistics", "Logistics"), ("Bluefin Analytics", "Software"),
    ("Copperleaf Health", "Healthcare"), ("Helios Energy", "Energy"),
    ("Lumen Retail Group", "Retail"), ("Quarry & Stone", "Construction"),
    ("Tidewater Foods", "Food & Beverage"), ("Orbital Freight", "Logistics"),
    ("Granite Insurance", "Insurance"), ("Meridian Bank", "Financial Services"),
    ("Pinecrest Schools", "Education"), ("Aurora Media", "Media"),
    ("Vantage Robotics", "Manufacturing"), ("Kestrel Travel", "Travel"),
    ("Sable Security", "Software"), ("Harbor Clinics", "Healthcare"),
    ("Fjord Outdoor", "Retail"), ("Atlas Components", "Manufacturing"),
    ("Brightwave Telecom", "Telecommunications"), ("Cedar Legal", "Professional Services"),
    ("Evergreen Property", "Real Estate"), ("Mosaic Marketing", "Professional Services"),
    ("Nimbus Cloudworks", "Software"), ("Oakridge Pharma", "Pharmaceuticals"),
    ("Polaris Shipping", "Logistics"), ("Redwood Capital", "Financial Services"),
    ("Summit Hotels", "Hospitality"), ("Terra Agritech", "Agriculture"),
    ("Umbra Games", "Media"), ("Vertex Engineering", "Construction"),
    ("Willow Care", "Healthcare"), ("Zenith Airlines", "Travel"),
    ("Alder Education", "Education"), ("Beacon Payments", "Financial Services"),
    ("Cobalt Mining", "Energy"), ("Delta Dental Labs", "Healthcare"),
    ("Ember Kitchens", "Food & Beverage"), ("Falcon Aerospace", "Manufacturing"),
    ("Gale Wind Power", "Energy"), ("Iris Optics", "Manufacturing"),
)  # fmt: skip
# How many accounts of each plan in each region: enterprise leans EMEA, starter leans APAC.
SEGMENTS = {
    ("starter", "EMEA"): 5, ("starter", "Americas"): 6, ("starter", "APAC"): 5,
    ("growth", "EMEA"): 6, ("growth", "Americas"): 6, ("growth", "APAC"): 3,
    ("enterprise", "EMEA"): 5, ("enterprise", "Americas"): 3, ("enterprise", "APAC"): 1,
}  # fmt: skip
ARR_RANGE = {"starter": (6_000, 24_000), "growth": (30_000, 120_000),
             "enterprise": (150_000, 600_000)}  # fmt: skip
CONTACTS_PER_PLAN = {"starter": 4, "growth": 7, "enterprise": 14}
# (time zone, the language most people there answer in)
ZONES = {
    "EMEA": (("Europe/London", "en"), ("Europe/Dublin", "en"), ("Europe/Berlin", "de"),
             ("Europe/Paris", "fr"), ("Europe/Amsterdam", "nl"), ("Europe/Madrid", "es"),
             ("Europe/Stockholm", "en"), ("Europe/Zurich", "de")),
    "Americas": (("America/New_York", "en"), ("America/Chicago", "en"),
                 ("America/Los_Angeles", "en"), ("America/Toronto", "en"),
                 ("America/Denver", "en"), ("America/Mexico_City", "es"),
                 ("America/Bogota", "es")),
    "APAC": (("Asia/Singapore", "en"), ("Australia/Sydney", "en"), ("Asia/Tokyo", "en"),
             ("Asia/Kolkata", "en"), ("Pacific/Auckland", "en"), ("Asia/Hong_Kong", "en")),
}  # fmt: skip
NAMES = {
    "en": (("Emma", "Liam", "Olivia", "Noah", "Ava", "James", "Sophia", "Lucas", "Mia", "Ethan",
            "Grace", "Ryan", "Chloe", "Nathan", "Hannah", "Aiden", "Priya", "Wei", "Kenji",
            "Aisha"),
           ("Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clarke", "Walker", "Hughes",
            "Patel", "Chen", "Tanaka", "Kumar", "Lee", "Murphy", "Evans", "Reid", "Singh",
            "Nguyen", "Campbell", "Foster")),
    "de": (("Lukas", "Anna", "Felix", "Lea", "Jonas", "Marie", "Paul", "Laura", "Tobias",
            "Katrin"),
           ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Wagner", "Becker",
            "Hoffmann", "Koch", "Richter")),
    "fr": (("Camille", "Louis", "Chloé", "Hugo", "Manon", "Jules", "Léa", "Antoine", "Inès",
            "Mathis"),
           ("Martin", "Bernard", "Dubois", "Durand", "Lefebvre", "Moreau", "Laurent", "Simon",
            "Michel", "Garcia")),
    "es": (("Lucía", "Mateo", "Sofía", "Diego", "Valentina", "Javier", "Carmen", "Pablo",
            "Elena", "Andrés"),
           ("García", "Fernández", "López", "Martínez", "Sánchez", "Romero", "Torres", "Ruiz",
            "Navarro", "Ortega")),
    "nl": (("Daan", "Sanne", "Bram", "Fleur", "Lars", "Eva", "Sem", "Julia", "Thijs", "Noor"),
           ("de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit",
            "Meijer", "Mulder", "de Boer")),
}  # fmt: skip
JOB_ROLES = ("Operations Manager", "Head of Customer Success", "Analyst", "IT Administrator",
             "Team Lead", "VP Operations", "Finance Manager", "Engineer", "Project Manager",
             "Executive Sponsor")  # fmt: skip

CONTENT = {
    "nps": {
        "en": {"subject": "How likely are you to recommend {product}?",
               "intro": "We'd love to know how we're doing. It takes one click."},
        "de": {"subject": "Wie wahrscheinlich ist es, dass Sie {product} weiterempfehlen?",
               "intro": "Wir möchten wissen, wie wir uns schlagen. Es dauert nur einen Klick."},
        "fr": {"subject": "Quelle est la probabilité que vous recommandiez {product} ?",
               "intro": "Dites-nous comment nous nous en sortons : un seul clic suffit."},
        "es": {"subject": "¿Qué probabilidad hay de que recomiende {product}?",
               "intro": "Nos encantaría saber cómo lo estamos haciendo. Solo un clic."},
    },
    "onboarding": {
        "en": {"subject": "How is it going with {product}?",
               "intro": "A quick check-in so we can help you reach what you came for."},
        "de": {"subject": "Wie läuft es mit {product}?",
               "intro": "Eine kurze Nachfrage, damit wir Sie bei Ihren Zielen unterstützen."},
        "fr": {"subject": "Comment se passent vos débuts avec {product} ?",
               "intro": "Un point rapide pour vous aider à atteindre vos objectifs."},
        "es": {"subject": "¿Qué tal va todo con {product}?",
               "intro": "Una consulta rápida para ayudarle a conseguir lo que busca."},
    },
}  # fmt: skip
TRIGGERS = [
    {"milestone": "week1", "days_after_signup": 7, "question": "effort"},
    {"milestone": "day30", "days_after_signup": 30, "question": "closeness"},
    {"milestone": "day90", "days_after_signup": 90, "question": "closeness"},
    {"milestone": "renewal", "days_before_renewal": 60, "question": "closeness"},
]

# (tone, topic, language, text); tone is + (positive), ~ (mixed) or - (negative).
# fmt: off
COMMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("+", "onboarding", "en", "The onboarding was smooth and our CSM had us live in two weeks."),
    ("+", "usability", "en", "Reporting saves my team hours every week. We rely on it for the Monday review."),  # noqa: E501
    ("+", "reliability", "en", "Rock solid. I can't remember the last time it was down."),
    ("+", "support", "en", "Support answered within minutes and actually fixed the problem."),
    ("+", "integrations", "en", "The Salesforce integration just works, which is more than I can say for most tools."),  # noqa: E501
    ("+", "billing", "en", "Clear, fair pricing and no surprises on the invoice."),
    ("+", "account", "en", "Our account manager knows our business and checks in at the right moments."),  # noqa: E501
    ("+", "performance", "en", "Dashboards are fast even with two years of data."),
    ("+", "docs", "en", "The API docs are excellent; our engineers built the sync in a day."),
    ("+", "usability", "en", "Easy to roll out to 200 people without any training sessions."),
    ("+", "usability", "en", "It replaced three spreadsheets and a lot of arguing."),
    ("+", "features", "en", "Every release gets a little better. You clearly listen to feedback."),
    ("+", "integrations", "en", "Slack notifications are exactly the right amount, not noisy."),
    ("+", "account", "en", "Best vendor relationship we have. Quarterly reviews are genuinely useful."),  # noqa: E501
    ("+", "docs", "en", "Setting up SSO took ten minutes with the guide."),
    ("+", "performance", "en", "Fast, reliable and the UI is clean."),
    ("+", "features", "en", "The new bulk editing feature saved us a week of work."),
    ("+", "support", "en", "Support chat is staffed by people who really know the product."),
    ("+", "onboarding", "en", "Moving from our old tool was painless thanks to the import wizard."),
    ("+", "general", "en", "We have already recommended you to two sister companies."),
    ("+", "billing", "en", "Great value for the price, especially on the annual plan."),
    ("+", "account", "en", "Our CSM helped us set up the right workflows instead of just selling more seats."),  # noqa: E501
    ("+", "usability", "en", "The mobile app means my field team actually uses it."),
    ("+", "reliability", "en", "Uptime has been flawless since we joined."),
    ("+", "features", "en", "The permissions model is flexible enough for our audit requirements."),
    ("+", "integrations", "en", "The HubSpot connector keeps our data in sync without babysitting."),  # noqa: E501
    ("+", "performance", "en", "Exports to Excel are quick and the formatting is right."),
    ("+", "onboarding", "en", "The training webinars were practical, not marketing."),
    ("+", "docs", "en", "The knowledge base answers most questions before I need to open a ticket."),  # noqa: E501
    ("+", "general", "en", "Simply the best tool in its category that we have tried."),
    ("+", "billing", "en", "Invoicing in EUR with proper VAT handling made procurement happy."),
    ("+", "reliability", "en", "Status page updates during the one incident we had were honest and timely."),  # noqa: E501
    ("+", "usability", "en", "Love the keyboard shortcuts. Our power users are happy."),
    ("+", "performance", "en", "Search is instant, which matters with 50k records."),
    ("+", "account", "en", "Renewal was straightforward and the team offered a fair multi-year deal."),  # noqa: E501
    ("+", "support", "en", "Support escalated my bug to engineering and it was fixed in the next release."),  # noqa: E501
    ("+", "features", "en", "The audit log answered our compliance team's questions in one afternoon."),  # noqa: E501
    ("+", "onboarding", "en", "The onboarding checklist kept everyone on track across three offices."),  # noqa: E501
    ("+", "onboarding", "en", "Getting started was easy: we imported our data on day one."),
    ("+", "onboarding", "en", "The setup call answered everything; we were productive within the week."),  # noqa: E501
    ("~", "support", "en", "Great product but support is slow: tickets take two or three days to get a first answer."),  # noqa: E501
    ("~", "billing", "en", "Love the features, but the invoices are confusing and we were charged twice once."),  # noqa: E501
    ("~", "performance", "en", "Works well day to day, but the reporting module is slow at month end."),  # noqa: E501
    ("~", "integrations", "en", "Solid core product. The Jira integration still feels half finished."),  # noqa: E501
    ("~", "onboarding", "en", "Good value, though onboarding took longer than we were promised."),
    ("~", "usability", "en", "The UI is clean but some settings are buried three menus deep."),
    ("~", "features", "en", "We like it, but we need role-based dashboards before we can roll it out further."),  # noqa: E501
    ("~", "reliability", "en", "Mostly reliable, but the two outages last quarter hit us in our busiest week."),  # noqa: E501
    ("~", "docs", "en", "The docs cover the basics; the API reference has no examples for webhooks."),  # noqa: E501
    ("~", "account", "en", "Our CSM is great, but we've had three different ones in a year."),
    ("~", "billing", "en", "Decent product; the price increase at renewal was hard to justify internally."),  # noqa: E501
    ("~", "features", "en", "Useful, but the mobile app lags behind the web version."),
    ("~", "support", "en", "Support is friendly, but I often have to explain the problem twice."),
    ("~", "features", "en", "Does what we need. It would be a 10 with a proper audit trail export."),  # noqa: E501
    ("~", "performance", "en", "Fine overall; search gets slow with large accounts."),
    ("~", "onboarding", "en", "Setup was easy, but the data import choked on names with accents."),
    ("~", "billing", "en", "Good tool, but SSO only on the enterprise plan feels unfair for a team our size."),  # noqa: E501
    ("~", "usability", "en", "Reliable, but there are too many email notifications and we can't tune them per project."),  # noqa: E501
    ("~", "onboarding", "en", "We get value from it, but adoption outside the ops team is low. More in-app guidance would help."),  # noqa: E501
    ("~", "account", "en", "The product is strong; the roadmap communication is not. We never know what's coming."),  # noqa: E501
    ("~", "integrations", "en", "Good list of integrations, but the Microsoft Teams app is very basic."),  # noqa: E501
    ("~", "account", "en", "Happy with the product, less happy with how long the security questionnaire took."),  # noqa: E501
    ("~", "general", "en", "It's okay. Does the job, nothing more."),
    ("~", "performance", "en", "Performance improved this quarter, but dashboards still time out sometimes."),  # noqa: E501
    ("~", "usability", "en", "Nice product, though the German translation has gaps."),
    ("~", "account", "en", "Helpful CSM, but the QBR decks feel generic."),
    ("~", "features", "en", "Useful reports, but I can't schedule them to go out automatically."),
    ("~", "integrations", "en", "The API is good but the rate limits are too tight for our nightly sync."),  # noqa: E501
    ("~", "billing", "en", "The billing portal is fine, but we can't add a PO number to invoices."),
    ("~", "onboarding", "en", "The onboarding webinars were good; the follow-up was missing."),
    ("~", "usability", "en", "Solid, but the redesign moved everything around without warning."),
    ("~", "support", "en", "Support knows their stuff, but only in US hours, which hurts us in Singapore."),  # noqa: E501
    ("~", "onboarding", "en", "Most of the setup was simple; connecting our SSO took a few attempts."),  # noqa: E501
    ("~", "docs", "en", "Getting started guide is good, but the admin settings aren't documented."),
    ("-", "reliability", "en", "Three outages in one month. We had to explain them to our own customers."),  # noqa: E501
    ("-", "support", "en", "Support tickets sit for days without an answer. We've escalated twice."),  # noqa: E501
    ("-", "billing", "en", "We were billed for seats we removed months ago and it took six weeks to get a refund."),  # noqa: E501
    ("-", "performance", "en", "Pages take 10+ seconds to load in our afternoon. Unusable at peak."),  # noqa: E501
    ("-", "onboarding", "en", "Onboarding was chaotic: no plan, and our kickoff was rescheduled three times."),  # noqa: E501
    ("-", "integrations", "en", "The Salesforce sync duplicates records and nobody has fixed it in months."),  # noqa: E501
    ("-", "billing", "en", "Too expensive for what we use. We're evaluating alternatives before renewal."),  # noqa: E501
    ("-", "usability", "en", "The interface is confusing; my team keeps asking me how to do basic things."),  # noqa: E501
    ("-", "features", "en", "Still no SAML single sign-on on our plan. That's a blocker for IT."),
    ("-", "docs", "en", "The documentation is outdated; half the screenshots don't match the product."),  # noqa: E501
    ("-", "account", "en", "We haven't heard from our account manager since we signed."),
    ("-", "reliability", "en", "Data export is broken for large date ranges and rows go missing silently."),  # noqa: E501
    ("-", "integrations", "en", "The sync with our data warehouse fails every other night."),
    ("-", "support", "en", "Support response times in APAC hours are unacceptable."),
    ("-", "billing", "en", "The price increase at renewal came with no notice and no added value."),
    ("-", "performance", "en", "Dashboards crash the browser with more than a few thousand rows."),
    ("-", "features", "en", "Features promised during the sales process never shipped."),
    ("-", "reliability", "en", "We lost a morning of work when the app was down and the status page said all green."),  # noqa: E501
    ("-", "usability", "en", "Too many clicks for simple tasks; it feels built for a different kind of company."),  # noqa: E501
    ("-", "onboarding", "en", "Our onboarding specialist left mid-project and nobody picked it up."),  # noqa: E501
    ("-", "integrations", "en", "Webhooks fail silently, so we only find out days later."),
    ("-", "docs", "en", "The API docs are wrong about pagination; it cost us a week."),
    ("-", "billing", "en", "Invoices in USD only, with no VAT breakdown. Our finance team is frustrated."),  # noqa: E501
    ("-", "performance", "en", "Slow and clunky, and the last update broke our saved filters."),
    ("-", "support", "en", "We pay for premium support and get templated replies."),
    ("-", "features", "en", "No Outlook integration is hard to believe at this point."),
    ("-", "reliability", "en", "The outage last quarter cost us a client demo. Very disappointed."),
    ("-", "account", "en", "The renewal negotiation felt like a hostage situation."),
    ("-", "onboarding", "en", "Getting started was hard: the import failed and the error messages didn't help."),  # noqa: E501
    ("-", "reliability", "en", "Reports were wrong for a week after the incident and nobody told us."),  # noqa: E501
    ("+", "support", "de", "Sehr zuverlässig und der Support antwortet schnell. Weiter so!"),
    ("+", "onboarding", "de", "Die Einführung lief reibungslos, unsere CSM war immer erreichbar."),
    ("+", "usability", "de", "Die Berichte sparen uns jede Woche Stunden."),
    ("~", "support", "de", "Gutes Produkt, aber der Support ist langsam."),
    ("~", "billing", "de", "Funktioniert gut, die Rechnungen sind aber unübersichtlich."),
    ("-", "billing", "de", "Zu teuer für den Funktionsumfang, wir prüfen Alternativen."),
    ("-", "performance", "de", "Die Übersetzung ist lückenhaft und die Ladezeiten sind zu lang."),
    ("-", "reliability", "de", "Mehrere Ausfälle im letzten Quartal, das war sehr ärgerlich."),
    ("+", "support", "fr", "Produit excellent, l'équipe support est réactive et compétente."),
    ("+", "onboarding", "fr", "Mise en place rapide, toute l'équipe l'a adopté en une semaine."),
    ("~", "billing", "fr", "Bon produit, mais la facturation est compliquée."),
    ("~", "integrations", "fr", "Très utile, mais il manque une intégration avec Teams."),
    ("-", "reliability", "fr", "Trop de pannes ces derniers mois, nous perdons confiance."),
    ("-", "support", "fr", "Le support met plusieurs jours à répondre."),
    ("+", "support", "es", "Muy fácil de usar y el equipo de soporte es excelente."),
    ("+", "integrations", "es", "La integración con Salesforce nos ahorra mucho tiempo."),
    ("~", "docs", "es", "Buen producto, pero la documentación de la API está incompleta."),
    ("~", "performance", "es", "Nos gusta, aunque el rendimiento baja a fin de mes."),
    ("-", "billing", "es", "Demasiado caro para lo que ofrece."),
    ("-", "support", "es", "El soporte tarda días en responder."),
)
# fmt: on

SUCCESS_DEFINITIONS = {
    "en": (
        "Every CSM sees account health without building a spreadsheet.",
        "Cut the time to prepare our monthly board report from two days to two hours.",
        "All twelve regional teams working from the same pipeline by the end of the quarter.",
        "Replace our legacy ticket tool and switch it off before it renews.",
        "Automate the weekly customer report so nobody copies numbers by hand.",
        "Get onboarding of new clients under 14 days.",
        "One source of truth for renewals that finance and sales both trust.",
        "Reduce our support backlog by a third.",
        "Managers can answer 'how are we doing?' without asking an analyst.",
        "Roll out to the whole company (300 seats) within 90 days.",
        "Have the Salesforce sync running without manual fixes.",
        "Pass our SOC 2 audit with the audit log as evidence.",
        "Spot at-risk customers a month earlier than we do today.",
    ),
    "de": ("Alle Teams arbeiten bis Ende des Quartals im selben System.",),
    "fr": ("Centraliser le suivi client de nos trois agences.",),
    "es": ("Reducir a la mitad el tiempo de preparación de informes.",),
}
REPLY_CHANNEL_SHARE = 0.3  # comments typed as an email reply rather than on the survey page


class DatabaseNotEmpty(Conflict):
    """seed-demo was asked to write beside data it did not make."""


@dataclass
class SeedResult:
    seed: int
    counts: Counter[str] = field(default_factory=Counter)
    deleted: Counter[str] = field(default_factory=Counter)
    categories: Counter[str] = field(default_factory=Counter)
    first_answer: datetime | None = None
    last_answer: datetime | None = None
    dip: str = ""
    user_emails: list[str] = field(default_factory=list)
    tasks: int = 0

    def describe(self) -> list[str]:
        c = self.counts
        lines = []
        if self.deleted:
            gone = ", ".join(f"{n:,} {k}" for k, n in self.deleted.items() if n)
            lines.append(f"Deleted the earlier demo data ({gone or 'nothing'}).")
        lines.append(
            f"Demo tenant: {c['teams']} teams, {c['users']} staff users, {c['accounts']} accounts, "
            f"{c['contacts']} contacts, {c['programs']} survey programs."
        )
        span = ""
        if self.first_answer and self.last_answer:
            span = f" from {self.first_answer:%Y-%m-%d} to {self.last_answer:%Y-%m-%d}"
        cats = self.categories
        nps_total = cats["promoter"] + cats["passive"] + cats["detractor"]
        nps = round(100 * (cats["promoter"] - cats["detractor"]) / nps_total) if nps_total else 0
        lines.append(
            f"Survey history: {c['invitations']:,} invitations, {c['responses']:,} responses"
            f"{span} ({cats['promoter']} promoters, {cats['passive']} passives, "
            f"{cats['detractor']} detractors: NPS {nps:+d}), {c['comments']:,} comments."
        )
        if self.dip:
            lines.append(self.dip)
        if self.tasks:
            lines.append(
                f"Follow-up: {self.tasks} tasks from the last month's answers; the open ones "
                "are in the CSM queues, most due in the coming days."
            )
        return lines


# ---------------------------------------------------------------- categories


def _category(scale: str, score: int) -> str:
    """The one place that decides categories decides them for the demo too."""
    return questions.kind(scale).category(score)


# ---------------------------------------------------------------- the entry point


def seed(session: Session, *, seed: int, now: datetime, reset: bool = False) -> SeedResult:
    """Build the demo tenant in the caller's transaction; the caller commits.

    `now` is the demo's present: nothing in it happens later, and the same seed and `now`
    give the same data."""
    rng = random.Random(seed)
    result = SeedResult(seed=seed)
    if reset:
        result.deleted = delete_demo(session)
    _refuse_if_not_empty(session, reset)
    end = now.astimezone(UTC)  # nothing in the demo happens after this
    today = end.date()

    teams = [
        org.create_team(session, {"name": n, "department": d, "timezone": tz}) for n, d, tz in TEAMS
    ]
    # One password hash for the six: scrypt is slow on purpose, and they share the password.
    password_hash = generate_password_hash(PASSWORD)
    for email, name, role, team in STAFF:
        user = org.create_user(session, {"email": email, "name": name, "role": role, "team": team})
        user.password_hash = password_hash
        result.user_emails.append(email)
    accounts = _account_rows(rng, today)
    customers.upsert_accounts(session, accounts, all_or_nothing=True)
    contacts = _contact_rows(rng, accounts, today)
    # One customer is never surveyed, so "Send now" in the quick start always finds them willing.
    # Their account is EMEA's, so the follow-up of their answer lands in csm1's queue.
    contacts[0].update(
        email=TRY_ME, name="Dana Demo", locale="en", unsubscribed=False, bounced=False
    )
    customers.upsert_contacts(session, contacts, all_or_nothing=True)
    programs = _programs(session)

    by_email = {
        c.email: c
        for c in session.scalars(
            select(Contact).where(Contact.email.in_([row["email"] for row in contacts]))
        )
    }
    account_of = {row["external_id"]: row for row in accounts}
    people = [
        _Person(by_email[row["email"]], account_of[row["account_external_id"]], row)
        for row in contacts
    ]
    history = _History(rng, end, programs, people)
    history.build()
    history.write(session)
    result.tasks = demo_followup.follow_up(session, rng, end)

    result.counts.update(
        teams=len(teams),
        users=len(STAFF),
        accounts=len(accounts),
        contacts=len(contacts),
        programs=len(programs),
        invitations=len(history.invitations),
        responses=len(history.responses),
        comments=sum(1 for r in history.responses if r["comment"]),
    )
    result.categories.update(r["category"] for r in history.responses)
    if history.responses:
        result.first_answer = min(r["answered_at"] for r in history.responses)
        result.last_answer = max(r["answered_at"] for r in history.responses)
    result.dip = f"{DIP_REGION} dips in {history.dip_quarter}: the quarter of the outages."
    return result


TRY_ME = "dana.demo@northwind-logistics.example"  # the first demo company's domain


def _refuse_if_not_empty(session: Session, reset: bool) -> None:
    """Without --reset, write only into an empty database; with it, what is left after the
    demo's own rows are gone is someone else's and is kept."""
    if reset:
        return
    found = {
        "staff users": session.scalar(select(func.count()).select_from(User)),
        "teams": session.scalar(select(func.count()).select_from(Team)),
        "accounts": session.scalar(select(func.count()).select_from(Account)),
        "contacts": session.scalar(select(func.count()).select_from(Contact)),
        "survey programs": session.scalar(select(func.count()).select_from(SurveyProgram)),
    }
    if any(found.values()):
        listed = ", ".join(f"{n:,} {k}" for k, n in found.items() if n)
        raise DatabaseNotEmpty(
            f"The database already has data ({listed}). Run seed-demo --reset to replace an "
            "earlier demo (it deletes only the demo's own rows), or point FEEDBACK_DATABASE_URL "
            "at an empty database."
        )


def delete_demo(session: Session) -> Counter[str]:
    """Delete what an earlier seed made: the @demo.example staff, the DEMO- accounts, their
    contacts (with their invitations, answers and queued emails), the demo programs and teams."""
    deleted: Counter[str] = Counter()
    demo_domains = [_domain(name) for name, _ in COMPANIES]
    demo_accounts = select(Account.id).where(Account.external_id.like(f"{ACCOUNT_PREFIX}%"))
    demo_contacts = select(Contact.id).where(
        or_(
            Contact.account_id.in_(demo_accounts),
            *[Contact.email.like(f"%@{d}") for d in demo_domains],
        )
    )
    opts = {"synchronize_session": False}
    try:
        session.execute(
            delete(OutboxEmail).where(OutboxEmail.contact_id.in_(demo_contacts)),
            execution_options=opts,
        )
        session.execute(
            delete(Task).where(
                or_(Task.contact_id.in_(demo_contacts), Task.account_id.in_(demo_accounts))
            ),
            execution_options=opts,
        )
        for label, statement in (
            ("contacts", delete(Contact).where(Contact.id.in_(demo_contacts))),
            ("survey programs", delete(SurveyProgram).where(SurveyProgram.name.in_(PROGRAM_NAMES))),
            ("accounts", delete(Account).where(Account.external_id.like(f"{ACCOUNT_PREFIX}%"))),
            ("staff users", delete(User).where(User.email.like(f"%@{STAFF_DOMAIN}"))),
            ("teams", delete(Team).where(Team.name.in_([t[0] for t in TEAMS]))),
        ):
            deleted[label] = session.execute(statement, execution_options=opts).rowcount or 0
    except IntegrityError as exc:
        raise Conflict(
            "The earlier demo data could not be deleted because other rows still refer to it "
            f"({str(exc.orig).splitlines()[0]}). Use an empty database for the demo."
        ) from None
    session.expunge_all()
    return deleted


# ---------------------------------------------------------------- accounts and contacts


def _domain(company: str) -> str:
    slug = "".join(ch if ch.isalnum() else "-" for ch in company.lower().replace("&", "and"))
    return "-".join(part for part in slug.split("-") if part) + ".example"


def _account_rows(rng: random.Random, today: date) -> list[dict[str, Any]]:
    segments = [seg for seg, n in SEGMENTS.items() for _ in range(n)]
    rng.shuffle(segments)
    # The first company (the quick start's customer) is EMEA's: csm1 owns it.
    first_emea = next(i for i, (_, region) in enumerate(segments) if region == "EMEA")
    segments[0], segments[first_emea] = segments[first_emea], segments[0]
    rows = []
    for number, ((name, industry), (plan, region)) in enumerate(
        zip(COMPANIES, segments, strict=True), start=1
    ):
        # A few recent customers (onboarding), the rest spread over five years.
        days = rng.randint(20, 85) if rng.random() < 0.12 else rng.randint(120, 5 * 365)
        since = today - timedelta(days=days)
        renewal = _anniversary(since, today.year - since.year)
        while renewal <= today:
            renewal = _anniversary(renewal, 1)
        if days < 90:
            stage = "onboarding"
        elif (renewal - today).days <= 90:
            stage = "renewal"
        elif rng.random() < 0.15:
            stage = "at_risk"
        else:
            stage = "adoption" if days < 365 else "growth"
        low, high = ARR_RANGE[plan]
        zone = rng.choice(ZONES[region])[0]
        rows.append(
            {
                "external_id": f"{ACCOUNT_PREFIX}{number:04d}",
                "name": name,
                "plan": plan,
                "region": region,
                "industry": industry,
                "arr": Decimal(rng.randrange(low, high, 500)),
                "lifecycle_stage": stage,
                "customer_since": since,
                "renewal_date": renewal,
                "status": "active",
                "timezone": zone,
                "owner_email": OWNER_BY_REGION[region],
                "attributes": {
                    "seats": rng.randint(5, 40)
                    * (1 if plan == "starter" else 4 if plan == "growth" else 25)
                },
                "domains": [_domain(name)],
            }
        )
    return rows


def _contact_rows(
    rng: random.Random, accounts: Sequence[dict[str, Any]], today: date
) -> list[dict[str, Any]]:
    sizes = [CONTACTS_PER_PLAN[a["plan"]] for a in accounts]
    while sum(sizes) < CONTACTS:
        sizes[rng.randrange(len(sizes))] += 1
    while sum(sizes) > CONTACTS:
        i = rng.randrange(len(sizes))
        if sizes[i] > 2:
            sizes[i] -= 1
    rows: list[dict[str, Any]] = []
    emails: set[str] = set()
    for account, size in zip(accounts, sizes, strict=True):
        zones = ZONES[account["region"]]
        home_locale = next(loc for tz, loc in zones if tz == account["timezone"])
        for _ in range(size):
            zone = account["timezone"] if rng.random() < 0.85 else rng.choice(zones)[0]
            if home_locale != "en":
                locale = home_locale if rng.random() < 0.65 else "en"
            else:
                locale = rng.choice(("de", "fr", "es", "nl")) if rng.random() < 0.05 else "en"
            first = rng.choice(NAMES[locale][0])
            last = rng.choice(NAMES[locale][1])
            local = _ascii(f"{first}.{last}")
            email, n = f"{local}@{account['domains'][0]}", 1
            while email in emails:
                n += 1
                email = f"{local}{n}@{account['domains'][0]}"
            emails.add(email)
            since = account["customer_since"]
            if (today - since).days < 90 or rng.random() < 0.15:  # recent: onboarding applies
                earliest, latest = max(since, today - timedelta(days=90)), today - timedelta(days=1)
            else:
                earliest, latest = since, today - timedelta(days=91)
            signed_up = earliest + timedelta(days=rng.randint(0, max(0, (latest - earliest).days)))
            roll = rng.random()
            rows.append(
                {
                    "email": email,
                    "name": f"{first} {last}",
                    "account_external_id": account["external_id"],
                    "timezone": zone,
                    "locale": locale,
                    "signed_up_on": signed_up,
                    "unsubscribed": roll < 0.03,
                    "bounced": 0.03 <= roll < 0.05,
                    "attributes": {"role": rng.choice(JOB_ROLES)},
                }
            )
    return rows


def _ascii(text: str) -> str:
    """'Müller' -> 'muller', 'van den Berg' -> 'vandenberg': the local part of an address."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return plain.lower().replace(" ", "")


def _programs(session: Session) -> dict[str, SurveyProgram]:
    nps = SurveyProgram(
        name=PROGRAM_NAMES[0],
        kind="nps",
        active=True,
        priority=10,
        product_name=PRODUCT,
        sender_name="Customer Success",
        audience={},
        cadence_days=NPS_CADENCE_DAYS,
        triggers=[],
        content=CONTENT["nps"],
        description="Every customer contact, once a quarter: how likely to recommend us.",
    )
    onboarding = SurveyProgram(
        name=PROGRAM_NAMES[1],
        kind="onboarding",
        active=True,
        priority=5,
        product_name=PRODUCT,
        sender_name="Customer Success",
        audience={},
        triggers=TRIGGERS,
        content=CONTENT["onboarding"],
        description="New users at one week, 30 and 90 days; account contacts before renewal.",
    )
    session.add_all([nps, onboarding])
    session.flush()
    return {"nps": nps, "onboarding": onboarding}


# ---------------------------------------------------------------- a year of answers


@dataclass
class _Person:
    contact: Contact
    account: dict[str, Any]
    row: dict[str, Any]


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _previous_quarter(year: int, q: int) -> tuple[int, int]:
    return (year, q - 1) if q > 1 else (year - 1, 4)


class _History:
    """Invitations, answers and their conversations, as lists of rows, then written in bulk."""

    def __init__(
        self,
        rng: random.Random,
        end: datetime,
        programs: dict[str, SurveyProgram],
        people: list[_Person],
    ) -> None:
        self.rng = rng
        self.end = end
        self.start = end - timedelta(days=365)
        self.programs = programs
        self.people = people
        self.invitations: list[dict[str, Any]] = []
        self.responses: list[dict[str, Any]] = []
        self.threads: list[list[dict[str, Any]]] = []  # messages per invitation
        self.changes: list[dict[str, Any]] = []
        year, q = _previous_quarter(*_quarter(end.date()))
        self.dip_quarter = f"{year}-Q{q}"
        self.account_mood: dict[str, float] = {}  # some accounts are simply happier

    # -- what was sent

    def build(self) -> None:
        for person in self.people:
            key = person.account["external_id"]
            if key not in self.account_mood:
                self.account_mood[key] = self.rng.gauss(0, 0.35)
        for person in self.people:
            if person.row["email"] != TRY_ME:
                self._person(person)

    def _person(self, person: _Person) -> None:
        rng, row = self.rng, person.row
        engagement = rng.uniform(0.45, 1.55)
        # Days since their last relationship survey: under half a cadence, so the dispatcher
        # finds nobody due on the demo's first morning (cadence.is_due) and the next waves
        # come one contact at a time over the following weeks, not 100 emails at once.
        since_last = rng.randint(1, NPS_CADENCE_DAYS // 2 - 1)
        stop = self.end
        if row["unsubscribed"]:
            stop = self.start + timedelta(days=rng.randint(30, 330))
        sends: list[tuple[datetime, str, str, str | None, str]] = []  # at, program, wave, ms, scale
        signed_up: date = row["signed_up_on"]
        for trigger in TRIGGERS:
            if "days_after_signup" in trigger:
                day = signed_up + timedelta(days=trigger["days_after_signup"])
                sends.append(
                    (
                        self._at(person, day),
                        "onboarding",
                        trigger["milestone"],
                        trigger["milestone"],
                        trigger["question"],
                    )
                )
        # Every contact of the account is asked before renewal, as the dispatcher does.
        for renewal in (
            person.account["renewal_date"],
            _anniversary(person.account["renewal_date"], -1),
        ):
            due = renewal - timedelta(days=60)
            if due > person.account["customer_since"]:
                sends.append(
                    (
                        self._at(person, due),
                        "onboarding",
                        f"renewal:{renewal.isoformat()}",
                        "renewal",
                        "closeness",
                    )
                )
        onboarding_days = [at for at, *_ in sends]
        day = self.end.date() - timedelta(days=since_last)
        while day >= self.start.date():
            at = self._at(person, day)
            near = any(abs((at - other).days) < 30 for other in onboarding_days)
            if day >= signed_up + timedelta(days=14) and not near:
                sends.append((at, "nps", f"{day.isoformat()}/{NPS_CADENCE_DAYS}d", None, "nps"))
            day -= timedelta(days=NPS_CADENCE_DAYS)
        sends = sorted(s for s in sends if self.start <= s[0] < stop)
        for index, (at, program, wave, milestone, scale) in enumerate(sends):
            bounced = row["bounced"] and index == len(sends) - 1
            self._invite(person, at, program, wave, milestone, scale, engagement, bounced)
            if bounced:
                break

    def _at(self, person: _Person, day: date) -> datetime:
        """A send time in the contact's morning, as the dispatcher would choose."""
        local = datetime.combine(
            day,
            time(self.rng.randint(8, 10), self.rng.randint(0, 59)),
            ZoneInfo(person.row["timezone"]),
        )
        return local.astimezone(UTC)

    def _invite(
        self,
        person: _Person,
        at: datetime,
        program_kind: str,
        wave: str,
        milestone: str | None,
        scale: str,
        engagement: float,
        bounced: bool,
    ) -> None:
        rng = self.rng
        program = self.programs[program_kind]
        locale = person.row["locale"] if person.row["locale"] in CONTENT[program_kind] else "en"
        words = CONTENT[program_kind][locale]
        invitation = {
            "program_id": program.id,
            "contact_id": person.contact.id,
            "wave_key": wave,
            "milestone": milestone,
            "token_hash": hash_token(new_token()),
            "reply_token_hash": hash_token(new_token()),
            "locale": locale,
            "created_at": at,
            "sent_at": at,
            "delivered_at": None if bounced else at + timedelta(seconds=rng.randint(4, 90)),
            "reminded_at": None,
            "responded_at": None,
            "expires_at": at + timedelta(days=30),
        }
        thread = [_message("outbound", "invitation", "email", words["subject"], at)]
        self.invitations.append(invitation)
        self.threads.append(thread)
        index = len(self.invitations) - 1
        chance = min(0.92, RESPONSE_RATE * engagement * (1.1 if scale == "effort" else 1.0))
        answered = None if bounced or rng.random() >= chance else at + self._delay()
        reminder = at + timedelta(days=3)
        if not bounced and (answered is None or answered > reminder) and reminder < self.end:
            invitation["reminded_at"] = reminder
        if answered is None or answered + timedelta(hours=1) >= self.end:
            return  # its confirmation and comment would come after the demo's present
        invitation["responded_at"] = answered
        score = self._score(person, at, scale, milestone)
        category = _category(scale, score)
        comment = None
        if rng.random() < COMMENT_RATE:
            comment = self._comment(person, category, at, scale)
        success = None
        if scale == "effort" and rng.random() < 0.7:
            options = SUCCESS_DEFINITIONS.get(locale, ()) if rng.random() < 0.5 else ()
            success = rng.choice(options or SUCCESS_DEFINITIONS["en"])
        self.responses.append(
            {
                "invitation_index": index,
                "program_id": program.id,
                "contact_id": person.contact.id,
                "account_id": person.contact.account_id,
                "scale": scale,
                "score": score,
                "category": category,
                "status": "confirmed",
                "comment": comment,
                "success_definition": success,
                "answered_at": answered,
                "confirmed_at": answered + timedelta(seconds=rng.randint(20, 240)),
                "updated_at": answered,
            }
        )
        self.changes.append(
            {
                "invitation_index": index,
                "score": score,
                "source": "click",
                "counted": True,
                "reason": "",
                "created_at": answered,
            }
        )
        thread.append(_message("inbound", "score", "click", str(score), answered))
        if comment:
            channel = "reply" if rng.random() < REPLY_CHANNEL_SHARE else "page"
            later = answered + timedelta(minutes=rng.randint(1, 50))
            thread.append(_message("inbound", "comment", channel, comment, later))

    def _delay(self) -> timedelta:
        roll = self.rng.random()
        if roll < 0.5:
            return timedelta(minutes=self.rng.randint(3, 360))
        if roll < 0.8:
            return timedelta(minutes=self.rng.randint(360, 3 * 24 * 60))
        return timedelta(minutes=self.rng.randint(3 * 24 * 60 + 60, 12 * 24 * 60))

    def _score(self, person: _Person, at: datetime, scale: str, milestone: str | None) -> int:
        account = person.account
        plan, region = account["plan"], account["region"]
        shift = {"enterprise": 0.5, "growth": 0.1, "starter": -0.5}[plan]
        shift += {"EMEA": 0.3, "Americas": 0.0, "APAC": -0.4}[region]
        if plan == "enterprise" and region == "EMEA":
            shift += 0.5
        if plan == "starter" and region == "APAC":
            shift -= 0.9
        if account["lifecycle_stage"] == "at_risk":
            shift -= 1.5
        shift += self.account_mood[account["external_id"]]
        if scale == "effort":
            mean = 4.9 + {"enterprise": 0.4, "growth": 0.0, "starter": -0.4}[plan]
            return max(1, min(7, round(self.rng.gauss(mean + shift / 3, 1.3))))
        if region == DIP_REGION and self._quarter_key(at) == self.dip_quarter:
            shift -= 2.2
        if milestone in ("day30", "day90"):
            shift += 0.2
        return max(0, min(10, round(self.rng.gauss(8.4 + shift, 1.6))))

    @staticmethod
    def _quarter_key(at: datetime) -> str:
        year, q = _quarter(at.date())
        return f"{year}-Q{q}"

    def _comment(self, person: _Person, category: str, at: datetime, scale: str) -> str:
        rng = self.rng
        roll = rng.random()
        tone = {
            "promoter": "+" if roll < 0.85 else "~",
            "passive": "~" if roll < 0.65 else "+" if roll < 0.9 else "-",
            "detractor": "-" if roll < 0.75 else "~",
            "easy": "+" if roll < 0.85 else "~",
            "neutral": "~",
            "difficult": "-" if roll < 0.8 else "~",
            "on_track": "+" if roll < 0.85 else "~",
            "partway": "~",
            "off_track": "-" if roll < 0.8 else "~",
        }[category]
        topics: Iterable[str] | None = None
        if scale == "effort":
            topics = ("onboarding", "docs", "usability")
        elif (
            tone != "+"
            and person.account["region"] == DIP_REGION
            and self._quarter_key(at) == self.dip_quarter
            and rng.random() < 0.7
        ):
            topics = ("reliability", "performance")
        language = person.row["locale"] if rng.random() < 0.5 else "en"
        pool = self._pool(tone, language, topics) or self._pool(tone, "en", topics)
        return rng.choice(pool or self._pool(tone, "en", None))

    @staticmethod
    def _pool(tone: str, language: str, topics: Iterable[str] | None) -> list[str]:
        wanted = set(topics) if topics is not None else None
        return [
            text
            for t, topic, lang, text in COMMENTS
            if t == tone and lang == language and (wanted is None or topic in wanted)
        ]

    # -- written in bulk

    def write(self, session: Session) -> None:
        rows = [Invitation(**row) for row in self.invitations]
        session.add_all(rows)
        session.flush()
        ids = [row.id for row in rows]
        for model, batch in ((Response, self.responses), (ScoreChange, self.changes)):
            if batch:
                session.execute(insert(model), [_with_invitation(row, ids) for row in batch])
        messages = [
            {**m, "invitation_id": ids[i]} for i, thread in enumerate(self.threads) for m in thread
        ]
        session.execute(insert(Message), messages)


def _with_invitation(row: dict[str, Any], ids: list[int]) -> dict[str, Any]:
    """The row to insert: its invitation's position in the batch swapped for its id."""
    clean = {k: v for k, v in row.items() if k != "invitation_index"}
    return {**clean, "invitation_id": ids[row["invitation_index"]]}


def _message(direction: str, kind: str, channel: str, body: str, at: datetime) -> dict[str, Any]:
    body = body.replace("{product}", PRODUCT)
    return {"direction": direction, "kind": kind, "channel": channel, "body": body,
            "created_at": at}  # fmt: skip


def _anniversary(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
