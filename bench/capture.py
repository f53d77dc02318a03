# ruff: noqa: E402
"""Benchmark capture under load, measured from outside: gunicorn (2 workers) + PostgreSQL.

Run: FEEDBACK_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/feedback_bench \
     .venv/bin/python bench/capture.py [--invitations 20000]
THAT DATABASE IS EMPTIED AND MIGRATED FIRST. PostgreSQL is required: the question is what the
production stack does (SQLite takes one writer at a time, so its figures would say nothing).

Seeds one NPS program, the default themes and 20,000 contacts, invites them with the real
dispatch (so every invitation has its held reminder, as in production) and marks the emails
delivered an hour ago. Then serves `bench.capture_app:app` (the real app plus a bench-only
`POST /bench/bare` that inserts one row and answers 204) with the repository's
gunicorn.conf.py, and a load generator on loopback (threads, one connection each, no
keep-alive as gunicorn's sync workers close every connection) takes the human path for every
invitation: GET the one-click link /r/<token>/<score> with a phone browser's headers, then POST
the answer page's form (the score and, for most, a comment; these forms need no CSRF token).
10% of the invitations take the path twice. A third of the invitations at 10, 25 and 50
concurrent clients each, and the bare endpoint at the same concurrency for as many requests.

Prints requests/s and p50/p99 latency of both and their ratio per concurrency, runs the
analyze-responses job once the load is over (the answer page leaves comment analysis to it),
checks the database holds exactly one confirmed response per invitation and an analysis for
every comment, and ends with one JSON line.
"""

from __future__ import annotations

import os
import sys

# This folder holds queue.py: it must not shadow the standard library's queue module.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]

import argparse
import http.client
import json
import random
import resource
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import func, insert, select, text, update

from feedback import create_app, db, migrate
from feedback.models import (
    Contact,
    Invitation,
    Message,
    OutboxEmail,
    Response,
    ResponseAnalysis,
    ScoreChange,
)
from feedback.services import invitations, programs, taxonomy
from jobs.registry import run_job

LEVELS = (10, 25, 50)
TWICE = 0.10
SEED = 15
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) Version/17.4 Mobile Safari/604.1"
BROWSER_HEADERS = {
    "User-Agent": PHONE,
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "Accept-Language": "en-GB,en;q=0.9",
}
COMMENTS = (
    "",
    "Setup was fast and the support team answered within the hour.",
    "The reporting is slow and exports to Excel break every week.",
    "Great product, but the price went up again this year.",
    "Invoices are often wrong and billing takes ages to fix them.",
    "Love the new dashboard!",
    "Die Einrichtung war schnell, aber der Export ist zu langsam.",
    "Onboarding was confusing; the documentation is out of date.",
)
TARGET_RATIO, TARGET_P99_MS = 0.70, 100.0


