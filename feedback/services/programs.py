"""Use cases for survey programs: create, change, list; with the checks an admin needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, null, select
from sqlalchemy.orm import Session

from feedback import locales, questions
from feedback.audience import validate_audience
from feedback.models import SurveyProgram
from feedback.services.errors import Conflict, InvalidInput, NotFound
from feedback.wording import N_

MILESTONE_QUESTIONS = questions.MILESTONE_QUESTIONS
ONBOARDING_FATIGUE_DAYS = 14
# The onboarding series from the product brief: first week, day 30, day 90, before renewal.
DEFAULT_ONBOARDING_TRIGGERS = [
    {"milestone": "week1", "days_after_signup": 7, "question": "effort"},
    {"milestone": "day30", "days_after_signup": 30, "question": "closeness"},
    {"milestone": "day90", "days_after_signup": 90, "question": "closeness"},
    {"milestone": "renewal", "days_before_renewal": 60, "question": "closeness"},
]
# The subject and intro of a language the program wrote no words for (catalogue msgids).
DEFAULT_SUBJECT = {
    "nps": N_("How likely are you to recommend %(product)s?"),
    "onboarding": N_("How is it going with %(product)s?"),
}
DEFAULT_INTRO = {
    "nps": N_("We'd love to know how we're doing. It takes one click."),
    "onboarding": N_("A quick check-in so we can help you reach what you came for."),
}
DEFAULT_CONTENT = {
    "nps": {
        "en": {
            "subject": "How likely are you to recommend {product}?",
            "intro": "We'd love to know how we're doing. It takes one click.",
        }
    },
    "onboarding": {
        "en": {
            "subject": "How is it going with {product}?",
            "intro": "A quick check-in so we can help you reach what you came for.",
        }
    },
}
INT_FIELDS = {  # name: (min, max, nullable)
    "priority": (0, 10_000, False),
    "cadence_days": (1, 3650, False),
    "fatigue_days": (0, 365, False),
    "sample_percent": (0, 100, False),
    "daily_cap": (1, 1_000_000, True),
    "reminder_after_days": (1, 30, True),
    "response_window_days": (1, 365, False),
}
TEXT_FIELDS = {"name": 200, "product_name": 120, "sender_name": 120, "description": 5000}
FIELDS = (
    *INT_FIELDS,
    *TEXT_FIELDS,
    "kind",
    "active",
    "audience",
    "triggers",
    "content",
    "review_url",
    "referral_enabled",
    "default_locale",
)


def _validate_triggers(triggers: Any) -> list[str]:
    if not isinstance(triggers, list):
        return ["Must be a list of milestones."]
    problems: list[str] = []
    seen: set[str] = set()
    for i, trigger in enumerate(triggers, start=1):
        if not isinstance(trigger, Mapping) or not trigger.get("milestone"):
            problems.append(f"Trigger {i} needs a milestone name.")
            continue
        name = str(trigger["milestone"])
        if name in seen:
            problems.append(f"Milestone {name!r} appears twice.")
        seen.add(name)
        starts = [k for k in ("days_after_signup", "days_before_renewal", "event") if k in trigger]
        if len(starts) != 1:
            problems.append(
                f"Milestone {name!r} needs exactly one of days_after_signup, "
                "days_before_renewal or event."
            )
        for key in ("days_after_signup", "days_before_renewal", "days_after"):
            if key in trigger and (
                not isinstance(trigger[key], int) or not 0 <= trigger[key] <= 3650
            ):
                problems.append(f"Milestone {name!r}: {key} must be a whole number of days.")
        if trigger.get("question", "nps") not in MILESTONE_QUESTIONS:
            problems.append(
                f"Milestone {name!r}: question must be one of {', '.join(MILESTONE_QUESTIONS)}."
            )
    return problems


def _validate_content(content: Any) -> list[str]:
    if not isinstance(content, Mapping) or "en" not in content:
        return ['Needs at least English (\'en\') words: {"en": {"subject": ..., "intro": ...}}.']
    problems = []
    for locale, words in content.items():
        if not isinstance(words, Mapping) or not str(words.get("subject") or "").strip():
            problems.append(f"{locale}: a subject is required.")
        elif len(str(words["subject"])) > 200:
            problems.append(f"{locale}: the subject is longer than 200 characters.")
    return problems


def _clean(data: Mapping[str, Any], *, partial: bool, kind: str | None) -> dict[str, Any]:
    fields: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in FIELDS:
            fields[key] = ["Unknown field."]
    if "kind" in data or not partial:
        if data.get("kind") not in ("nps", "onboarding"):
            fields["kind"] = ["Must be nps or onboarding."]
        else:
            clean["kind"] = kind = data["kind"]
    for key, max_len in TEXT_FIELDS.items():
        if key in data or (key == "name" and not partial):
            value = data.get(key)
            if key in ("name", "product_name", "sender_name") and (
                not isinstance(value, str) or not value.strip()
            ):
                fields[key] = ["Required."]
            elif value is not None and (not isinstance(value, str) or len(value) > max_len):
                fields[key] = [f"Text of at most {max_len} characters."]
            else:
                clean[key] = value.strip() if isinstance(value, str) else value
    for key, (low, high, nullable) in INT_FIELDS.items():
        if key in data:
            value = data[key]
            if value is None and nullable:
                clean[key] = None
            elif isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                fields[key] = [
                    f"A whole number from {low} to {high}" + (" or null." if nullable else ".")
                ]  # noqa: E501
            else:
                clean[key] = value
    for key in ("active", "referral_enabled"):
        if key in data:
            if not isinstance(data[key], bool):
                fields[key] = ["Must be true or false."]
            else:
                clean[key] = data[key]
    if "audience" in data:
        if problems := validate_audience(data["audience"]):
            fields["audience"] = problems
        else:
            clean["audience"] = dict(data["audience"] or {})
    if "triggers" in data:
        if kind == "nps" and data["triggers"]:
            fields["triggers"] = [
                "Relationship NPS runs on its cadence; only onboarding has triggers."
            ]  # noqa: E501
        elif problems := _validate_triggers(data["triggers"] or []):
            fields["triggers"] = problems
        else:
            clean["triggers"] = list(data["triggers"] or [])
    if "content" in data:
        if problems := _validate_content(data["content"]):
            fields["content"] = problems
        else:
            clean["content"] = dict(data["content"])
    if "default_locale" in data:
        if data["default_locale"] not in locales.SUPPORTED:
            fields["default_locale"] = [f"One of {', '.join(locales.SUPPORTED)}."]
        else:
            clean["default_locale"] = data["default_locale"]
    if "review_url" in data and data["review_url"] is not None:
        parts = urlsplit(str(data["review_url"]))
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fields["review_url"] = ["Must be an http(s) link, e.g. https://g2.com/..."]
        else:
            clean["review_url"] = data["review_url"]
    if fields:
        raise InvalidInput("The program was not saved: some fields are invalid.", fields)
    return clean


def get_program(session: Session, program_id: int) -> SurveyProgram:
    program = session.get(SurveyProgram, program_id)
    if program is None:
        raise NotFound(f"There is no survey program with id {program_id}.")
    return program


def _check_name(session: Session, name: str | None, program: SurveyProgram | None) -> None:
    if name is None:
        return
    other = session.scalar(
        select(SurveyProgram).where(func.lower(SurveyProgram.name) == name.lower())
    )
    if other is not None and other is not program:
        raise Conflict(f"A program named {name!r} already exists.", {"name": ["Already exists."]})


def create_program(session: Session, data: Mapping[str, Any]) -> SurveyProgram:
    clean = _clean(data, partial=False, kind=data.get("kind"))
    _check_name(session, clean.get("name"), None)
    clean.setdefault("content", DEFAULT_CONTENT[clean["kind"]])
    if clean["kind"] == "onboarding":
        clean.setdefault("triggers", DEFAULT_ONBOARDING_TRIGGERS)
        # The milestones are 23 days apart (week 1 → day 30): a 30-day rest would push day 30
        # out of its window, so the series itself rests 14 days unless told otherwise.
        clean.setdefault("fatigue_days", ONBOARDING_FATIGUE_DAYS)
    clean.setdefault("audience", {})
    clean.setdefault("triggers", [])
    # null(), not None: the ORM leaves a None out of the INSERT and the column default (a
    # 3-day reminder) would fill it, turning "no reminders" into reminders.
    values = {key: null() if value is None else value for key, value in clean.items()}
    program = SurveyProgram(**values)
    session.add(program)
    session.flush()
    return program


def update_program(session: Session, program_id: int, data: Mapping[str, Any]) -> SurveyProgram:
    program = get_program(session, program_id)
    clean = _clean(data, partial=True, kind=data.get("kind", program.kind))
    _check_name(session, clean.get("name"), program)
    for key, value in clean.items():
        setattr(program, key, value)
    session.flush()
    return program


def list_programs(session: Session) -> list[SurveyProgram]:
    return list(
        session.scalars(select(SurveyProgram).order_by(SurveyProgram.priority, SurveyProgram.id))
    )


def own_words(program: SurveyProgram, locale: str) -> dict[str, str]:
    """The subject and intro the program wrote for this language ({} when it wrote none)."""
    content = program.content or {}
    for candidate in (locale, locales.base_language(locale)):
        if candidate and isinstance(content.get(candidate), dict):
            return {k: str(v) for k, v in content[candidate].items() if v}
    return {}
