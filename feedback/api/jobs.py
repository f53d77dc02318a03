"""/api/v1/jobs: the scheduled jobs, their last runs, and running one now (admin tokens).

A run through the API is a manual run, exactly as `flask jobs run NAME`: its own key, so it
never takes a scheduled slot's place, recorded in job_runs with its summary.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from feedback import db
from feedback.access import roles
from feedback.api.common import ApiErrorSchema
from feedback.roles import Role
from feedback.services import job_runs
from feedback.services.errors import NotFound, ServiceError
from jobs.registry import JOBS, describe_every, describe_summary, run_job

blp = Blueprint("api_jobs", __name__, url_prefix="/api/v1/jobs", description="Scheduled jobs")


class JobRunSchema(Schema):
    id = fields.Integer()
    job = fields.String()
    status = fields.Function(
        lambda run: job_runs.shown_status(run),
        metadata={
            "enum": ["running", "done", "failed", "abandoned"],
            "description": "abandoned: still marked running, but its process stopped beating "
            "(killed); the next run of the job records it so",
        },
    )
    scheduled_for = fields.DateTime()
    started_at = fields.DateTime()
    finished_at = fields.DateTime(allow_none=True)
    summary = fields.String(allow_none=True)
    worker = fields.String(allow_none=True)
    heartbeat_at = fields.DateTime(allow_none=True)


class JobSchema(Schema):
    name = fields.String()
    description = fields.String()
    every_seconds = fields.Integer()
    every = fields.String(metadata={"description": "the interval in words"})
    last_run = fields.Nested(JobRunSchema, allow_none=True)


class JobListSchema(Schema):
    items = fields.List(fields.Nested(JobSchema))


class JobResultSchema(Schema):
    job = fields.String()
    result = fields.Dict(
        keys=fields.String(), metadata={"description": "the job's own counts, as it returned"}
    )
    summary = fields.String(metadata={"description": "the result as one readable line"})
    run = fields.Nested(JobRunSchema, allow_none=True)


class JobRunBody(Schema):
    """Nothing to send: an empty JSON object ({}), as every API write has a JSON body."""


class JobFailed(ServiceError):
    code = "job_failed"
    status = 500


def _job(name: str) -> Any:
    if name not in JOBS:
        raise NotFound(f"There is no job {name!r}; known jobs: {', '.join(JOBS)}.")
    return JOBS[name]


@blp.route("")
class Jobs(MethodView):
    @roles(Role.ADMIN)
    @blp.response(200, JobListSchema)
    def get(self) -> dict[str, Any]:
        """The jobs the worker runs, how often, and each one's last run."""
        last = job_runs.last_runs(db.session())
        return {
            "items": [
                {
                    "name": job.name,
                    "description": job.description,
                    "every_seconds": job.every_seconds,
                    "every": describe_every(job.every_seconds),
                    "last_run": last.get(job.name),
                }
                for job in JOBS.values()
            ]
        }


@blp.route("/<name>/run")
class JobRunNow(MethodView):
    @roles(Role.ADMIN)
    @blp.arguments(JobRunBody)
    @blp.response(200, JobResultSchema)
    @blp.alt_response(404, schema=ApiErrorSchema)
    @blp.alt_response(500, schema=ApiErrorSchema)
    def post(self, _body: dict[str, Any], name: str) -> dict[str, Any]:
        """Run the job once, now, and answer with its result (as `flask jobs run`).

        A job that raises is recorded as failed and answered with 500 and its error.
        """
        job = _job(name)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        now = datetime.now(UTC)
        try:
            result = run_job(app, job.name, now=now, manual=True) or {}
        except Exception as exc:  # the run is recorded as failed by run_job
            raise JobFailed(f"{job.name} failed: {type(exc).__name__}: {exc}") from exc
        session = db.session()
        session.expire_all()
        return {
            "job": job.name,
            "result": result,
            "summary": describe_summary(result),
            "run": job_runs.run_started_at(session, job.name, now),
        }
