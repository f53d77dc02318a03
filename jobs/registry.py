"""The jobs, their intervals, and running one slot of a job exactly once."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask

from feedback import db
from feedback.mail.backends import get_backend
from feedback.services import (
    account_health,
    analytics,
    backlog_digests,
    backlog_notices,
    backlog_proposals,
    csv_imports,
    delivery,
    escalation,
    followup,
    followup_notices,
    huddle,
    insight_mail,
    invitations,
    job_runs,
    reminders,
    resolution_checks,
    theme_proposals,
    webhooks_out,
)

log = logging.getLogger("feedback.jobs")
KEEP_RUNS_DAYS = 14
ANALYZE_CHUNK = 200


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    description: str
    run: Callable[[Flask, datetime], dict[str, Any]]


def _dispatch_surveys(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        stats = invitations.dispatch_due_surveys(session, app.config, now)
        job_runs.prune(session, now, KEEP_RUNS_DAYS)
    return stats.as_dict()


def _send_reminders(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return reminders.release_reminders(session, now)


def _deliver_email(app: Flask, now: datetime) -> dict[str, Any]:
    stats = delivery.deliver_due(
        db.database().sessionmaker,
        get_backend(app.config),
        worker_id=worker_id(),
    )
    return stats.as_dict() if hasattr(stats, "as_dict") else dict(vars(stats))


def _deliver_webhooks(app: Flask, now: datetime) -> dict[str, Any]:
    return webhooks_out.deliver_due_webhooks(db.database().sessionmaker, now, worker=worker_id())


def _retag_responses(app: Flask, now: datetime) -> dict[str, Any]:
    return analytics.reanalyze_all(
        db.database().sessionmaker, only_if_pending=True, now=now
    ).as_dict()


def _analyze_responses(app: Flask, now: datetime) -> dict[str, Any]:
    """Chunk by chunk, each its own transaction, until no marked comment is left."""
    analyzed = 0
    while True:
        with db.transaction() as session:
            done = analytics.analyze_pending(session, ANALYZE_CHUNK)
        analyzed += done
        if done < ANALYZE_CHUNK:
            return {"analyzed": analyzed}


def _propose_themes(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return theme_proposals.propose_themes(session, now)


def _send_huddle_packs(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return huddle.send_huddle_packs(session, app.config, now)


def _create_followups(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return followup.create_followups(session, now)


def _escalate_tasks(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return escalation.escalate_tasks(session, now, config=app.config)


def _send_digests(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return followup_notices.send_digests(session, now, config=app.config)


def _send_resolution_checks(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return resolution_checks.send_resolution_checks(session, now, config=app.config)


def _refresh_backlog(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return backlog_proposals.refresh_backlog(session, app.config, now)


def _tell_backlog_customers(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return backlog_notices.tell_customers(session, app.config, now)


def _run_imports(app: Flask, now: datetime) -> dict[str, Any]:
    return csv_imports.run_due_imports(db.database().sessionmaker, now)


def _send_backlog_digests(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return backlog_digests.send_backlog_digests(session, app.config, now)


def _score_account_health(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        settings = account_health.Settings.from_config(app.config)
        return account_health.recompute_all(session, settings, now)


def _send_weekly_insight(app: Flask, now: datetime) -> dict[str, Any]:
    with db.transaction() as session:
        return insight_mail.send_weekly_insight(session, app.config, now)


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job(
            "dispatch-surveys",
            900,
            "Invite every contact who is due and eligible.",
            _dispatch_surveys,
        ),
        Job(
            "send-reminders",
            900,
            "Release reminders whose day has come, or cancel them.",
            _send_reminders,
        ),
        Job(
            "deliver-email",
            15,
            "Send queued emails in bulk through the mail backend.",
            _deliver_email,
        ),
        Job(
            "deliver-webhooks",
            30,
            "Post queued webhook events to their endpoints, signed; retry 5xx with backoff.",
            _deliver_webhooks,
        ),
        Job(
            "analyze-responses",
            15,
            "Analyse the comments customers just sent: language, sentiment, themes, mismatch.",
            _analyze_responses,
        ),
        Job(
            "retag-responses",
            300,
            "Re-tag every comment after the theme taxonomy changed (resumes a killed run).",
            _retag_responses,
        ),
        Job(
            "propose-themes",
            86_400,
            "Propose recurring phrases from recent unhappy comments that no theme covers.",
            _propose_themes,
        ),
        Job(
            "send-huddle-packs",
            7 * 86_400,
            "Email each team its weekly huddle pack: verbatims, SLA breaches, recoveries.",
            _send_huddle_packs,
        ),
        Job(
            "create-followups",
            300,
            "Turn settled responses into routed follow-up tasks by the active playbooks.",
            _create_followups,
        ),
        Job(
            "escalate-tasks",
            900,
            "Flag overdue tasks (lead told) and escalate at 2× SLA (department head), "
            "one email per person per hour.",
            _escalate_tasks,
        ),
        Job(
            "send-digests",
            3600,
            "Each weekday morning in the team's zone: every CSM's and team lead's task digest.",
            _send_digests,
        ),
        Job(
            "send-resolution-checks",
            3600,
            "Ask 'Did we resolve it?' a few days after a recovery task closed.",
            _send_resolution_checks,
        ),
        Job(
            "refresh-backlog",
            3600,
            "Merge duplicate proposals, propose themes over the threshold, refresh impact.",
            _refresh_backlog,
        ),
        Job(
            "tell-backlog-customers",
            3600,
            "Tell the customers behind last week's shipped backlog items, one email each.",
            _tell_backlog_customers,
        ),
        Job(
            "run-imports",
            15,
            "Import the contacts and accounts CSV files admins started in the browser.",
            _run_imports,
        ),
        Job(
            "send-backlog-digests",
            3600,
            "Tell department heads (email, Slack/Teams) of new proposals and items over the "
            "impact threshold: one digest a day per department.",
            _send_backlog_digests,
        ),
        Job(
            "score-account-health",
            6 * 3600,
            "Score every account's health from its parts; a fall of more than "
            "FEEDBACK_HEALTH_DROP points opens a recover task through the playbooks.",
            _score_account_health,
        ),
        Job(
            "send-weekly-insight",
            3600,
            "Monday morning: NPS and its change, themes, hot spots and backlog movement to "
            "each department head and admin, once a week.",
            _send_weekly_insight,
        ),
    )
}


_UNITS = ((7 * 86_400, "week"), (86_400, "day"), (3600, "hour"), (60, "minute"), (1, "second"))


def describe_every(seconds: int) -> str:
    """'every 15 seconds', 'every 15 minutes', 'every hour', 'every day', 'every week'."""
    for size, unit in _UNITS:
        if seconds % size == 0:
            count = seconds // size
            return f"every {unit}" if count == 1 else f"every {count} {unit}s"
    raise AssertionError("unreachable: every whole number of seconds divides by 1")


def describe_summary(summary: dict[str, Any] | None) -> str:
    """A job's result as one readable line: 'invited 3; skipped: not due 12, opted out 1'."""
    if summary is None:
        return "nothing to do: another process already ran this slot"
    if not summary:
        return "done, nothing to report"
    return "; ".join(_describe_item(key, value) for key, value in summary.items())


