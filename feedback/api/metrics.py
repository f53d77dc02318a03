"""/api/v1/metrics: the close-the-loop figures team leads see on /metrics, for machines.

The same access rule as the page: figures only of the teams the token's user may see.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from feedback import db
from feedback.access import current_staff, roles
from feedback.api.common import ApiErrorSchema
from feedback.roles import LEADS, STAFF
from feedback.services import metrics, overview, visibility

blp = Blueprint(
    "api_metrics", __name__, url_prefix="/api/v1/metrics", description="Close-the-loop metrics"
)


class RangeArgs(Schema):
    start = fields.Date(metadata={"description": "First UTC day (default: 29 days before end)"})
    end = fields.Date(metadata={"description": "Last UTC day, included (default: today)"})
    team_id = fields.Integer(metadata={"description": "Only this team's tasks"})


class FiguresSchema(Schema):
    tasks = fields.Integer()
    detractor_tasks = fields.Integer()
    detractors_decided = fields.Integer(
        metadata={"description": "Detractor tasks contacted or past their due time"}
    )
    detractors_contacted_in_sla = fields.Integer()
    contacted_in_sla_share = fields.Float(allow_none=True)
    median_hours_to_first_contact = fields.Float(allow_none=True)
    median_hours_to_close = fields.Float(allow_none=True)
    resolution_answers = fields.Integer()
    resolved_yes = fields.Integer()
    recovery_rate = fields.Float(allow_none=True)


class GroupSchema(FiguresSchema):
    id = fields.Integer(allow_none=True)
    name = fields.String()
    team = fields.String(allow_none=True)


class CloseTheLoopSchema(Schema):
    start = fields.String(metadata={"format": "date"})
    end = fields.String(metadata={"format": "date"})
    overall = fields.Nested(FiguresSchema)
    teams = fields.List(fields.Nested(GroupSchema))
    csms = fields.List(fields.Nested(GroupSchema))


@blp.route("/close-the-loop")
class CloseTheLoop(MethodView):
    @roles(*LEADS)
    @blp.arguments(RangeArgs, location="query")
    @blp.response(200, CloseTheLoopSchema)
    @blp.alt_response(403, schema=ApiErrorSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Detractors reached within SLA, median hours to first contact and to close, and the
        recovery rate, overall, per team and per CSM, for tasks created in the range.
        A team lead gets their own team's figures, a department head their department's;
        asking for a team outside them is 403."""
        session = db.session()
        start, end = metrics.date_range(args.get("start"), args.get("end"))
        team_ids = visibility.teams_picked(session, current_staff(), args.get("team_id"))
        result = metrics.close_the_loop(session, start=start, end=end, team_ids=team_ids)
        return result.as_dict()


class DaysArgs(Schema):
    days = fields.Integer(
        load_default=90,
        validate=validate.Range(min=1, max=3650),
        metadata={"description": "Answers of the last this many days (1 to 3650)"},
    )


class NpsRowSchema(Schema):
    label = fields.String()
    nps = fields.Float(allow_none=True, attribute="result.score")
    ci_low = fields.Float(allow_none=True, attribute="result.ci_low")
    ci_high = fields.Float(allow_none=True, attribute="result.ci_high")
    answers = fields.Integer(attribute="result.n")
    promoters = fields.Integer(attribute="result.promoters")
    passives = fields.Integer(attribute="result.passives")
    detractors = fields.Integer(attribute="result.detractors")


class NpsOverviewSchema(Schema):
    program = fields.List(fields.Nested(NpsRowSchema))
    region = fields.List(fields.Nested(NpsRowSchema))


class OnboardingRowSchema(Schema):
    program = fields.String()
    milestone = fields.String()
    kind = fields.String(metadata={"enum": ["closeness", "effort"]})
    answers = fields.Integer()
    good = fields.Integer(metadata={"description": "Answers on track (closeness) or easy"})
    good_category = fields.String()
    share = fields.Float(allow_none=True)


@blp.route("/nps")
class NpsOverview(MethodView):
    @roles(*STAFF)
    @blp.arguments(DaysArgs, location="query")
    @blp.response(200, NpsOverviewSchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """NPS by program and region, as on the home page: NPS answers only, never onboarding."""
        return overview.nps_overview(db.session(), days=args["days"])


@blp.route("/onboarding")
class OnboardingOverview(MethodView):
    @roles(*STAFF)
    @blp.arguments(DaysArgs, location="query")
    @blp.response(200, OnboardingRowSchema(many=True))
    @blp.alt_response(422, schema=ApiErrorSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Onboarding answers per milestone: the share on track (closeness) or easy (effort)."""
        return overview.onboarding_overview(db.session(), days=args["days"])
