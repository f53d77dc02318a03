"""The program editor's form: plain fields in, the service's program data out, and back.

Words per language are one subject and one intro field per language; milestones are rows of
fields posted as parallel lists. Nobody types JSON: the row buttons (add, remove, move) post
the whole form, which comes back re-rendered with the change and nothing saved.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import MultiDict

from feedback import locales

INT_INPUTS = (
    "priority",
    "cadence_days",
    "fatigue_days",
    "sample_percent",
    "daily_cap",
    "reminder_after_days",
    "response_window_days",
)
LIST_INPUTS = ("plan", "region", "lifecycle_stage")
TEXT_INPUTS = (
    "name",
    "kind",
    "product_name",
    "sender_name",
    "description",
    "review_url",
    "sender_email",
    "logo_url",
    "accent_color",
    "footer_text",
)
#: How a milestone starts: a day count after sign-up, before renewal, or an event's name.
STARTS = {
    "days_after_signup": "days after sign-up",
    "days_before_renewal": "days before renewal",
    "event": "after the event",
}
#: A milestone row's inputs, in MilestoneRow's order; each is posted once per row.
MILESTONE_FIELDS = (
    "milestone_name",
    "milestone_start",
    "milestone_value",
    "milestone_days_after",
    "milestone_question",
)


@dataclass
class MilestoneRow:
    """One row of the milestones table, as typed (strings)."""

    name: str = ""
    start: str = "days_after_signup"
    value: str = ""
    days_after: str = ""
    question: str = "closeness"

    @property
    def blank(self) -> bool:
        return not self.name.strip() and not self.value.strip()


def milestone_rows(form: MultiDict[str, str]) -> list[MilestoneRow]:
    """The rows as posted, in order (the parallel lists line up by position)."""
    columns = [form.getlist(key) for key in MILESTONE_FIELDS]
    count = max((len(c) for c in columns), default=0)
    rows = []
    for i in range(count):
        cells = [c[i] if i < len(c) else "" for c in columns]
        rows.append(MilestoneRow(*cells))
    return rows


def apply_row_action(rows: list[MilestoneRow], action: str) -> list[MilestoneRow] | None:
    """The rows after an add/remove/up/down button, or None when the action is not one."""
    if action in ("save", "save_preview"):
        return None
    if action == "add_milestone":
        return [*rows, MilestoneRow()]
    verb, _, index = action.partition(":")
    if verb not in ("remove", "up", "down") or not index.isdigit():
        return None
    i = int(index)
    if not 0 <= i < len(rows):
        return rows
    rows = list(rows)
    if verb == "remove":
        del rows[i]
    elif verb == "up" and i > 0:
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif verb == "down" and i < len(rows) - 1:
        rows[i + 1], rows[i] = rows[i], rows[i + 1]
    return rows


def _whole_number(raw: str) -> int | str:
    try:
        return int(raw.strip())
    except ValueError:
        return raw


def _triggers(rows: list[MilestoneRow]) -> tuple[list[dict[str, Any]], list[str]]:
    triggers: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, row in enumerate((r for r in rows if not r.blank), start=1):
        name = row.name.strip()
        label = repr(name) if name else f"on row {number}"
        trigger: dict[str, Any] = {"milestone": name, "question": row.question or "closeness"}
        start = row.start if row.start in STARTS else "days_after_signup"
        if start == "event":
            if not row.value.strip():
                problems.append(f"Milestone {label}: name the event that starts it.")
            trigger["event"] = row.value.strip()
            if row.days_after.strip():
                trigger["days_after"] = _whole_number(row.days_after)
        else:
            days = _whole_number(row.value)
            if isinstance(days, str):
                problems.append(f"Milestone {label}: {row.value!r} is not a whole number of days.")
            trigger[start] = days
        triggers.append(trigger)
    return triggers, problems


def form_to_program(form: MultiDict[str, str]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The service's program fields from the form, and the problems found in parsing."""
    data: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for key in TEXT_INPUTS:
        data[key] = form.get(key, "").strip() or None
    data["active"] = form.get("active") == "on"
    data["referral_enabled"] = form.get("referral_enabled") == "on"
    if form.get("default_locale"):
        data["default_locale"] = form["default_locale"]
    for key in INT_INPUTS:
        raw = form.get(key, "").strip()
        if raw == "":
            if key in ("daily_cap", "reminder_after_days"):
                data[key] = None
            continue
        try:
            data[key] = int(raw)
        except ValueError:
            errors[key] = [f"{raw!r} is not a whole number."]
    audience: dict[str, Any] = {}
    for key in LIST_INPUTS:
        values = [v.strip() for v in form.get(f"audience_{key}", "").split(",") if v.strip()]
        if values:
            audience[key] = values
    data["audience"] = audience
    data["content"] = {
        locale: {
            "subject": form.get(f"content_{locale}_subject", ""),
            "intro": form.get(f"content_{locale}_intro", ""),
        }
        for locale in locales.SUPPORTED
    }
    triggers, problems = _triggers(milestone_rows(form))
    if problems:
        errors["triggers"] = problems
    if data.get("kind") == "onboarding" or triggers:
        data["triggers"] = triggers
    return data, errors


def program_values(program: Any) -> tuple[dict[str, Any], list[MilestoneRow]]:
    """The form's values (and milestone rows) for a saved program, or a new one's defaults."""
    if program is None:
        values = {
            "kind": "nps",
            "priority": 100,
            "cadence_days": 90,
            "fatigue_days": 30,
            "sample_percent": 100,
            "reminder_after_days": 3,
            "response_window_days": 30,
            "sender_name": "Customer Success",
            "default_locale": "en",
            "referral_enabled": "on",
        }
        return values, []
    values = {key: getattr(program, key) for key in (*INT_INPUTS, *TEXT_INPUTS, "default_locale")}
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values["active"] = "on" if program.active else ""
    values["referral_enabled"] = "on" if program.referral_enabled else ""
    for key in LIST_INPUTS:
        values[f"audience_{key}"] = ", ".join((program.audience or {}).get(key, []))
    for locale, words in (program.content or {}).items():
        for key in ("subject", "intro"):
            values[f"content_{locale}_{key}"] = (words or {}).get(key, "")
    rows = []
    for trigger in program.triggers or []:
        start = next((k for k in STARTS if k in trigger), "days_after_signup")
        rows.append(
            MilestoneRow(
                name=str(trigger.get("milestone", "")),
                start=start,
                value=str(trigger.get(start, "")),
                days_after=str(trigger.get("days_after", "")),
                question=str(trigger.get("question", "closeness")),
            )
        )
    return values, rows