def _describe_item(key: str, value: Any) -> str:
    label = str(key).replace("_", " ")
    if isinstance(value, dict):
        if not value:
            return f"{label}: none"
        return f"{label}: " + ", ".join(_describe_item(k, v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return f"{label}: {', '.join(map(str, value)) if value else 'none'}"
    if isinstance(value, float):
        return f"{label} {value:.2f}"
    if value is None:
        return f"{label}: none"
    return f"{label} {value}"


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def slot_for(job: Job, now: datetime, every_seconds: int | None = None) -> datetime:
    """The start of the interval `now` falls in: the same for every scheduler process.

    `every_seconds` is the interval the scheduler really uses when it overrides the job's
    (the demo runs create-followups every few seconds); slots are counted in it."""
    every = every_seconds or job.every_seconds
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % every, UTC)


def run_job(
    app: Flask,
    name: str,
    *,
    now: datetime | None = None,
    manual: bool = False,
    every_seconds: int | None = None,
) -> dict[str, Any] | None:
    """Run one slot of a job; None when another process already ran (or runs) that slot.

    A manual run (operators, tests) gets its own key at the current microsecond, never a
    scheduled slot's, so it always runs and never takes a scheduled run's place. While the job
    works its run beats a heartbeat; a run whose process was killed is later found abandoned.
    """
    job = JOBS[name]
    now = now or datetime.now(UTC)
    slot = slot_for(job, now, every_seconds)
    if manual:
        slot = now if now != slot else now + timedelta(microseconds=1)
    with app.app_context():
        session = db.session()
        run = job_runs.claim(session, name, slot, worker_id(), now, manual=manual)
        if run is None:
            log.info("job %s slot %s already taken; skipping", name, slot.isoformat())
            return None
        try:
            with job_runs.keep_alive(db.database().engine, run.id):
                summary = job.run(app, now)
        except Exception as exc:
            job_runs.finish(session, run, f"{type(exc).__name__}: {exc}", failed=True)
            log.exception("job %s failed", name)
            raise
        job_runs.finish(session, run, str(summary))
        return summary
