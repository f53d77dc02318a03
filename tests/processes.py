"""A job runner the fault tests start in a process of its own and SIGKILL at a chosen moment.

`python tests/processes.py --database-url URL --job NAME --now ISO --pause WHERE --marker F`
runs one slot of NAME at NOW through jobs.registry.run_job (the scheduler's own path) and,
at WHERE, writes F and sleeps: the test sees F and kills the process there.

- before-commit: the job's work is done and flushed inside its transaction, not committed.
- after-commit: the work is committed; the job run is not yet marked done.

--heartbeat-every SECONDS beats the run's heartbeat that often (30 s otherwise), so a test
sees the beat move before it kills the process.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _pause(marker: Path) -> None:
    marker.write_text("paused\n")
    time.sleep(600)  # the test kills us long before this ends
    raise SystemExit("not killed: the test did not find the marker")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--job", required=True)
    parser.add_argument("--now", required=True, type=datetime.fromisoformat)
    parser.add_argument("--pause", required=True, choices=["before-commit", "after-commit"])
    parser.add_argument("--marker", required=True, type=Path)
    parser.add_argument("--heartbeat-every", type=float, default=None)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))

    from feedback import create_app, db
    from feedback.services import job_runs
    from jobs.registry import run_job

    if args.heartbeat_every:
        job_runs.HEARTBEAT_EVERY = timedelta(seconds=args.heartbeat_every)
    app = create_app({
        "DATABASE_URL": args.database_url, "ENV": "testing", "TESTING": True,
        "SECRET_KEY": "test-secret", "PUBLIC_URL": "http://127.0.0.1:5000",
    })  # fmt: skip
    if args.pause == "before-commit":
        real_transaction = db.transaction

        @contextmanager
        def pausing() -> Iterator[Any]:
            with real_transaction() as session:
                yield session
                session.flush()
                _pause(args.marker)

        db.transaction = pausing  # type: ignore[assignment]
    else:
        job_runs.finish = lambda *_a, **_k: _pause(args.marker)  # type: ignore[assignment]
    run_job(app, args.job, now=args.now)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
