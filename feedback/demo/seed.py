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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from feedback.demo import backlog, tasks
from feedback.demo.data import (
    ACCOUNT_PREFIX,
    ARR_RANGE,
    COMPANIES,
    CONTACTS,
    CONTACTS_PER_PLAN,
    CONTENT,
    DIP_REGION,
    JOB_ROLES,
    NAMES,
    NPS_CADENCE_DAYS,
    OWNER_BY_REGION,
    PASSWORD,
    PRODUCT,
    PROGRAM_NAMES,
    SEGMENTS,
    STAFF,
    STAFF_DOMAIN,
    TEAMS,
    TRIGGERS,
    TRY_ME,
    ZONES,
)
from feedback.demo.history import History, Person, anniversary
from feedback.models import (
    Account,
    BacklogItem,
    Contact,
    OutboxEmail,
    SurveyProgram,
    Task,
    Team,
    User,
)
from feedback.services import accounts, contacts, org
from feedback.services.errors import Conflict


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
    backlog: dict[str, Any] = field(default_factory=dict)

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


# ---------------------------------------------------------------- the entry point

# The parts of a seed, in order, for a progress bar.
STEPS = ("teams and staff", "accounts and contacts", "a year of surveys", "follow-up tasks",
         "backlog")  # fmt: skip


def seed(
    session: Session,
    *,
    seed: int,
    now: datetime,
    reset: bool = False,
    config: Mapping[str, Any] | None = None,
    step: Callable[[str], None] | None = None,
) -> SeedResult:
    """Build the demo tenant in the caller's transaction; the caller commits.

    `now` is the demo's present: nothing in it happens later, and the same seed and `now`
    give the same data. With `config` (the app's), the shipped backlog item's customers are
    told through the outbox, as the job would. `step` is called with each of STEPS as it
    starts (the CLI's progress bar)."""
    step = step or (lambda _name: None)
    rng = random.Random(seed)
    result = SeedResult(seed=seed)
    if reset:
        result.deleted = delete_demo(session)
    _refuse_if_not_empty(session, reset)
    end = now.astimezone(UTC)  # nothing in the demo happens after this
    today = end.date()

    step("teams and staff")
    teams = [
        org.create_team(session, {"name": n, "department": d, "timezone": tz}) for n, d, tz in TEAMS
    ]
    # One password hash for the six: scrypt is slow on purpose, and they share the password.
    password_hash = generate_password_hash(PASSWORD)
    for email, name, role, team in STAFF:
        user = org.create_user(session, {"email": email, "name": name, "role": role, "team": team})
        user.password_hash = password_hash
        result.user_emails.append(email)
    step("accounts and contacts")
    account_rows = _account_rows(rng, today)
    accounts.upsert_accounts(session, account_rows, all_or_nothing=True)
    contact_rows = _contact_rows(rng, account_rows, today)
    # One customer is never surveyed, so "Send now" in the quick start always finds them willing.
    # Their account is EMEA's, so the follow-up of their answer lands in csm1's queue.
    contact_rows[0].update(
        email=TRY_ME, name="Dana Demo", locale="en", unsubscribed=False, bounced=False
    )
    contacts.upsert_contacts(session, contact_rows, all_or_nothing=True)
    programs = _programs(session)

    by_email = {
        c.email: c
        for c in session.scalars(
            select(Contact).where(Contact.email.in_([row["email"] for row in contact_rows]))
        )
    }
    account_of = {row["external_id"]: row for row in account_rows}
    people = [
        Person(by_email[row["email"]], account_of[row["account_external_id"]], row)
        for row in contact_rows
    ]
    step("a year of surveys")
    history = History(rng, end, programs, people)
    history.build()
    history.write(session)
    step("follow-up tasks")
    result.tasks = tasks.follow_up(session, rng, end)
    step("backlog")
    result.backlog = backlog.seed_backlog(session, end, config=config, password=PASSWORD)

    result.counts.update(
        teams=len(teams),
        users=len(STAFF),
        accounts=len(account_rows),
        contacts=len(contact_rows),
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
            (
                "backlog items",
                delete(BacklogItem).where(BacklogItem.department.in_({t[1] for t in TEAMS})),
            ),
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
        renewal = anniversary(since, today.year - since.year)
        while renewal <= today:
            renewal = anniversary(renewal, 1)
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
