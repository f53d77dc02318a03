"""Theme analytics: mentions and share over time, NPS of those mentioning a theme beside
everyone's, sentiment, top verbatims; and the proposals' weekly volume and direction."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from feedback import themes as theme_matching
from feedback.models import ResponseTheme
from feedback.models.analytics import ThemeProposal
from feedback.services import nps_report, taxonomy, theme_insight
from feedback.services.errors import NotFound
from tests.builders import add_response

TODAY = date(2026, 11, 18)
SEPT, OCT = datetime(2026, 9, 10, 12, tzinfo=UTC), datetime(2026, 10, 10, 12, tzinfo=UTC)


@pytest.fixture
def tagged(session, make_account, make_contact):
    make_account(region="EMEA", domains=["emea.example"])
    person = make_contact(email="p@emea.example")
    theme = taxonomy.create_theme(session, {"name": "Outages", "keywords": "outage"})
    session.commit()

    def answer(score, when, comment=None, polarity=None):
        response = add_response(session, person, score=score, comment=comment, answered_at=when)
        if polarity is not None:
            label = "negative" if polarity < 0 else "positive"
            session.add(ResponseTheme(response_id=response.id, theme_id=theme.id,
                                      polarity=polarity, label=label))  # fmt: skip
            session.commit()
        return response

    # September: 10 answers with comments, 2 about outages (detractors)
    for i in range(8):
        answer(10, SEPT + timedelta(hours=i), comment="Great product")
    answer(2, SEPT, comment="Another outage", polarity=-0.5)
    answer(3, SEPT, comment="The outage hurt", polarity=-0.3)
    # October: 10 answers with comments, 6 about outages; 4 without any comment
    for i in range(4):
        answer(9, OCT + timedelta(hours=i), comment="Fine")
    for i in range(6):
        answer(1, OCT + timedelta(hours=i), comment=f"Outage number {i}", polarity=-0.8)
    for i in range(4):
        answer(10, OCT + timedelta(hours=i))
    return theme


def filters(**args):
    return nps_report.filters_from({"from": "2026-09-01", "to": "2026-10-31", **args}, TODAY)


def test_overview_beside_everyone(session, tagged):
    (outages,) = theme_insight.overview(session, filters())
    assert (outages.name, outages.mentions, outages.commented) == ("Outages", 8, 20)
    assert outages.share == pytest.approx(0.4)
    assert outages.result.score == -100
    assert outages.negative == 8
    # (2 × −0.5 … ) weighted: (−0.5 − 0.3 + 6 × −0.8) / 8 = −0.7
    assert outages.polarity == pytest.approx(-0.7)
    assert outages.versus_rest.difference == pytest.approx(-100 - 100)  # the rest: 16 promoters


def test_detail_over_time_with_verbatims(session, tagged):
    d = theme_insight.detail(session, tagged.id, filters(), "month")
    assert [p.start for p in d.points] == [date(2026, 9, 1), date(2026, 10, 1)]
    sept, octo = d.points
    assert (sept.mentions, sept.commented, sept.share) == (2, 10, 0.2)
    assert (octo.mentions, octo.commented, octo.share) == (6, 10, 0.6)
    assert octo.overall.n == 14 and octo.result.score == -100
    assert sept.polarity == pytest.approx(-0.4)
    assert len(d.verbatims) == 8
    assert d.verbatims[0].polarity == -0.8 and d.verbatims[-1].comment == "The outage hurt"
    assert d.overall.n == 24


def test_filters_apply(session, tagged):
    assert theme_insight.overview(session, filters(segment="region:APAC")) == []
    d = theme_insight.detail(session, tagged.id, filters(**{"from": "2026-10-01"}))
    assert sum(p.mentions for p in d.points) == 6


def test_an_unknown_theme_is_not_found(session):
    with pytest.raises(NotFound):
        theme_insight.detail(session, 999_999, filters())


def test_phrases_in_stems():
    stems = theme_matching.comment_stems("The audit logs are missing again")
    assert theme_matching.contains_phrase(stems, ("audit", "log"))
    assert not theme_matching.contains_phrase(stems, ("log", "audit"))
    assert not theme_matching.contains_phrase(stems, ())


def test_proposals_gain_volume_and_trend(session, make_contact):
    person = make_contact(email="x@example.net")
    now = datetime(2026, 11, 18, 12, tzinfo=UTC)
    for days in (80, 5, 4, 3, 2, 1):
        add_response(session, person, score=3, comment="We need an audit log badly",
                     answered_at=now - timedelta(days=days))  # fmt: skip
    add_response(session, person, score=10, comment="audit log is nice", answered_at=now)
    rising = ThemeProposal(phrase="audit log", stems="audit log", count=6, examples=[])
    fading = ThemeProposal(phrase="dark mode", stems="dark mode", count=3, examples=[])
    session.add_all([rising, fading])
    session.commit()
    trends = theme_insight.proposal_trends(session, [rising, fading], now)
    t = trends[rising.id]
    assert t.volume == 6  # the promoter's comment is not where proposals come from
    assert (t.earlier, t.recent) == (1, 5) and t.direction == "rising"
    assert t.weekly[-1] == 5 and len(t.weekly) == 13
    assert trends[fading.id].volume == 0 and trends[fading.id].direction == "steady"
    assert theme_insight.proposal_trends(session, [], now) == {}
