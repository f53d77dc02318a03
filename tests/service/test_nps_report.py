"""NPS over time and by segment, counted by the database: trend with change markers, hot
spots against the rest, the funnel from stored events, and the filters every panel obeys."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count

import pytest

from feedback import segments
from feedback.models import EmailEvent, Invitation, Response
from feedback.services import dashboard, funnel, nps_report, nps_segments, programs, suppression
from feedback.services.errors import InvalidInput
from feedback.tokens import hash_token, new_token

TODAY = date(2026, 11, 18)
_seq = count(1)


@pytest.fixture
def world(session, make_account, make_contact, make_user):
    """Two regions over two months: EMEA sinks in October, AMER stays content."""
    program = programs.create_program(session, {"name": "Relationship", "kind": "nps"})
    owner = make_user("csm", name="Casey Owner")
    make_account(region="EMEA", plan="Pro", arr="60000", customer_since="2020-01-01",
                 attributes={"tier": "gold"}, owner_email=owner.email,
                 domains=["emea.example"])  # fmt: skip
    make_account(region="AMER", plan="Pro", arr="5000", customer_since="2026-05-01",
                 attributes={"tier": "silver"}, domains=["amer.example"])  # fmt: skip
    people = {
        "EMEA": make_contact(email="e@emea.example"),
        "AMER": make_contact(email="a@amer.example"),
    }

    def answer(region: str, score: int, when: datetime, comment: str | None = None) -> Response:
        n = next(_seq)
        inv = Invitation(
            program_id=program.id, contact_id=people[region].id, wave_key=f"w{n}",
            token_hash=hash_token(new_token()), reply_token_hash=hash_token(new_token()),
            created_at=when - timedelta(hours=1), sent_at=when - timedelta(hours=1),
            delivered_at=when - timedelta(minutes=50), expires_at=when + timedelta(days=30),
        )  # fmt: skip
        session.add(inv)
        session.flush()
        category = "promoter" if score >= 9 else "passive" if score >= 7 else "detractor"
        response = Response(
            invitation_id=inv.id, program_id=program.id, contact_id=people[region].id,
            account_id=people[region].account_id, score=score, category=category,
            comment=comment, status="confirmed", answered_at=when,
        )  # fmt: skip
        session.add(response)
        session.flush()
        return response

    sept, octo = datetime(2026, 9, 10, 12, tzinfo=UTC), datetime(2026, 10, 10, 12, tzinfo=UTC)
    for i in range(40):  # September: both regions mostly promoters
        answer("EMEA", 10 if i < 30 else 8, sept + timedelta(hours=i))
        answer("AMER", 10 if i < 30 else 8, sept + timedelta(hours=i))
    for i in range(40):  # October: EMEA dips, AMER holds
        answer("EMEA", 2 if i < 30 else 9, octo + timedelta(hours=i), comment="slow support")
        answer("AMER", 10 if i < 30 else 8, octo + timedelta(hours=i))
    session.commit()
    return program


def filters(**args):
    return nps_report.filters_from({"from": "2026-09-01", "to": "2026-10-31", **args}, TODAY)


def test_trend_by_month_marks_the_real_change(session, world):
    points = nps_report.trend(session, filters(), "month")
    assert [p.start for p in points] == [date(2026, 9, 1), date(2026, 10, 1)]
    sept, octo = points
    assert (sept.result.n, sept.result.score) == (80, 75.0)
    # October: 30 + 30 promoters... EMEA 30 detractors and 10 promoters, AMER 30 and 10 passives
    assert (octo.result.promoters, octo.result.passives, octo.result.detractors) == (40, 10, 30)
    assert octo.result.score == pytest.approx(12.5)
    assert sept.change is None and octo.changed


def test_trend_by_week_starts_on_mondays(session, world):
    points = nps_report.trend(session, filters(), "week")
    assert all(p.start.weekday() == 0 for p in points)
    assert sum(p.result.n for p in points) == 160


def test_hot_spots_put_the_dipping_region_first(session, world):
    rows = nps_segments.hot_spots(session, filters())
    top = rows[0]
    assert top.dimension in {"region", "arr", "tenure", "owner", "attr.tier"}
    assert top.significant and top.versus_rest.difference < 0
    region = {r.value: r for r in rows if r.dimension == "region"}
    assert region["EMEA"].result.score == pytest.approx(12.5)  # (40 − 30) / 80
    assert region["EMEA"].significant and region["AMER"].significant
    assert {r.dimension for r in rows} >= {"region", "arr", "tenure", "owner", "attr.tier"}
    assert "plan" not in {r.dimension for r in rows}  # one plan: nothing to compare


def test_small_segments_are_greyed_not_judged(session, world):
    rows = nps_segments.hot_spots(session, filters(**{"from": "2026-10-10", "to": "2026-10-10"}))
    assert rows and all(r.greyed and not r.significant for r in rows)
    assert rows[-1].greyed


@pytest.mark.parametrize(
    ("segment", "n"),
    [
        ("region:EMEA", 80),
        ("plan:Pro", 160),
        ("arr:50k-250k", 80),
        ("arr:<10k", 80),
        ("tenure:5y+", 80),
        ("tenure:<1y", 80),
        ("attr.tier:silver", 80),
        ("owner:Casey Owner", 80),
        ("owner:unknown", 80),
        ("region:APAC", 0),
    ],
)
def test_every_panel_obeys_the_segment(session, world, segment, n):
    f = filters(segment=segment)
    assert nps_report.overall(session, f).result.n == n
    assert sum(p.result.n for p in nps_report.trend(session, f)) == n
    sent = sum(fn.count("sent") for fn in funnel.funnels(session, f))
    assert sent == n


def test_program_filter(session, world):
    assert nps_report.overall(session, filters(program=str(world.id))).result.n == 160
    assert nps_report.overall(session, filters(program="999999")).result.n == 0


def test_the_change_from_the_period_before(session, world):
    o = nps_report.overall(session, filters(**{"from": "2026-10-01", "to": "2026-10-31"}))
    assert o.previous.n == 80 and o.result.n == 80
    assert o.change.difference == pytest.approx(12.5 - 75) and o.change.significant


def test_grouped_for_the_api(session, world):
    by = {g.key: g.result for g in nps_segments.grouped(session, filters(), "region")}
    assert set(by) == {"EMEA", "AMER"}
    assert [g.key for g in nps_segments.grouped(session, filters(), "program")] == ["Relationship"]
    assert nps_segments.grouped(session, filters(), "all")[0].result.n == 160
    assert [g.key for g in nps_segments.grouped(session, filters(), "month")] == [
        "2026-09-01",
        "2026-10-01",
    ]
    with pytest.raises(InvalidInput):
        nps_segments.grouped(session, filters(), "shoe_size")


def test_funnel_counts_each_invitation_once(session, world):
    invitations = session.query(Invitation).order_by(Invitation.id).limit(3).all()
    for inv in invitations:
        for event in ("open", "open", "click"):
            record(session, event, inv, inv.sent_at)
    session.commit()
    (fn,) = funnel.funnels(session, filters())
    assert fn.program == "Relationship"
    assert [fn.count(s) for s in funnel.STEPS] == [160, 160, 3, 3, 160, 40]
    assert fn.response_rate == 1.0
    assert fn.share("commented") == 0.25


def record(session, event: str, invitation: Invitation, at: datetime) -> None:
    """An open or click as the webhook stores it: the event, and the invitation's stamp."""
    session.add(EmailEvent(source="webhook", event=event, invitation_id=invitation.id,
                           occurred_at=at))  # fmt: skip
    suppression._stamp_engagement(  # noqa: SLF001 - the webhook's own step, without SendGrid
        session, [{"event": event, "invitation_id": invitation.id, "occurred_at": at}]
    )


