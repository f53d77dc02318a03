"""Theme matching on stems, spans into the original text, aspect sentiment, emerging phrases."""

import pytest

from feedback.themes import (
    DEFAULT_TAXONOMY,
    NUMBER_AND_DATE_WORDS,
    STOPWORDS,
    Theme,
    aspect_sentiment,
    match_themes,
    propose_phrases,
)

THEMES = (
    Theme("reliability", "Reliability", ("crash", "bug", "not working"), "Engineering"),
    Theme("sso", "Single sign-on", ("single sign-on", "sso"), "Engineering"),
    Theme("billing", "Billing", ("invoice", "billing"), "Finance"),
)


def spans(text: str, themes=THEMES) -> dict[str, list[str]]:
    return {m.key: [text[s.start : s.end] for s in m.spans] for m in match_themes(text, themes)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The app crashed twice today", {"reliability": ["crashed"]}),
        ("CRASHES all the time, so many Bugs", {"reliability": ["CRASHES", "Bugs"]}),
        ("Export is not working", {"reliability": ["not working"]}),
        ("Single Sign On would be great", {"sso": ["Single Sign On"]}),
        ("single sign-on and SSO audit logs", {"sso": ["single sign-on", "SSO"]}),
        ("Invoices are wrong and billing ignores us", {"billing": ["Invoices", "billing"]}),
        ("A single sign of trouble", {}),  # a phrase needs all its stems, in order
        ("Nothing to report", {}),
    ],
)
def test_match_on_stems_with_original_spans(text: str, expected: dict) -> None:
    assert spans(text) == expected


def test_exact_keywords_do_not_match_by_stem() -> None:
    themes = (Theme("excel", "Excel", ("=excel",)),)
    assert spans("Excellent export to Excel", themes) == {"excel": ["Excel"]}
    assert spans("Two Excels", themes) == {"excel": ["Excels"]}


def test_spans_point_into_the_original_text_with_typographic_apostrophes() -> None:
    text = "It\u2019s great,   but the  invoice\u2019s total was wrong"
    (match,) = match_themes(text, THEMES)
    (span,) = match.spans
    assert text[span.start : span.end] == "invoice\u2019s"
    assert span.keyword == "invoice"


def test_matches_come_in_order_of_first_mention() -> None:
    keys = [m.key for m in match_themes("Billing is fine but the SSO crashed", THEMES)]
    assert keys == ["billing", "sso", "reliability"]


def test_default_taxonomy_is_complete_and_owned() -> None:
    keys = {t.key for t in DEFAULT_TAXONOMY}
    assert keys == {
        "billing", "onboarding", "reliability", "performance", "support", "usability",
        "missing_features", "integrations", "documentation", "account_management",
    }  # fmt: skip
    for theme in DEFAULT_TAXONOMY:
        assert theme.owner
        assert 8 <= len(theme.keywords) <= 20, theme.key


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Love the support but the app is slow",
         {"support": "positive", "performance": "negative"}),
        ("The onboarding was painless, the invoices are a mess.",
         {"onboarding": "positive", "billing": "negative"}),
        ("Docs are excellent; the Salesforce sync keeps failing.",
         {"documentation": "positive", "integrations": "negative", "reliability": "negative"}),
    ],
)  # fmt: skip
def test_aspect_sentiment_scores_each_theme_on_its_own_clause(text: str, expected: dict) -> None:
    result = aspect_sentiment(text, match_themes(text, DEFAULT_TAXONOMY))
    assert {key: s.label for key, s in result.items()} == expected


def test_aspect_without_opinion_in_its_clause_widens_to_the_sentence() -> None:
    text = "The support team, as always, was great."
    result = aspect_sentiment(text, match_themes(text, DEFAULT_TAXONOMY))
    assert result["support"].label == "positive"