@dataclass
class Run:
    """Latencies (seconds) and failures of one load level on one kind of request."""

    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def cpu_ms(self) -> dict[str, float]:
        """CPU milliseconds per request of each part of the stack."""
        n = len(self.latencies) or 1
        return {part: round(seconds * 1000 / n, 2) for part, seconds in self.cpu.items()}

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def database_url() -> str:
    url = os.environ.get("FEEDBACK_TEST_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        raise SystemExit(
            "bench/capture.py needs PostgreSQL: set FEEDBACK_TEST_DATABASE_URL=postgresql://... "
            "(that database is emptied). SQLite takes one writer at a time, so a capture load "
            "figure on it would not describe production."
        )
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def seed(url: str, count: int) -> list[str]:
    """A fresh database with `count` invitations delivered an hour ago: their tokens."""
    migrate.fresh(url)
    app = create_app({
        "DATABASE_URL": url, "ENV": "testing", "SECRET_KEY": "bench",
        "PUBLIC_URL": "https://feedback.example.com",
        "MAIL_FROM": "Customer Success <cs@example.com>",
    })  # fmt: skip
    day = datetime.now(UTC).date()
    while day.weekday() >= 5:
        day += timedelta(days=1)
    dispatch_at = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)  # in the send window
    with app.app_context():
        with db.transaction() as session:
            taxonomy.seed_taxonomy(session)
            programs.create_program(session, {
                "name": "Bench NPS", "kind": "nps", "active": True, "product_name": "Acme",
                "cadence_days": 1,
            })  # fmt: skip
            session.execute(insert(Contact), [
                {"email": f"person{i}@customer{i % 97}.example.org", "name": f"Person {i}",
                 "timezone": "UTC", "locale": "en", "attributes": {}}
                for i in range(count)
            ])  # fmt: skip
        with db.transaction() as session:
            stats = invitations.dispatch_due_surveys(session, app.config, dispatch_at)
        if stats.invited != count:
            raise SystemExit(f"dispatch invited {stats.invited} of {count}")
        delivered = datetime.now(UTC) - timedelta(hours=1)
        with db.transaction() as session:
            session.execute(update(Invitation).values(sent_at=delivered, delivered_at=delivered))
            session.execute(
                update(OutboxEmail)
                .where(OutboxEmail.kind == "invitation")
                .values(status="sent", sent_at=delivered)
            )
            tokens = [
                subs["%%token%%"]
                for subs in session.scalars(
                    select(OutboxEmail.substitutions)
                    .where(OutboxEmail.kind == "invitation")
                    .order_by(OutboxEmail.id)
                )
            ]
            session.execute(text(
                "CREATE TABLE bench_bare (id BIGSERIAL PRIMARY KEY, token VARCHAR(64) NOT NULL, "
                "created_at TIMESTAMPTZ NOT NULL)"
            ))  # fmt: skip
        db.database().engine.dispose()
    return tokens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FEEDBACK_ENV": "production",
        "FEEDBACK_DATABASE_URL": url,
        "FEEDBACK_SECRET_KEY": "bench-" + "k" * 40,
        "FEEDBACK_PUBLIC_URL": "https://feedback.example.com",
        "FEEDBACK_MAIL_FROM": "Customer Success <cs@example.com>",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
    }
    server = subprocess.Popen(
        [str(REPO / ".venv/bin/gunicorn"), "-c", str(REPO / "gunicorn.conf.py"),
         "bench.capture_app:app"],
        cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
        start_new_session=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start:\n{log.read_text()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def stop_gunicorn(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def request(
    conn: http.client.HTTPConnection, method: str, path: str, body: str | None, expect: int
) -> tuple[float, str | None]:
    headers = dict(BROWSER_HEADERS)
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    started = time.perf_counter()
    try:
        conn.request(method, path, body=body, headers=headers)
        reply = conn.getresponse()
        reply.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return time.perf_counter() - started, f"{method} {path}: {exc!r}"
    elapsed = time.perf_counter() - started
    if reply.will_close:
        conn.close()
    if reply.status != expect:
        return elapsed, f"{method} {path}: {reply.status}"
    return elapsed, None


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes so far (processes gone since count nothing)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / tick


def _processes(match: Callable[[str, int], bool]) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            pgid = int(stat.rsplit(")", 1)[1].split()[2])
            if match(comm, pgid):
                found.append(int(entry.name))
    return found


def cpu_now(server_group: int) -> dict[str, float]:
    """CPU seconds used so far by the web processes, the database server and this load
    generator: per request, they say where a request's time goes (the machine is shared)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "web": _cpu_seconds(_processes(lambda comm, pgid: pgid == server_group)),
        "database": _cpu_seconds(_processes(lambda comm, pgid: comm.startswith("postgres"))),
        "client": usage.ru_utime + usage.ru_stime,
    }


def drive(port: int, clients: int, work: list[tuple[str, str | None, int]]) -> Run:
    """`clients` threads take (method, path, body) items... in order until none are left."""
    run = Run()
    lock = threading.Lock()
    position = iter(range(len(work)))

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        failed: list[str] = []
        while True:
            with lock:
                index = next(position, None)
            if index is None:
                break
            for method, path, body, expect in work[index]:
                elapsed, error = request(conn, method, path, body, expect)
                mine.append(elapsed)
                if error:
                    failed.append(error)
        conn.close()
        with lock:
            run.latencies.extend(mine)
            run.failures.extend(failed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.seconds = time.perf_counter() - started
    return run


def measured(server_group: int, port: int, clients: int, work: list[list[tuple]]) -> Run:
    """`drive`, with the CPU each part of the stack spent meanwhile."""
    before = cpu_now(server_group)
    run = drive(port, clients, work)
    after = cpu_now(server_group)
    run.cpu = {part: after[part] - before[part] for part in before}
    return run


def human_work(tokens: list[str], rng: random.Random) -> list[list[tuple]]:
    """Each item: one person's click then answer; 10% come back later and do it again."""
    paths = []
    for token in tokens:
        score = rng.randint(0, 10)
        body = urllib.parse.urlencode({"score": score, "comment": rng.choice(COMMENTS)})
        paths.append([("GET", f"/r/{token}/{score}", None, 200),
                      ("POST", f"/r/{token}", body, 303)])  # fmt: skip
    order = [(float(i), path) for i, path in enumerate(paths)]
    for i in rng.sample(range(len(paths)), round(len(paths) * TWICE)):
        order.append((i + 100.5, paths[i]))  # the same person again, a little later
    return [path for _, path in sorted(order, key=lambda pair: pair[0])]


def page_work(tokens: list[str], rng: random.Random) -> list[list[tuple]]:
    """The click's page with no write (bench.capture_app's /bench/page), once per token."""
    return [[("GET", f"/bench/page/{token}/{rng.randint(0, 10)}", None, 200)] for token in tokens]


def bare_work(count: int) -> list[list[tuple]]:
    return [[("POST", "/bench/bare", f"token=t{i}", 204)] for i in range(count)]


def drain_analysis(url: str) -> tuple[int, float]:
    """Run the analyze-responses job once the load is over (the answer page leaves comment
    analysis to it): how many comments it analysed, and in how many seconds."""
    app = create_app({"DATABASE_URL": url, "ENV": "testing", "SECRET_KEY": "bench"})
    started = time.perf_counter()
    summary = run_job(app, "analyze-responses", manual=True) or {}
    seconds = time.perf_counter() - started
    with app.app_context():
        db.database().engine.dispose()
    return int(summary.get("analyzed", 0)), seconds


def check_database(url: str, count: int) -> dict[str, int]:
    app = create_app({"DATABASE_URL": url, "ENV": "testing", "SECRET_KEY": "bench"})
    with app.app_context():
        session = db.session()
        figures = {
            "responses": session.scalar(select(func.count()).select_from(Response)),
            "confirmed": session.scalar(
                select(func.count()).select_from(Response).where(Response.status == "confirmed")
            ),
            "invitations_answered": session.scalar(
                select(func.count(func.distinct(Response.invitation_id)))
            ),
            "score_changes": session.scalar(select(func.count()).select_from(ScoreChange)),
            "thread_turns": session.scalar(
                select(func.count()).select_from(Message).where(Message.direction == "inbound")
            ),
            "analyses": session.scalar(select(func.count()).select_from(ResponseAnalysis)),
            "analysis_pending": session.scalar(
                select(func.count()).select_from(Response).where(Response.analysis_pending)
            ),
            "reminders_cancelled": session.scalar(
                select(func.count())
                .select_from(OutboxEmail)
                .where(OutboxEmail.kind == "reminder", OutboxEmail.status == "cancelled")
            ),
            "bare_rows": session.scalar(text("SELECT count(*) FROM bench_bare")),
        }
        db.session().close()
        db.database().engine.dispose()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--invitations", type=int, default=20_000)
    args = parser.parse_args()
    url = database_url()
    count = args.invitations
    rng = random.Random(SEED)

    load_before = round(os.getloadavg()[0], 2)  # a busy machine slows every figure below
    started = time.perf_counter()
    tokens = seed(url, count)
    print(f"seeded              {count} invitations in {time.perf_counter() - started:.1f} s")
    per_level = [tokens[i :: len(LEVELS)] for i in range(len(LEVELS))]

    results: dict[int, tuple[Run, Run]] = {}
    pages: dict[int, Run] = {}
    with tempfile.TemporaryDirectory(prefix="bench-capture-") as tmp:
        log = Path(tmp) / "gunicorn.log"
        port = free_port()
        server = start_gunicorn(url, port, log)
        try:
            drive(port, 10, bare_work(300))  # warm-up: connections, caches, both workers
            for clients, level_tokens in zip(LEVELS, per_level, strict=True):
                human = measured(server.pid, port, clients, human_work(level_tokens, rng))
                bare = measured(server.pid, port, clients, bare_work(len(human.latencies)))
                page = measured(server.pid, port, clients, page_work(level_tokens, rng))
                results[clients] = (human, bare)
                pages[clients] = page
                print(
                    f"{clients:>3} clients  human path {human.rps:7.0f} req/s  "
                    f"p50 {human.pct(0.5):6.1f} ms  p99 {human.pct(0.99):7.1f} ms  |  "
                    f"bare {bare.rps:7.0f} req/s  p50 {bare.pct(0.5):6.1f} ms  "
                    f"p99 {bare.pct(0.99):7.1f} ms  |  ratio {human.rps / bare.rps:.2f}"
                )
                print(
                    f"     page alone {page.rps:7.0f} req/s  p99 {page.pct(0.99):7.1f} ms  "
                    f"(ratio {page.rps / bare.rps:.2f})  |  CPU ms/request  human "
                    f"{human.cpu_ms()}  bare {bare.cpu_ms()}  page alone {page.cpu_ms()}"
                )
                for failure in (human.failures + bare.failures)[:5]:
                    print(f"    failed: {failure}")
        finally:
            stop_gunicorn(server)
        analyzed, analysis_seconds = drain_analysis(url)
        print(
            f"analysis job        {analyzed} comments in {analysis_seconds:.1f} s, after the load"
        )
        stored = check_database(url, count)

    failures = sum(len(h.failures) + len(b.failures) for h, b in results.values())
    print(f"failed requests     {failures}")
    for name, value in stored.items():
        print(f"{name:<20}{value}")
    top = max(LEVELS)
    human, bare = results[top]
    ratio = human.rps / bare.rps
    figures: dict[str, object] = {
        "invitations": count,
        "load_average_1m_before": load_before,
        "load_average_1m_after": round(os.getloadavg()[0], 2),
        "failed_requests": failures,
        "analysis_job_comments": analyzed,
        "analysis_job_s": round(analysis_seconds, 1),
        **{f"db_{name}": value for name, value in stored.items()},
    }
    for clients, (h, b) in results.items():
        figures[f"c{clients}"] = {
            "human_rps": round(h.rps, 1), "human_p50_ms": round(h.pct(0.5), 1),
            "human_p99_ms": round(h.pct(0.99), 1), "bare_rps": round(b.rps, 1),
            "bare_p50_ms": round(b.pct(0.5), 1), "bare_p99_ms": round(b.pct(0.99), 1),
            "ratio": round(h.rps / b.rps, 3), "requests": len(h.latencies),
            "human_cpu_ms": h.cpu_ms(), "bare_cpu_ms": b.cpu_ms(),
            "page_alone_rps": round(pages[clients].rps, 1),
            "page_alone_ratio": round(pages[clients].rps / b.rps, 3),
            "page_alone_p99_ms": round(pages[clients].pct(0.99), 1),
            "page_alone_cpu_ms": pages[clients].cpu_ms(),
        }  # fmt: skip
    targets = {
        "ratio_at_50": {"value": round(ratio, 3), "target": f">= {TARGET_RATIO}",
                        "met": ratio >= TARGET_RATIO},
        "human_p99_ms_at_50": {"value": round(human.pct(0.99), 1),
                               "target": f"< {TARGET_P99_MS:.0f} ms",
                               "met": human.pct(0.99) < TARGET_P99_MS},
        "responses": {"value": stored["responses"], "target": f"= {count}",
                      "met": stored["responses"] == count == stored["confirmed"]},
        "failed_requests": {"value": failures, "target": "= 0", "met": failures == 0},
        "comments_left_unanalysed": {"value": stored["analysis_pending"], "target": "= 0",
                                     "met": stored["analysis_pending"] == 0},
    }  # fmt: skip
    print(json.dumps({"figures": figures, "targets": targets}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
