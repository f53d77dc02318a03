"""The demo tenant's tables: its teams, staff, companies, names, comments and programs.

Plain values only, so the story the demo tells can be read (and changed) in one place; the
seed and the history builder read them.
"""

from __future__ import annotations

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


TRY_ME = "dana.demo@northwind-logistics.example"  # the first demo company's domain