def test_propose_phrases_finds_recurring_uncovered_phrases() -> None:
    comments = [
        "We really need Gantt charts for planning.",
        "The gantt chart view would help our PMs",
        "Gantt chart please!",
        "Offline mode keeps us going on site",
        "offline mode on the tablet",
        "Great tool, love it",
        "Great tool overall",
        "Love it, great tool",
        "Billing is confusing",
        "billing billing billing",
        "Our billing contact left",
    ]
    proposals = propose_phrases(comments, DEFAULT_TAXONOMY, min_count=2)
    by_phrase = {p.phrase: p for p in proposals}
    assert by_phrase["gantt chart"].count == 3
    assert by_phrase["gantt chart"].stems == ("gantt", "chart")
    assert len(by_phrase["gantt chart"].examples) == 3
    assert by_phrase["offline mode"].count == 2
    assert "gantt" not in by_phrase  # only ever seen inside "gantt chart"
    assert not any("billing" in p for p in by_phrase)  # a theme covers it
    assert not any("great" in p or "love" in p for p in by_phrase)  # opinions are not topics
    assert not any(p in ("tool", "it") for p in by_phrase)  # generic words and stopwords


def test_propose_phrases_respects_min_count() -> None:
    comments = ["Gantt charts please", "gantt chart", "Offline mode"]
    assert [p.phrase for p in propose_phrases(comments, DEFAULT_TAXONOMY, min_count=3)] == []
    assert [p.phrase for p in propose_phrases(comments, DEFAULT_TAXONOMY, min_count=2)] == [
        "gantt charts"
    ]


def test_highlight_cuts_text_into_marked_pieces():
    from feedback.themes import highlight

    text = "Billing is slow and support is great"
    spans = [(20, 27, "Support"), (0, 7, "Billing"), (3, 9, "Overlap"), (30, 99, "Out")]
    assert highlight(text, spans) == [
        ("Billing", "Billing"),
        (" is slow and ", None),
        ("support", "Support"),
        (" is great", None),
    ]
    assert highlight("", []) == []


OUTAGE = "Three outages in one month. We had to explain them to our own customers."


def test_outages_are_reliability_with_negative_aspect_sentiment() -> None:
    matches = match_themes(OUTAGE, DEFAULT_TAXONOMY)
    assert [m.key for m in matches] == ["reliability"]  # "customers" is no customization
    aspects = aspect_sentiment(OUTAGE, matches)
    assert aspects["reliability"].label == "negative"
    assert "own" not in {d.phrase.lower() for d in aspects["reliability"].drivers}


@pytest.mark.parametrize(
    "text",
    [
        "Two incidents this week and the site went down during our launch.",
        "Downtime again on Monday.",
    ],
)
def test_incidents_and_downtime_are_reliability(text: str) -> None:
    assert "reliability" in {m.key for m in match_themes(text, DEFAULT_TAXONOMY)}


def test_aspect_sentiment_comes_from_words_near_the_term() -> None:
    text = "The invoice arrived late, which is annoying, though our team loved the lovely new look."
    matches = [m for m in match_themes(text, DEFAULT_TAXONOMY) if m.key == "billing"]
    assert aspect_sentiment(text, matches)["billing"].label == "negative"


def test_proposals_are_noun_phrases_without_stop_words_numbers_or_dates() -> None:
    comments = [
        OUTAGE,
        "Two outages last month, we had to explain them to our customers.",
        "Another outage in March, three hours down. Explain that to customers.",
        "The audit trail is missing entries since 2024-03-01.",
        "We need an audit trail for compliance, three times a year.",
        "No audit trail in one month of use.",
    ]
    proposals = propose_phrases(comments, DEFAULT_TAXONOMY, min_count=2)
    phrases = [p.phrase for p in proposals]
    assert "audit trail" in phrases
    trail = proposals[phrases.index("audit trail")]
    assert trail.count == 3 and len(trail.examples) == 3
    numbers_and_dates = NUMBER_AND_DATE_WORDS | {"2024", "03", "01"}
    for proposal in proposals:
        words = proposal.phrase.split()
        assert not set(words) & (STOPWORDS | numbers_and_dates), proposal
        assert not any(ch.isdigit() for ch in proposal.phrase), proposal
    assert "explain" not in phrases  # a verb names no topic