def test_funnel_counts_opens_since_the_range_start(session, world):
    """The funnel reads each invitation's latest open: opened before the range's start and
    again inside it counts, opened only before it does not (as counting the events did)."""
    a, b = session.query(Invitation).order_by(Invitation.sent_at.desc()).limit(2).all()
    sept, octo = datetime(2026, 9, 20, tzinfo=UTC), datetime(2026, 10, 20, tzinfo=UTC)
    record(session, "open", a, sept)
    record(session, "open", b, octo)
    record(session, "open", b, sept)  # an older event leaves the stamp where it was
    record(session, "click", b, octo)
    session.commit()
    for inv in (a, b):
        session.refresh(inv)  # stamped by an UPDATE statement, not through these objects
    assert b.last_opened_at == octo and a.last_opened_at == sept

    def opened(**args) -> tuple[int, int]:
        found = funnel.funnels(session, filters(**args))
        return sum(f.count("opened") for f in found), sum(f.count("clicked") for f in found)

    assert opened() == (2, 1)
    assert opened(**{"from": "2026-10-01"}) == (1, 1)
    assert opened(**{"from": "2026-10-21"}) == (0, 0)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-13-01"}, "to"),
        ({"from": "2026-10-02", "to": "2026-10-01"}, "from"),
        ({"from": "2020-01-01", "to": "2026-10-01"}, "from"),
        ({"program": "abc"}, "program"),
        ({"program": "-3"}, "program"),
        ({"segment": "region"}, "segment"),
        ({"segment": "shoe:42"}, "segment"),
        ({"segment": "tenure:forever"}, "segment"),
    ],
)
def test_bad_filters_say_which_field(args, field):
    with pytest.raises(InvalidInput) as exc:
        nps_report.filters_from(args, TODAY)
    assert field in exc.value.fields


def test_default_filters_are_the_last_year():
    f = nps_report.filters_from({}, TODAY)
    assert (f.start, f.end, f.days) == (date(2025, 11, 19), TODAY, 365)
    assert nps_report.default_period(f) == "month"
    assert f.as_args() == {"from": "2025-11-19", "to": "2026-11-18"}


def test_the_dashboard_gathers_every_panel(session, world):
    board = dashboard.dashboard(session, filters())
    assert board.period == "week"
    assert board.overall.result.n == 160 and board.hot_spots and board.funnels
    assert board.close_the_loop.overall.tasks == 0


def test_tenure_bands_agree_with_the_sql_filter():
    for since in (date(2025, 11, 18), date(2025, 11, 19), date(2024, 11, 18), date(2021, 11, 18)):
        band = segments.tenure_band(since, TODAY)
        earliest, latest = segments.tenure_range(band, TODAY)
        assert (earliest is None or since > earliest) and (latest is None or since <= latest)


@pytest.mark.parametrize("segment", [None, "region:EMEA"])
def test_the_one_pass_scan_agrees_with_the_single_queries(session, world, segment):
    f = filters(**{"from": "2026-10-01", "to": "2026-10-31", "segment": segment})
    one = nps_report.scan(session, f, "week")
    assert one.points == nps_report.trend(session, f, "week")
    assert one.overall == nps_report.overall(session, f)
    assert one.overall.previous.n == (40 if segment else 80)
    assert nps_segments.hot_spots(session, f, one.per_account) == nps_segments.hot_spots(session, f)
