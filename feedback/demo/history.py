"""A year of answers: invitations, responses and their conversations, as rows written in bulk.

The history describes the past rather than doing anything, so it is built as lists of rows
from one random.Random and inserted at once; the categories come from the question kinds,
the one place that decides them.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert
from sqlalchemy.orm import Session

from feedback import questions
from feedback.demo.data import (
    COMMENT_RATE,
    COMMENTS,
    CONTENT,
    DIP_REGION,
    NPS_CADENCE_DAYS,
    PRODUCT,
    REPLY_CHANNEL_SHARE,
    RESPONSE_RATE,
    SUCCESS_DEFINITIONS,
    TRIGGERS,
    TRY_ME,
)
from feedback.models import (
    Contact,
    Invitation,
    Response,
    ScoreChange,
    SurveyProgram,
)
from feedback.services import thread_turns
from feedback.tokens import hash_token, new_token


def _category(scale: str, score: int) -> str:
    """The one place that decides categories decides them for the demo too."""
    return questions.kind(scale).category(score)


@dataclass
class Person:
    contact: Contact
    account: dict[str, Any]
    row: dict[str, Any]


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _previous_quarter(year: int, q: int) -> tuple[int, int]:
    return (year, q - 1) if q > 1 else (year - 1, 4)


class History:
    """Invitations, answers and their conversations, as lists of rows, then written in bulk."""

    def __init__(
        self,
        rng: random.Random,
        end: datetime,
        programs: dict[str, SurveyProgram],
        people: list[Person],
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

    def _person(self, person: Person) -> None:
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
            anniversary(person.account["renewal_date"], -1),
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

    def _at(self, person: Person, day: date) -> datetime:
        """A send time in the contact's morning, as the dispatcher would choose."""
        local = datetime.combine(
            day,
            time(self.rng.randint(8, 10), self.rng.randint(0, 59)),
            ZoneInfo(person.row["timezone"]),
        )
        return local.astimezone(UTC)

    def _invite(
        self,
        person: Person,
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

    def _score(self, person: Person, at: datetime, scale: str, milestone: str | None) -> int:
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

    def _comment(self, person: Person, category: str, at: datetime, scale: str) -> str:
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
        thread_turns.add_turns(session, messages)


def _with_invitation(row: dict[str, Any], ids: list[int]) -> dict[str, Any]:
    """The row to insert: its invitation's position in the batch swapped for its id."""
    clean = {k: v for k, v in row.items() if k != "invitation_index"}
    return {**clean, "invitation_id": ids[row["invitation_index"]]}


def _message(direction: str, kind: str, channel: str, body: str, at: datetime) -> dict[str, Any]:
    body = body.replace("{product}", PRODUCT)
    return {"direction": direction, "kind": kind, "channel": channel, "body": body,
            "created_at": at}  # fmt: skip


def anniversary(day: date, years: int) -> date:
    """The same day `years` later (or earlier); 29 February falls on the 28th."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
