"""Use cases for survey programs: create, change, list; with the checks an admin needs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import func, null, select
from sqlalchemy.orm import Session

from feedback import branding, locales, questions
from feedback.audience import validate_audience
from feedback.customer_fields import normalise_email
from feedback.models import Account, SurveyProgram
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
TEXT_FIELDS = {
    "name": 200,
    "product_name": 120,
    "sender_name": 120,
    "description": 5000,
    "footer_text": 1000,
}
BRAND_FIELDS = ("sender_email", "logo_url", "accent_color")
FIELDS = (
    *INT_FIELDS,
    *TEXT_FIELDS,
    *BRAND_FIELDS,
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
            value = trigger.get(key)
            if key not in trigger:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                # The editor's own words for a day count it could not read, so the page
                # shows one message for one mistake.
                problems.append(f"Milestone {name!r}: {value!r} is not a whole number of days.")
            elif not 0 <= value <= 3650:
                problems.append(f"Milestone {name!r}: {key} must be from 0 to 3650 days.")
        if trigger.get("question", "nps") not in MILESTONE_QUESTIONS:
            problems.append(
                f"Milestone {name!r}: question must be one of {', '.join(MILESTONE_QUESTIONS)}."
            )
    return problems


def _validate_content(content: Any) -> list[str]:
    """Each language's own subject and intro; a language left out speaks the catalogue's words."""
    if not isinstance(content, Mapping):
        return ['Must map languages to words: {"fr": {"subject": ..., "intro": ...}}.']
    problems = []
    for locale, words in content.items():
        if locale not in locales.SUPPORTED:
            known = ", ".join(locales.SUPPORTED)
            problems.append(f"{locale}: not a language we write in ({known}).")
            continue
        if not isinstance(words, Mapping) or any(
            key not in ("subject", "intro") or not isinstance(value, str | None)
            for key, value in words.items()
        ):
            problems.append(f"{locale}: only a subject and an intro, as text.")
            continue
        for key, limit in (("subject", 200), ("intro", 2000)):
            if len(words.get(key) or "") > limit:
                problems.append(f"{locale}: the {key} is longer than {limit} characters.")
    return problems


def _clean_content(content: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Drop empty words, so an empty field means "the default", not "say nothing"."""
    clean: dict[str, dict[str, str]] = {}
    for locale, words in content.items():
        kept = {k: v.strip() for k, v in words.items() if isinstance(v, str) and v.strip()}
        if kept:
            clean[locale] = kept
    return clean


def _clean(
    data: Mapping[str, Any], *, partial: bool, kind: str | None
) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The values that passed, and every field's problems (all of them, not the first)."""
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
            clean["content"] = _clean_content(data["content"])
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
    _clean_branding(data, clean, fields)
    return clean, fields


def _clean_branding(data: Mapping[str, Any], clean: dict[str, Any], fields: dict) -> None:
    """Sender address, logo link and accent colour: each None (the default) or checked."""
    checks = {
        "sender_email": lambda v: normalise_email(v),
        "logo_url": lambda v: _or_raise(branding.logo_problem(v), v),
        "accent_color": lambda v: _or_raise(branding.accent_problem(v), v.lower()),
    }
    for key, check in checks.items():
        if key not in data:
            continue
        value = data[key].strip() if isinstance(data[key], str) else data[key]
        if value is None or value == "":
            clean[key] = None
        elif not isinstance(value, str):
            fields[key] = ["Must be text."]
        else:
            try:
                clean[key] = check(value)
            except ValueError as exc:
                fields[key] = [str(exc)]


def _or_raise(problem: str | None, value: str) -> str:
    if problem:
        raise ValueError(problem)
    return value


def get_program(session: Session, program_id: int) -> SurveyProgram:
    program = session.get(SurveyProgram, program_id)
    if program is None:
        raise NotFound(f"There is no survey program with id {program_id}.")
    return program


def _duplicate_name(session: Session, name: str | None, program: SurveyProgram | None) -> bool:
    if name is None:
        return False
    other = session.scalar(
        select(SurveyProgram).where(func.lower(SurveyProgram.name) == name.lower())
    )
    return other is not None and other is not program


def known_regions(session: Session) -> list[str]:
    """The regions accounts are in: the only ones an audience can usefully name."""
    return sorted(
        session.scalars(select(Account.region).where(Account.region.is_not(None)).distinct())
    )


def _check(
    session: Session, data: Mapping[str, Any], program: SurveyProgram | None
) -> dict[str, Any]:
    """One validation for the page and the API: every problem at once, or the clean values.

    Beyond each field's shape: an onboarding program needs milestones (without them it never
    sends), and an audience region must be one some account is in (a typo would silently
    match nobody).
    """
    kind = data.get("kind", program.kind if program else None)
    clean, fields = _clean(data, partial=program is not None, kind=kind)
    kind = clean.get("kind", kind)
    if program is None and kind == "onboarding" and "triggers" not in data:
        clean["triggers"] = DEFAULT_ONBOARDING_TRIGGERS
    triggers = clean.get("triggers", program.triggers if program else [])
    if kind == "onboarding" and not triggers and "triggers" not in fields:
        fields["triggers"] = ["An onboarding program needs at least one milestone."]
    regions = (clean.get("audience") or {}).get("region") or []
    if regions:
        known = set(known_regions(session))
        if unknown := [r for r in regions if r not in known]:
            fields.setdefault("audience", []).append(
                f"No account is in region {', '.join(map(repr, unknown))}; known regions: "
                f"{', '.join(sorted(known)) or 'none yet'}."
            )
    duplicate = _duplicate_name(session, clean.get("name"), program)
    if fields:
        if duplicate:
            fields["name"] = ["Already exists."]
        raise InvalidInput("The program was not saved: some fields are invalid.", fields)
    if duplicate:
        raise Conflict(
            f"A program named {clean['name']!r} already exists.", {"name": ["Already exists."]}
        )
    return clean


def validate_program(
    session: Session, data: Mapping[str, Any], program_id: int | None = None
) -> dict[str, Any]:
    """The clean values of a new program (or a change), or InvalidInput listing every field."""
    program = get_program(session, program_id) if program_id is not None else None
    return _check(session, data, program)


def create_program(session: Session, data: Mapping[str, Any]) -> SurveyProgram:
    clean = _check(session, data, None)
    clean.setdefault("content", DEFAULT_CONTENT[clean["kind"]])
    if clean["kind"] == "onboarding":
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
    clean = _check(session, data, program)
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
