"""Comment sentiment: feedback vocabulary, negation, contrast, intensity, drivers, labels."""

import dataclasses

import pytest

from feedback.sentiment import (
    ANALYZER_VERSION,
    NEGATIVE_THRESHOLD,
    POSITIVE_THRESHOLD,
    Sentiment,
    analyze,
    label_for,
    normalize_text,
    split_clauses,
)


def polarity(text: str) -> float:
    return analyze(text).polarity


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # complaint vocabulary general lexicons lack
        ("Billing is a nightmare and the app crashes constantly.", "negative"),
        ("The dashboard is laggy.", "negative"),
        ("So many bugs since the update.", "negative"),
        ("We want a refund.", "negative"),
        ("Total hassle to get anything exported.", "negative"),
        ("The export doesn't work.", "negative"),
        ("Support never answers.", "negative"),
        ("No one responds to our tickets.", "negative"),
        ("A waste of money.", "negative"),
        ("The site was down all morning.", "negative"),
        ("It broke after a week.", "negative"),
        # product-review complaints
        ("Don't waste your money.", "negative"),
        ("Could be better.", "negative"),
        ("Would not buy again.", "negative"),
        ("Not what I expected.", "negative"),
        ("This is junk.", "negative"),
        ("It feels cheap.", "negative"),
        ("Low quality, the lid cracked.", "negative"),
        # praise vocabulary
        ("An absolute lifesaver for our finance team.", "positive"),
        ("Setup was seamless.", "positive"),
        ("Very intuitive interface.", "positive"),
        ("Responsive support, every single time.", "positive"),
        ("Love it", "positive"),
        ("Works like a charm.", "positive"),
        ("Exactly as described.", "positive"),
        ("High quality and very comfy.", "positive"),
        ("Great price.", "positive"),
        # nothing said either way
        ("We use it for the weekly exports.", "neutral"),
        ("Please add SSO.", "neutral"),
        ("", "neutral"),
    ],
)
def test_feedback_vocabulary(text: str, label: str) -> None:
    assert analyze(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Search is not working.", "negative"),
        ("No problems so far.", "positive"),
        ("Never had an issue with it.", "positive"),
        ("The new editor isn't great.", "negative"),
        ("It's not slow at all.", "positive"),
        ("Not bad at all.", "positive"),
        ("I would not recommend it.", "negative"),
        ("Not worth the money.", "negative"),
        ("Not easy to use.", "negative"),
    ],
)
def test_negation_scope(text: str, label: str) -> None:
    assert analyze(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Great product but support is awful.", "negative"),
        ("Support was slow, but the product itself is excellent.", "positive"),
        ("The UI is nice. However, it crashes a lot.", "negative"),
        ("Although the UI is nice, it crashes a lot.", "negative"),
        ("Great app, although a bit pricey.", "positive"),
    ],
)
def test_contrast_weighs_the_main_clause(text: str, label: str) -> None:
    assert analyze(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # A ceiling named on the praise: the "best" of "at best" is no praise at all.
        ("Average at best.", "negative"),
        ("At best it is mediocre.", "negative"),
        ("Decent, but nothing to write home about.", "negative"),
        ("It's ok but nothing special.", "neutral"),
        ("Fine I guess.", "neutral"),
        # ... while "nothing more to ask for" is praise.
        ("Great features, nothing more to ask for.", "positive"),
        ("Couldn't ask for better support.", "positive"),
        ("Best purchase ever.", "positive"),
    ],
)
def test_limiters_cap_the_praise_they_follow(text: str, label: str) -> None:
    assert analyze(text).label == label


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("Does what it says on the tin.", "positive"),
        ("Exactly what I needed.", "positive"),
        ("For the price, you can't beat it.", "positive"),
        ("Can't recommend it enough.", "positive"),
        ("I can't recommend it.", "negative"),
        ("Lives up to the hype.", "positive"),
        ("It does not live up to the hype.", "negative"),
        ("Nothing wrong with it.", "positive"),
        ("The battery life is a joke.", "negative"),
        ("Save yourself the trouble.", "negative"),
        ("Not as good as the old version.", "negative"),
        ("Had high hopes for this one.", "negative"),
        ("Looks great but the fit is off.", "negative"),
        ("Just okay.", "neutral"),
        ("Could not be happier.", "positive"),
        ("Exceeded expectations.", "positive"),
        ("Fell short of expectations.", "negative"),
        ("Buy it, you won't regret it.", "positive"),
        ("You get what you pay for.", "negative"),
        ("I wish I had bought this sooner.", "positive"),
        ("I wish it had a longer cord.", "negative"),
        ("Would be great if it actually worked.", "negative"),
        ("Works great, until it doesn't.", "negative"),
        ("Great idea, poor execution.", "negative"),
        ("The screen scratches easily.", "negative"),
        ("Does not hold a charge.", "negative"),
        ("Held up well after a year of daily use.", "positive"),
        ("Two stars.", "negative"),
    ],
)
def test_review_idioms_read_as_people_mean_them(text: str, label: str) -> None:
    assert analyze(text).label == label


