"""Follow-up playbooks: ordered rules that turn one response into the tasks it needs.

A rule has conditions (all must hold) and an action (a task type, priority, SLA and where to
route it). Rules are evaluated in order; the first match wins unless the rule says to go on
(`stop: false`). The seeded defaults are DEFAULT_RULES. Pure: plain values in, plain values
out; the service gathers the facts and writes the tasks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from feedback import health, sla
from feedback.classification import NPS_MAX, NPS_MIN, Category

TASK_TYPES = ("recover", "convert", "advocate", "review")
ROUTES = ("owner", "team", "theme_team")
PRIORITIES = {1: "low", 2: "normal", 3: "high", 4: "urgent"}


HIGH_ARR = 100_000  # accounts at or above this ARR get tighter SLAs and a higher priority
SCORE_DROP_POINTS = 3
REPEAT_WINDOW = timedelta(days=183)  # "the same theme again within 6 months"

LIST_CONDITIONS = ("category", "sentiment_label", "themes", "plan", "region", "lifecycle_stage")
NUMBER_CONDITIONS = ("score_min", "score_max", "arr_min", "arr_max")
CONDITIONS = (
    *LIST_CONDITIONS, *NUMBER_CONDITIONS, "program_id", "mismatch", "score_drop", "health_drop"
)  # fmt: skip
# What starts an evaluation: a customer's answer, or the health job seeing an account's
# health fall (feedback.health). A rule answers an account-health trigger only when it says
# "health_drop", so response rules never fire on an account without an answer.
TRIGGERS = ("response", "account_health")


def priority_word(priority: int) -> str:
    """The word pages and emails show for a priority ("high", never "priority 3")."""
    return PRIORITIES.get(priority, str(priority))


@dataclass(frozen=True)
class Facts:
    """What is known about one response when its follow-up is decided."""

    category: str | None
    score: int | None
    scale: str = "nps"
    sentiment_label: str | None = None
    themes: tuple[str, ...] = ()  # theme keys
    mismatch: bool = False
    plan: str | None = None
    arr: Decimal | float | int | None = None
    region: str | None = None
    lifecycle_stage: str | None = None
    program_id: int | None = None
    previous_score: int | None = None  # the contact's answer before this one (same scale)
    previous_category: str | None = None
    trigger: str = "response"  # one of TRIGGERS
    health_score: int | None = None  # account_health: the new score and the one before
    previous_health_score: int | None = None
    health_drop_points: float = health.DEFAULT_DROP  # what "health_drop": true means


@dataclass(frozen=True)
class Rule:
    name: str
    conditions: Mapping[str, Any]
    action: Mapping[str, Any]
    stop: bool = True
    active: bool = True
    id: int | None = None


@dataclass(frozen=True)
class Match:
    """One task a rule asks for. Its SLA stays as the rule gave it (days or hours): what a
    business day is worth depends on the team the task is routed to (sla.Term.hours)."""

    rule: Rule
    task_type: str
    priority: int
    sla_term: sla.Term
    route: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rule_name(self) -> str:
        return self.rule.name


def _rule(
    name: str,
    conditions: dict[str, Any],
    task_type: str,
    priority: int,
    days: int,
    stop: bool = True,
) -> Rule:
    action = {
        "task_type": task_type,
        "priority": priority,
        "sla_business_days": days,
        "route": {"to": "owner"},
    }
    return Rule(name, conditions, action, stop)


DETRACTOR, PASSIVE, PROMOTER = Category.DETRACTOR.value, Category.PASSIVE.value, "promoter"

# The order matters: high-ARR before the general rule, score drops before passives and
# promoters (a promoter who fell to passive needs recovering, not converting), mismatches
# before passives and promoters (a "10" with an angry comment needs a person to read it).
DEFAULT_RULES: tuple[Rule, ...] = (
    _rule("High-ARR detractor", {"category": [DETRACTOR], "arr_min": HIGH_ARR}, "recover", 3, 1),
    _rule("Detractor", {"category": [DETRACTOR]}, "recover", 2, 2),
    _rule(
        "High-ARR score drop",
        {"score_drop": SCORE_DROP_POINTS, "arr_min": HIGH_ARR},
        "recover",
        3,
        1,
    ),
    _rule("Score drop", {"score_drop": SCORE_DROP_POINTS}, "recover", 2, 2),
    _rule("Score and comment disagree", {"mismatch": True}, "review", 2, 2),
    _rule("High-ARR passive", {"category": [PASSIVE], "arr_min": HIGH_ARR}, "convert", 3, 3),
    _rule("Passive", {"category": [PASSIVE]}, "convert", 2, 5),
    _rule("High-ARR promoter", {"category": [PROMOTER], "arr_min": HIGH_ARR}, "advocate", 3, 5),
    _rule("Promoter", {"category": [PROMOTER]}, "advocate", 1, 7),
    _rule("Account health dropped", {"health_drop": True}, "recover", 3, 2),
)


# ---------------------------------------------------------------- conditions


def score_dropped(
    previous_score: int | None,
    previous_category: str | None,
    score: int | None,
    category: str | None,
    points: int = SCORE_DROP_POINTS,
) -> bool:
    """Dropped by `points` or more since the last answer, or fell from promoter."""
    if previous_score is None or score is None:
        return False
    if previous_score - score >= points:
        return True
    return previous_category == PROMOTER and category in (PASSIVE, DETRACTOR)


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _in(value: Any, allowed: Iterable[Any]) -> bool:
    return value is not None and str(value).lower() in {str(a).lower() for a in allowed}


def holds(conditions: Mapping[str, Any], facts: Facts) -> bool:
    """All conditions hold (an empty set of conditions matches every response)."""
    if facts.trigger == "account_health" and "health_drop" not in conditions:
        return False
    for key, want in conditions.items():
        if key == "category" and not _in(facts.category, want):
            return False
        if key == "sentiment_label" and not _in(facts.sentiment_label, want):
            return False
        if key == "themes" and not {t.lower() for t in facts.themes} & {
            str(w).lower() for w in want
        }:
            return False
        if key in ("plan", "region", "lifecycle_stage") and not _in(getattr(facts, key), want):
            return False
        if key == "program_id" and facts.program_id not in {int(w) for w in want}:
            return False
        if key == "mismatch" and bool(facts.mismatch) is not bool(want):
            return False
        if key in ("score_min", "score_max"):
            if facts.score is None:
                return False
            if key == "score_min" and facts.score < want:
                return False
            if key == "score_max" and facts.score > want:
                return False
        if key in ("arr_min", "arr_max"):
            arr = _number(facts.arr)
            if arr is None:
                return False
            if key == "arr_min" and arr < float(want):
                return False
            if key == "arr_max" and arr > float(want):
                return False
        if key == "score_drop":
            points = SCORE_DROP_POINTS if want is True else int(want)
            if not score_dropped(
                facts.previous_score, facts.previous_category, facts.score, facts.category, points
            ):
                return False
        if key == "health_drop":
            limit = facts.health_drop_points if want is True else float(want)
            if not health.dropped(facts.previous_health_score, facts.health_score, limit):
                return False
    return True


def sla_term(action: Mapping[str, Any]) -> sla.Term:
    """The action's SLA as it was given: business hours when it says so, else business days
    (2 when it says neither). Hours win when both are given."""
    if action.get("sla_business_hours") is not None:
        return sla.Term(float(action["sla_business_hours"]), sla.HOURS)
    return sla.Term(float(action.get("sla_business_days", 2)), sla.DAYS)


def evaluate(rules: Sequence[Rule], facts: Facts) -> list[Match]:
    """The tasks this response needs, in rule order; one per task type."""
    matches: list[Match] = []
    seen: set[str] = set()
    for rule in rules:
        if not rule.active or not holds(rule.conditions, facts):
            continue
        task_type = str(rule.action.get("task_type", "recover"))
        if task_type not in seen:
            seen.add(task_type)
            matches.append(
                Match(
                    rule,
                    task_type,
                    int(rule.action.get("priority", 2)),
                    sla_term(rule.action),
                    dict(rule.action.get("route") or {"to": "owner"}),
                )
            )
        if rule.stop:
            break
    return matches


# ---------------------------------------------------------------- repetition


@dataclass(frozen=True)
class Severity:
    priority: int
    note: str | None


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def repetition(
    priority: int,
    earlier: Sequence[datetime],
    *,
    theme_name: str | None,
    account_name: str | None,
    now: datetime,
) -> Severity:
    """Raise the priority when the account raised the same theme before within 6 months.

    `earlier`: when the account's earlier responses with this theme were given. The 2nd time
    raises the priority one step, the 3rd and later two steps (at most urgent), and the note
    says so: "3rd billing complaint from MegaCorp since June".
    """
    recent = sorted(at for at in earlier if now - REPEAT_WINDOW <= at < now)
    if not recent or not theme_name:
        return Severity(priority, None)
    count = len(recent) + 1
    raised = min(4, priority + (1 if count == 2 else 2))
    since = recent[0].strftime("%B") if recent[0].year == now.year else recent[0].strftime("%B %Y")
    who = f" from {account_name}" if account_name else ""
    note = f"{_ordinal(count)} {theme_name.lower()} complaint{who} since {since}"
    return Severity(raised, note)


REPLY_RAISES_TO = 3  # high: a customer who writes back unhappy is waiting on someone now


def reply_severity(priority: int, reply_label: str | None) -> Severity:
    """A reply that reads negative raises an open task to at least high priority.

    The reply is the customer's latest word: a passive who writes "still broken, third time I
    ask" outranks the comment the task was planned from. Never lowers a priority, so a second
    unhappy reply changes nothing and a happy one does not undo an escalation.
    """
    if reply_label != "negative" or priority >= REPLY_RAISES_TO:
        return Severity(priority, None)
    return Severity(REPLY_RAISES_TO, "The customer's reply reads negative")


# ---------------------------------------------------------------- validation (admin edits)


def validate_rule(
    data: Mapping[str, Any], known_team_ids: Iterable[int] = ()
) -> dict[str, list[str]]:
    """Field errors of one rule as typed by an admin ({} when it is valid)."""
    errors: dict[str, list[str]] = {}
    name = str(data.get("name") or "").strip()
    if not name:
        errors["name"] = ["Give the rule a name; tasks say which rule made them."]
    elif len(name) > 200:
        errors["name"] = ["Keep the name under 200 characters."]
    conditions = data.get("conditions")
    if not isinstance(conditions, Mapping):
        errors["conditions"] = ['Conditions are a JSON object such as {"category": ["detractor"]}.']
    else:
        problems = _condition_errors(conditions)
        if problems:
            errors["conditions"] = problems
    action = data.get("action")
    if not isinstance(action, Mapping):
        errors["action"] = [
            'The action is a JSON object such as {"task_type": "recover", '
            '"priority": 2, "sla_business_days": 2}.'
        ]
    else:
        problems = _action_errors(action, set(known_team_ids))
        if problems:
            errors["action"] = problems
    return errors


def _condition_errors(conditions: Mapping[str, Any]) -> list[str]:
    problems = []
    unknown = sorted(set(conditions) - set(CONDITIONS))
    if unknown:
        problems.append(
            f"Unknown conditions: {', '.join(unknown)}. Known: {', '.join(CONDITIONS)}."
        )
    for key in (*LIST_CONDITIONS, "program_id"):
        value = conditions.get(key)
        if value is not None and (
            not isinstance(value, list)
            or not value
            or any(isinstance(v, dict | list) for v in value)
        ):
            problems.append(f'"{key}" is a non-empty list, e.g. ["a", "b"].')
    if isinstance(conditions.get("program_id"), list):
        if not all(
            isinstance(v, int) and not isinstance(v, bool) for v in conditions["program_id"]
        ):
            problems.append('"program_id" lists program ids (whole numbers).')
    for key in NUMBER_CONDITIONS:
        value = conditions.get(key)
        if key in conditions and (_number(value) is None or float(value) < 0):
            problems.append(f'"{key}" is a number (0 or more).')
    for key in ("score_min", "score_max"):
        value = _number(conditions.get(key))
        if value is not None and not NPS_MIN <= value <= NPS_MAX:
            problems.append(f'"{key}" is a score from {NPS_MIN} to {NPS_MAX}.')
    if "mismatch" in conditions and not isinstance(conditions["mismatch"], bool):
        problems.append('"mismatch" is true or false.')
    if "score_drop" in conditions:
        value = conditions["score_drop"]
        if not (
            value is True
            or (
                isinstance(value, int)
                and not isinstance(value, bool)
                and 1 <= value <= NPS_MAX - NPS_MIN
            )
        ):
            problems.append(
                f'"score_drop" is the points a score fell by (1 to {NPS_MAX - NPS_MIN}), '
                "or true for 3."
            )
    if "health_drop" in conditions:
        value = conditions["health_drop"]
        if not (value is True or (_number(value) is not None and 1 <= float(value) <= 100)):
            problems.append(
                '"health_drop" is the points account health fell by (1 to 100), '
                "or true for the configured amount."
            )
    return problems


def _action_errors(action: Mapping[str, Any], team_ids: set[int]) -> list[str]:
    problems = []
    known = {"task_type", "priority", "sla_business_days", "sla_business_hours", "route"}
    unknown = sorted(set(action) - known)
    if unknown:
        problems.append(
            f"Unknown action fields: {', '.join(unknown)}. Known: {', '.join(sorted(known))}."
        )
    if action.get("task_type") not in TASK_TYPES:
        problems.append(f'"task_type" is one of: {", ".join(TASK_TYPES)}.')
    priority = action.get("priority", 2)
    if not isinstance(priority, int) or isinstance(priority, bool) or priority not in PRIORITIES:
        problems.append('"priority" is 1 (low), 2 (normal), 3 (high) or 4 (urgent).')
    if "sla_business_days" not in action and "sla_business_hours" not in action:
        problems.append('Give "sla_business_days" (e.g. 2) or "sla_business_hours".')
    for key, most in (("sla_business_days", 60), ("sla_business_hours", 480)):
        if key in action:
            value = _number(action[key])
            if value is None or not 0 < value <= most:
                problems.append(f'"{key}" is a number above 0 and at most {most}.')
    route = action.get("route", {"to": "owner"})
    if not isinstance(route, Mapping) or route.get("to") not in ROUTES:
        problems.append(
            '"route" is {"to": "owner"}, {"to": "theme_team"} or {"to": "team", "team_id": <id>}.'
        )
    elif route.get("to") == "team":
        team_id = route.get("team_id")
        if not isinstance(team_id, int) or isinstance(team_id, bool):
            problems.append('A route to a team needs "team_id" (a team\'s id).')
        elif team_ids and team_id not in team_ids:
            problems.append(f"There is no team with id {team_id}.")
    return problems
