"""Benchmark the insight pages on a million responses: the dashboard, the responses explorer,
an account page, the CSV export, and our NPS-by-month against one hand-written SQL statement.

Run: FEEDBACK_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1/feedback_bench \
     .venv/bin/python bench/dashboard.py [--responses N]
(without the variable: a temporary SQLite file and 50,000 responses). THE DATABASE IS EMPTIED.

PostgreSQL data is generated inside the database (INSERT … SELECT over generate_series), so
a million responses over two years, 5,000 accounts, 20,000 contacts and their invitations and
open/click events load in well under a minute; SQLite gets the same shapes from Python.
APAC dips in one quarter, as in the demo. Pages are timed through the Flask test client as a
signed-in admin (median of a few runs after a warm-up); routes another part of the app
serves (/responses, /accounts/<id>) print "missing" while they answer 404. The export is
streamed in a child process so its peak RSS is its own. Ends with one JSON line of targets.
"""

from __future__ import annotations

import os
import sys

# bench/ holds queue.py: it must not shadow the standard library's queue module.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]

import argparse  # noqa: E402
import json  # noqa: E402
import random  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import UTC, date, datetime, timedelta  # noqa: E402
from decimal import Decimal  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, insert, select, text  # noqa: E402

from feedback import create_app, db, migrate  # noqa: E402
from feedback.models import (  # noqa: E402
    Account,
    Contact,
    EmailEvent,
    Invitation,
    Response,
    SurveyProgram,
    User,
)
from feedback.models.customers import LIFECYCLE_STAGES  # noqa: E402
from feedback.services import funnel, nps_report, org  # noqa: E402

ACCOUNTS, CONTACTS_PER_ACCOUNT, CSMS = 5_000, 4, 50
PG_RESPONSES, SQLITE_RESPONSES = 1_000_000, 50_000
DAYS = 730
BATCH = 5_000
RUNS, WARMUP = 5, 1
PASSWORD = "bench password 123"
ADMIN = "bench.admin@staff.example.com"
NOW = datetime.now(UTC).replace(microsecond=0)
REGIONS = ("EMEA", "AMER", "APAC", "LATAM", "NORDICS")
PLANS = ("starter", "growth", "enterprise")
INDUSTRIES = ("software", "retail", "health", "finance", "education", "logistics", "media")
TIERS = ("gold", "silver", "bronze")
COMMENTS = ("Support was slow to answer", "Love the reporting", "Pricing is too high",
            "Onboarding was smooth", "The mobile app crashes", "Great integrations")  # fmt: skip
DIP_START, DIP_END = NOW - timedelta(days=300), NOW - timedelta(days=210)
SEARCH_WORD = "pricing"