@pytest.mark.parametrize(
    ("stronger", "weaker"),
    [
        ("Support is very helpful.", "Support is helpful."),
        ("Support is helpful.", "Support is somewhat helpful."),
        ("Support is extremely helpful!", "Support is extremely helpful."),
        ("Support is helpful!!!", "Support is helpful!"),
        ("Support is HELPFUL and friendly.", "Support is helpful and friendly."),
    ],
)
def test_intensifiers_downtoners_and_exclamation(stronger: str, weaker: str) -> None:
    assert polarity(stronger) > polarity(weaker) > 0


@pytest.mark.parametrize(
    ("stronger", "weaker"),
    [
        ("The app is way too slow.", "The app is slow."),
        ("It crashes constantly.", "It crashes."),
        ("The app is pretty slow.", "The app is slightly slow."),
    ],
)
def test_intensifiers_on_complaints(stronger: str, weaker: str) -> None:
    assert polarity(stronger) < polarity(weaker) < 0


@pytest.mark.parametrize(
    ("typographic", "plain"),
    [
        ("It isn\u2019t great", "It isn't great"),
        ("The export doesn\u2019t work", "The export doesn't work"),
        ("\u201cSeamless\u201d \u2014 not really", '"Seamless" - not really'),
    ],
)
def test_typographic_apostrophes_read_as_plain(typographic: str, plain: str) -> None:
    assert analyze(typographic) == analyze(plain)
    assert normalize_text(typographic) == normalize_text(plain)


def test_drivers_name_the_words_and_their_contribution() -> None:
    result = analyze("Love the reports but the app is laggy and support never answers.")
    phrases = {d.phrase: d.contribution for d in result.drivers}
    assert phrases["Love"] > 0
    assert phrases["laggy"] < 0
    assert phrases["never answers"] < 0
    contributions = [abs(d.contribution) for d in result.drivers]
    assert contributions == sorted(contributions, reverse=True)
    # contributions add up to the polarity (up to rounding)
    assert sum(d.contribution for d in result.drivers) == pytest.approx(result.polarity, abs=0.02)


def test_negated_driver_shows_its_negation() -> None:
    (driver,) = analyze("It isn't reliable.").drivers
    assert driver.phrase == "isn't reliable"
    assert driver.contribution < 0


@pytest.mark.parametrize(
    ("value", "label"),
    [
        (0.0, "neutral"),
        (POSITIVE_THRESHOLD, "neutral"),
        (-NEGATIVE_THRESHOLD, "neutral"),
        (POSITIVE_THRESHOLD + 0.01, "positive"),
        (-NEGATIVE_THRESHOLD - 0.01, "negative"),
        (1.0, "positive"),
        (-1.0, "negative"),
    ],
)
def test_label_thresholds(value: float, label: str) -> None:
    assert label_for(value) == label


@pytest.mark.parametrize(
    "text",
    [
        "ok",
        "Absolutely love it!!! Best tool ever, 10/10 :)",
        "WORST. SUPPORT. EVER. Never answers, never calls back, total waste of money!!!!",
        "😡😡 crashes",
        "&amp; <b>html</b>",
        "a" * 5000,
    ],
)
def test_scores_stay_in_range(text: str) -> None:
    result = analyze(text)
    assert -1.0 <= result.polarity <= 1.0
    assert 0.0 <= result.subjectivity <= 1.0
    assert result.label in ("negative", "neutral", "positive")


def test_result_is_frozen_and_versioned() -> None:
    result = analyze("Great")
    assert isinstance(result, Sentiment)
    assert result.analyzer_version == ANALYZER_VERSION
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.polarity = 0.0  # type: ignore[misc]


def test_split_clauses_weights() -> None:
    assert split_clauses("Great product but support is awful. It works.") == [
        ("Great product", 0.5),
        ("support is awful.", 1.5),
        ("It works.", 1.0),
    ]
