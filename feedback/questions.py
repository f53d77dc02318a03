"""Question kinds: what we ask, on which scale, and what each answer means and gets.

One definition per kind (NPS 0–10, onboarding effort 1–7, onboarding outcome closeness 0–10).
The survey email, the survey page, the thank-you page, the stored response (its `scale`
column holds the kind's name) and every statistic read the kind from here, so adding a kind
is adding one entry to KINDS.

The texts are English msgids of the customer catalogue (feedback/translations/); they are
marked with N_() so `pybabel extract` finds them and are translated where they are shown.
Placeholders use gettext's `%(product)s` form.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from feedback.classification import (
    CLOSENESS_MAX,
    CLOSENESS_MIN,
    EFFORT_MAX,
    EFFORT_MIN,
    NPS_MAX,
    NPS_MIN,
    Category,
    classify_closeness,
    classify_effort,
    classify_nps,
)
from feedback.wording import N_

ANYTHING_ELSE = N_("Anything you would like to tell us?")
SUCCESS_QUESTION = N_("What does success with %(product)s look like for you?")
SUCCESS_HINT = N_("In your own words: what would you like to have achieved in your first 90 days?")
THANKS_DEFAULT = N_(
    "Your answer helps us get better. If anything else comes to mind, just reply to our email."
)


@dataclass(frozen=True)
class QuestionKind:
    """One kind of question: its scale, words, categories and what each category is told."""

    name: str
    low: int
    high: int
    question: str
    low_label: str
    high_label: str
    classify: Callable[[int], Category]
    follow_ups: Mapping[str, str]
    thanks: Mapping[str, str]
    #: Categories offered a call-back on the thank-you page: only those a follow-up task
    #: (and so a person) is sure to pick up, which the default playbooks give detractors.
    offers_call: frozenset[str] = frozenset()
    #: Categories asked for a review or an introduction (only promoters are).
    offers_advocacy: frozenset[str] = frozenset()
    #: The question when we can quote the customer's own definition of success.
    question_with_success: str | None = None
    #: The category counted as "good" in this kind's own figure (share on track, easy ...).
    good: str = ""
    categories: Sequence[str] = field(default_factory=tuple)

    @property
    def scores(self) -> list[int]:
        return list(range(self.low, self.high + 1))

    def on_scale(self, score: int) -> bool:
        return self.low <= score <= self.high

    def category(self, score: int) -> str:
        """The stored category of a score; ValueError when it is not on this scale."""
        return str(self.classify(score))

    def follow_up(self, category: str | None) -> str:
        return self.follow_ups.get(category or "", ANYTHING_ELSE)

    def thanks_text(self, category: str | None) -> str:
        return self.thanks.get(category or "", THANKS_DEFAULT)


NPS = QuestionKind(
    name="nps",
    low=NPS_MIN,
    high=NPS_MAX,
    question=N_("How likely are you to recommend %(product)s to a friend or colleague?"),
    low_label=N_("Not at all likely"),
    high_label=N_("Extremely likely"),
    classify=classify_nps,
    follow_ups={
        "promoter": N_("Wonderful! What do you value most about %(product)s?"),
        "passive": N_("Thank you! What is the one thing that would make it a 10?"),
        "detractor": N_("We're sorry to hear that. What went wrong? We read every answer."),
    },
    thanks={
        "promoter": N_("It means a lot to the team that you would recommend %(product)s."),
        "detractor": N_(
            "We're sorry we let you down. A person on our team will read your answer and "
            "get back to you."
        ),
    },
    offers_call=frozenset({"detractor"}),
    offers_advocacy=frozenset({"promoter"}),
    good="promoter",
    categories=("promoter", "passive", "detractor"),
)

EFFORT = QuestionKind(
    name="effort",
    low=EFFORT_MIN,
    high=EFFORT_MAX,
    question=N_("How easy was it to get started with %(product)s?"),
    low_label=N_("Very difficult"),
    high_label=N_("Very easy"),
    classify=classify_effort,
    follow_ups={
        "easy": N_("Great to hear. What helped most in getting started?"),
        "neutral": N_("Thanks. What was harder than it should have been?"),
        "difficult": N_("Sorry it was hard. What got in your way?"),
    },
    thanks={
        "difficult": N_(
            "Thank you for telling us it was hard. We read every answer; if you would like a "
            "hand, just reply to our email and a person will get back to you."
        ),
    },
    good="easy",
    categories=("easy", "neutral", "difficult"),
)

CLOSENESS = QuestionKind(
    name="closeness",
    low=CLOSENESS_MIN,
    high=CLOSENESS_MAX,
    question=N_("How close are you to what you wanted to achieve with %(product)s?"),
    question_with_success=N_(
        "You told us success means \u201c%(success)s\u201d. How close are you?"
    ),
    low_label=N_("Not close at all"),
    high_label=N_("Already there"),
    classify=classify_closeness,
    follow_ups={
        "on_track": N_("Great progress! What helped you most to get there?"),
        "partway": N_("Thanks. What would help you get the rest of the way?"),
        "off_track": N_("Thanks for being frank. What is standing between you and your goal?"),
    },
    thanks={
        "on_track": N_("We're glad you are well on your way with %(product)s."),
        "off_track": N_(
            "Thank you for telling us where you stand. We read every answer; if you would like "
            "help getting there, just reply to our email and a person will get back to you."
        ),
    },
    good="on_track",
    categories=("on_track", "partway", "off_track"),
)

KINDS: dict[str, QuestionKind] = {k.name: k for k in (NPS, EFFORT, CLOSENESS)}
#: The kinds an onboarding milestone may ask. "nps" is the old name of closeness on a
#: milestone: the email of such a milestone always asked how close the customer is.
MILESTONE_QUESTIONS = ("effort", "closeness", "nps")


def kind(name: str | None) -> QuestionKind:
    """The kind stored under this name (a response's `scale`); NPS for an unknown name."""
    return KINDS.get(name or "", NPS)


def kind_for(
    program_kind: str, triggers: Sequence[Mapping[str, Any]] | None, milestone: str | None
) -> QuestionKind:
    """The question an invitation asks: an NPS program asks NPS; an onboarding milestone asks
    effort when its trigger says so and outcome closeness otherwise (never NPS)."""
    if program_kind != "onboarding":
        return NPS
    for trigger in triggers or []:
        if trigger.get("milestone") == milestone:
            return EFFORT if trigger.get("question") == "effort" else CLOSENESS
    return CLOSENESS