def database_url() -> str:
    url = os.environ.get("FEEDBACK_TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench-dashboard.sqlite3'}"


def app_for(url: str) -> Any:
    return create_app({"DATABASE_URL": url, "ENV": "testing", "TESTING": True,
                       "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False,
                       "PUBLIC_URL": "http://127.0.0.1:5000"})  # fmt: skip


def batched(session: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    for i in range(0, len(rows), BATCH):
        session.execute(insert(table), rows[i : i + BATCH])


def people(session: Any, rng: random.Random) -> tuple[list[int], list[int]]:
    """Staff, accounts and contacts (small: plain inserts); returns program and contact ids."""
    org.create_user(session, {"email": ADMIN, "name": "Bench Admin", "role": "admin",
                              "password": PASSWORD})  # fmt: skip
    batched(session, User.__table__, [
        {"email": f"csm{u}@staff.example.com", "name": f"CSM {u}", "role": "csm",
         "active": True, "created_at": NOW} for u in range(CSMS)
    ])  # fmt: skip
    csms = list(session.scalars(select(User.id).where(User.role == "csm")))
    batched(session, Account.__table__, [
        {"name": f"Account {a}", "plan": PLANS[a % 3], "region": REGIONS[a % 5],
         "industry": INDUSTRIES[a % 7], "lifecycle_stage": LIFECYCLE_STAGES[a % 5],
         "arr": Decimal(rng.randrange(1_000, 900_000)), "status": "active",
         "customer_since": date.today() - timedelta(days=rng.randrange(30, 3000)),
         "owner_id": csms[a % CSMS], "attributes": {"tier": TIERS[a % 3], "seats": a},
         "created_at": NOW, "updated_at": NOW}
        for a in range(ACCOUNTS)
    ])  # fmt: skip
    account_ids = list(session.scalars(select(Account.id).order_by(Account.id)))
    batched(session, Contact.__table__, [
        {"email": f"p{c}@customer{c % ACCOUNTS}.example.org", "name": f"Person {c}",
         "account_id": account_ids[c % ACCOUNTS], "attributes": {}, "created_at": NOW,
         "updated_at": NOW}
        for c in range(ACCOUNTS * CONTACTS_PER_ACCOUNT)
    ])  # fmt: skip
    for name in ("Relationship NPS", "After support", "Quarterly pulse"):
        session.add(SurveyProgram(name=name, kind="nps", active=True))
    session.flush()
    programs = list(session.scalars(select(SurveyProgram.id).order_by(SurveyProgram.id)))
    contacts = list(session.scalars(select(Contact.id).order_by(Contact.id)))
    return programs, contacts


def populate_postgresql(session: Any, responses: int) -> None:
    """Invitations (one in five unanswered), responses and open/click events, in SQL.

    Invitations carry answered/commented as the responses' trigger would leave them (answered
    unless x % 5 = 0, a comment when x % 3 = 0), so the trigger finds nothing to change and the
    load leaves no dead index entries; main() checks them against the join."""
    rng = random.Random(42)
    programs, contacts = people(session, rng)
    invitations = responses * 5 // 4
    params = {"n": invitations, "p1": programs[0], "p2": programs[1], "p3": programs[2],
              "c0": contacts[0], "nc": len(contacts), "now": NOW, "days": DAYS,
              "dip_start": DIP_START, "dip_end": DIP_END}  # fmt: skip
    session.execute(text("""
        INSERT INTO invitations (id, program_id, contact_id, wave_key, token_hash,
            reply_token_hash, locale, created_at, sent_at, delivered_at, responded_at, expires_at,
            last_opened_at, last_clicked_at, answered, commented)
        SELECT x, CASE x % 3 WHEN 0 THEN :p1 WHEN 1 THEN :p2 ELSE :p3 END, :c0 + (x % :nc),
               'b' || x, md5('t' || x), md5('r' || x), 'en', ts, ts,
               CASE WHEN x % 20 <> 0 THEN ts + interval '1 minute' END,
               CASE WHEN x % 5 <> 0 THEN ts + interval '2 hours' END, ts + interval '30 days',
               CASE WHEN x % 10 < 6 THEN ts + interval '30 minutes' END,
               CASE WHEN x % 10 < 4 THEN ts + interval '30 minutes' END,
               x % 5 <> 0, x % 5 <> 0 AND x % 3 = 0
        FROM (SELECT x, CAST(:now AS timestamptz) - random() * (:days * interval '1 day') AS ts
              FROM generate_series(1, :n) AS x) s
    """), params)  # fmt: skip
    session.execute(text(
        "SELECT setval(pg_get_serial_sequence('invitations', 'id'), "
        "(SELECT max(id) FROM invitations))"
    ))  # fmt: skip
    session.execute(text("""
        INSERT INTO responses (invitation_id, program_id, contact_id, account_id, scale, score,
            category, status, comment, answered_at, updated_at)
        SELECT id, program_id, contact_id, account_id, 'nps', score,
               CASE WHEN score >= 9 THEN 'promoter' WHEN score >= 7 THEN 'passive'
                    ELSE 'detractor' END,
               'confirmed',
               CASE WHEN id % 3 = 0 THEN (ARRAY[:c1, :c2, :c3, :c4, :c5, :c6])[1 + id % 6] END,
               responded_at, responded_at
        FROM (SELECT i.id, i.program_id, i.contact_id, c.account_id, i.responded_at,
                     CASE WHEN a.region = 'APAC' AND i.sent_at >= :dip_start
                               AND i.sent_at < :dip_end THEN floor(random() * 9)
                          ELSE least(10, floor(random() * 14)) END::int AS score
              FROM invitations i JOIN contacts c ON c.id = i.contact_id
              JOIN accounts a ON a.id = c.account_id
              WHERE i.responded_at IS NOT NULL) s
    """), {**params, **{f"c{i + 1}": c for i, c in enumerate(COMMENTS)}})  # fmt: skip
    # The events the webhook would have stored, with the stamps it leaves on the invitations
    # (above: the latest open and click, 30 minutes after sending).
    for event, share in (("open", 6), ("click", 4)):
        session.execute(text(f"""
            INSERT INTO email_events (source, event, invitation_id, contact_id, occurred_at,
                raw, created_at)
            SELECT 'webhook', '{event}', id, contact_id, sent_at + interval '30 minutes',
                   '{{}}'::jsonb, sent_at
            FROM invitations WHERE id % 10 < {share}
        """))  # fmt: skip
    session.commit()


def populate_sqlite(session: Any, responses: int) -> None:
    rng = random.Random(42)
    programs, contacts = people(session, rng)
    region_of: dict[int, str] = {
        c: r
        for c, r in session.execute(
            select(Contact.id, Account.region).join(Account, Account.id == Contact.account_id)
        )
    }
    account_of: dict[int, int] = {
        c: a for c, a in session.execute(select(Contact.id, Contact.account_id))
    }
    invitations, answers, events = [], [], []
    for x in range(1, responses * 5 // 4 + 1):
        ts = NOW - timedelta(seconds=rng.randrange(DAYS * 86400))
        contact = contacts[x % len(contacts)]
        answered = x % 5 != 0
        invitations.append({
            "id": x, "program_id": programs[x % 3], "contact_id": contact, "wave_key": f"b{x}",
            "token_hash": f"t{x:063d}", "reply_token_hash": f"r{x:063d}", "locale": "en",
            "created_at": ts, "sent_at": ts,
            "delivered_at": ts + timedelta(minutes=1) if x % 20 else None,
            "responded_at": ts + timedelta(hours=2) if answered else None,
            "expires_at": ts + timedelta(days=30),
            "last_opened_at": ts if x % 10 < 6 else None,
            "last_clicked_at": ts if x % 10 < 4 else None,
            "answered": answered, "commented": answered and x % 3 == 0,
        })  # fmt: skip
        for event, share in (("open", 6), ("click", 4)):
            if x % 10 < share:
                events.append({"source": "webhook", "event": event, "invitation_id": x,
                               "contact_id": contact, "occurred_at": ts, "raw": {},
                               "created_at": ts})  # fmt: skip
        if answered:
            dip = region_of[contact] == "APAC" and DIP_START <= ts < DIP_END
            score = rng.randrange(9) if dip else min(10, rng.randrange(14))
            answers.append({
                "invitation_id": x, "program_id": programs[x % 3], "contact_id": contact,
                "account_id": account_of[contact], "scale": "nps", "score": score,
                "category": "promoter" if score >= 9 else "passive" if score >= 7
                else "detractor", "status": "confirmed",
                "comment": COMMENTS[x % 6] if x % 3 == 0 else None,
                "answered_at": ts + timedelta(hours=2), "updated_at": ts,
            })  # fmt: skip
    batched(session, Invitation.__table__, invitations)
    batched(session, Response.__table__, answers)
    batched(session, EmailEvent.__table__, events)
    session.commit()


def signed_in(app: Any) -> Any:
    client = app.test_client()
    login = client.post("/login", data={"email": ADMIN, "password": PASSWORD})
    assert login.status_code == 302, login.get_data(as_text=True)
    return client


def timed(client: Any, path: str) -> float | None:
    """Median milliseconds of a page, None when the route does not exist (404)."""
    first = client.get(path)
    if first.status_code == 404:
        return None
    assert first.status_code == 200, (path, first.status_code)
    for _ in range(WARMUP - 1):
        client.get(path)
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return round(statistics.median(samples), 1)


def export_child(url: str) -> None:
    """Stream /responses/export.csv in this fresh process and report rows/s and peak RSS."""
    app = app_for(url)
    client = signed_in(app)
    start = time.perf_counter()
    response = client.get("/responses/export.csv", buffered=False)
    if response.status_code == 404:
        print(json.dumps({"missing": True}))
        return
    rows = 0
    for chunk in response.response:
        rows += (chunk if isinstance(chunk, bytes) else chunk.encode()).count(b"\n")
    seconds = time.perf_counter() - start
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": max(0, rows - 1), "seconds": seconds, "rss_mb": rss_mb}))


def hand_written_by_month(session: Any, since: datetime, until: datetime) -> list[Any]:
    month = (
        "date_trunc('month', answered_at)"
        if session.get_bind().dialect.name == "postgresql"
        else "strftime('%Y-%m-01', answered_at)"
    )
    return list(session.execute(text(f"""
        SELECT {month} AS m,
               100.0 * (sum(CASE WHEN category = 'promoter' THEN 1 ELSE 0 END)
                        - sum(CASE WHEN category = 'detractor' THEN 1 ELSE 0 END)) / count(*),
               count(*)
        FROM responses
        WHERE scale = 'nps' AND category IN ('promoter', 'passive', 'detractor')
          AND answered_at >= :since AND answered_at < :until
        GROUP BY {month} ORDER BY 1
    """), {"since": since, "until": until}))  # fmt: skip


def answers_from_stamps(session: Any, filters: Any) -> tuple[int, int]:
    found = funnel.funnels(session, filters)
    return sum(f.count("answered") for f in found), sum(f.count("commented") for f in found)


def answers_joined(session: Any, filters: Any) -> tuple[int, int]:
    """Answered and commented invitations of the range, by joining the responses."""
    said = func.coalesce(func.length(func.trim(Response.comment)), 0) > 0
    row = session.execute(
        select(func.count(Response.id), func.count(Response.id).filter(said))
        .select_from(Invitation)
        .outerjoin(Response, Response.invitation_id == Invitation.id)
        .where(Invitation.sent_at >= filters.since, Invitation.sent_at < filters.until)
    ).one()
    return row[0], row[1]


def median_ms(fn: Any, runs: int = RUNS) -> float:
    fn()
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--responses", type=int, help="how many responses to generate")
    parser.add_argument(
        "--keep", action="store_true", help="time the data already loaded by a previous run"
    )
    parser.add_argument("--export-child", metavar="URL", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.export_child:
        export_child(options.export_child)
        return
    url = database_url()
    postgres = url.startswith("postgresql")
    responses = options.responses or (PG_RESPONSES if postgres else SQLITE_RESPONSES)
    started = time.perf_counter()
    if not options.keep:
        migrate.fresh(url)
    app = app_for(url)
    with app.app_context():
        session = db.session()
        if options.keep:
            responses = session.scalar(select(func.count()).select_from(Response)) or 0
        else:
            (populate_postgresql if postgres else populate_sqlite)(session, responses)
        if postgres:  # visibility map and statistics, as autovacuum would leave them
            with session.get_bind().connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "VACUUM ANALYZE"
                )
        load_s = time.perf_counter() - started
        print(f"loaded {responses:,} responses in {load_s:.1f} s")
        region = "APAC"
        account_id = session.scalar(select(Account.id).order_by(Account.id))
        filters = nps_report.filters_from({"from": (NOW - timedelta(days=DAYS)).date().isoformat()})
        ours_ms = median_ms(lambda: nps_report.trend(session, filters, "month"))
        hand_ms = median_ms(lambda: hand_written_by_month(session, filters.since, filters.until))
        ours = [(p.start, p.result.n) for p in nps_report.trend(session, filters, "month")]
        hand = hand_written_by_month(session, filters.since, filters.until)
        assert [n for _, n in ours] == [row[2] for row in hand], "the two queries disagree"
        assert answers_from_stamps(session, filters) == answers_joined(session, filters), (
            "the funnel's answered/commented stamps disagree with the responses"
        )
        session.close()
    client = signed_in(app)
    pages = {
        "dashboard_ms": "/",
        "dashboard_segment_ms": f"/dashboard?segment=region:{region}",
        "dashboard_program_segment_ms": "/dashboard?program=1&segment=attr.tier:gold",
        "responses_first_page_ms": "/responses",
        "responses_detractors_ms": "/responses?category=detractor",
        "responses_search_ms": f"/responses?q={SEARCH_WORD}",
        "account_page_ms": f"/accounts/{account_id}",
    }
    figures: dict[str, Any] = {
        "database": "postgresql" if postgres else "sqlite",
        "responses": responses,
        "accounts": ACCOUNTS,
        "load_seconds": round(load_s, 1),
    }
    for name, path in pages.items():
        value = timed(client, path)
        figures[name] = value if value is not None else "missing"
        shown = f"{value:8.1f} ms" if value is not None else "  missing"
        print(f"{path:50} {shown}")
    child = subprocess.run(
        [sys.executable, __file__, "--export-child", url], capture_output=True, text=True
    )
    try:
        export = json.loads(child.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        print(child.stderr[-2000:], file=sys.stderr)
        export = {"missing": True}
    if export.get("missing"):
        figures["export_rows_per_s"] = figures["export_peak_rss_mb"] = "missing"
        print(f"{'/responses/export.csv':50}   missing")
    else:
        rate = export["rows"] / export["seconds"] if export["seconds"] else 0.0
        figures["export_rows"] = export["rows"]
        figures["export_rows_per_s"] = round(rate)
        figures["export_peak_rss_mb"] = round(export["rss_mb"], 1)
        print(
            f"{'/responses/export.csv':50} {rate:,.0f} rows/s, peak RSS {export['rss_mb']:.0f} MB"
        )
    figures["nps_by_month_ours_ms"] = ours_ms
    figures["nps_by_month_hand_sql_ms"] = hand_ms
    ratio = round(ours_ms / hand_ms, 2) if hand_ms else None
    figures["nps_by_month_ratio"] = ratio
    print(f"NPS by month: ours {ours_ms} ms, hand-written SQL {hand_ms} ms, ratio {ratio}")

    def target(name: str, limit: float, text_: str, below: bool = True) -> dict[str, Any]:
        value = figures.get(name)
        if not isinstance(value, int | float):
            return {"value": value, "target": text_, "met": False}
        return {"value": value, "target": text_, "met": value < limit if below else value > limit}

    targets = {
        "dashboard_ms": target("dashboard_ms", 1000, "< 1000 ms"),
        "dashboard_segment_ms": target("dashboard_segment_ms", 1000, "< 1000 ms"),
        "responses_first_page_ms": target("responses_first_page_ms", 1000, "< 1000 ms"),
        "responses_detractors_ms": target("responses_detractors_ms", 1000, "< 1000 ms"),
        "responses_search_ms": target("responses_search_ms", 1000, "< 1000 ms"),
        "account_page_ms": target("account_page_ms", 1000, "< 1000 ms"),
        "export_rows_per_s": target("export_rows_per_s", 20_000, "> 20000 rows/s", below=False),
        "export_peak_rss_mb": target("export_peak_rss_mb", 300, "< 300 MB"),
        "nps_by_month_ratio": {"value": ratio, "target": "<= 2",
                               "met": ratio is not None and ratio <= 2},
    }  # fmt: skip
    print(json.dumps({"figures": figures, "targets": targets}))


if __name__ == "__main__":
    main()
