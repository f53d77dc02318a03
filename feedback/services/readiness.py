"""Is this deployment ready for traffic? The database answers, its schema is at the newest
migration, and a scheduler process has shown a sign of life recently.

The worker records its heartbeat here too, so the reader and the writer agree on one table and
one age. A load balancer sends no traffic to a web process whose checks fail; liveness
(/healthz) stays separate so a restart is not triggered by a stopped worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from feedback.migrate import alembic_config
from feedback.models import WorkerHeartbeat

HEARTBEAT_EVERY = timedelta(seconds=30)
HEARTBEAT_MAX_AGE = timedelta(seconds=120)  # four missed beats: the worker is gone or stuck


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str  # one sentence an operator can act on; "ready" when ready
    checks: dict[str, str]


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The newest revisions in migrations/ (read once per process: the files do not change)."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def database_revisions(session: Session) -> frozenset[str]:
    context = MigrationContext.configure(session.connection())
    return frozenset(context.get_current_heads())


def check(session: Session, now: datetime) -> Readiness:
    """Every check, first failure first; never raises for a database that is down."""
    checks: dict[str, str] = {}
    try:
        current = database_revisions(session)
    except Exception as exc:  # unreachable database, wrong credentials, dropped connection
        session.rollback()
        checks["database"] = f"unreachable ({type(exc).__name__})"
        return Readiness(False, "The database cannot be reached.", checks)
    checks["database"] = "ok"
    heads = migration_heads()
    if current != heads:
        checks["migrations"] = (
            f"database at {', '.join(sorted(current)) or 'no revision'}, "
            f"code at {', '.join(sorted(heads))}"
        )
        return Readiness(
            False, "The database is not at the newest migration; run: db upgrade.", checks
        )
    checks["migrations"] = "ok"
    last = session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    if last is None:
        checks["worker"] = "no heartbeat recorded"
        return Readiness(False, "No worker has started; run the worker process.", checks)
    age = now - last
    if age > HEARTBEAT_MAX_AGE:
        checks["worker"] = f"last heartbeat {int(age.total_seconds())} s ago"
        return Readiness(False, "The worker's heartbeat is too old; is it running?", checks)
    checks["worker"] = "ok"
    return Readiness(True, "ready", checks)


def record_heartbeat(session: Session, worker: str, now: datetime) -> None:
    """One row per worker process, updated in place; flushes, the caller commits."""
    updated = session.execute(
        update(WorkerHeartbeat).where(WorkerHeartbeat.worker == worker).values(beat_at=now)
    )
    if not updated.rowcount:  # type: ignore[attr-defined]
        session.add(WorkerHeartbeat(worker=worker, started_at=now, beat_at=now))
    # Rows of processes gone for a day are history nobody reads.
    stale = now - timedelta(days=1)
    session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.beat_at < stale))
    session.flush()
