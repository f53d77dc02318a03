"""GET /api/v1/nps: NPS with its counts, n, margin of error and 95% interval, grouped by
period, program or any segment dimension, under the dashboard's filters.

The same service (services.nps_report) and statistics (feedback.nps) as the dashboard, so a
number on the page and the number a machine fetches never disagree.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from feedback import db, segments
from feedback.access import roles
from feedback.api.common import ApiErrorSchema, prefix_fields
from feedback.roles import STAFF
from feedback.services import nps_report, nps_segments
from feedback.services.errors import InvalidInput

blp = Blueprint("api_nps", __name__, url_prefix="/api/v1/nps", description="NPS statistics")

GROUPS = ("all", *nps_report.PERIODS, "program", *segments.DIMENSIONS)


def _group_by(value: str) -> None:
    if value not in GROUPS and not (
        value.startswith(segments.ATTRIBUTE_PREFIX) and segments.is_dimension(value)
    ):
        raise ValidationError(f"Use one of {', '.join(GROUPS)} or attr.<key>.")


def _segment(value: str) -> None:
    try:
        segments.parse(value)
    except segments.SegmentError as exc:
        raise ValidationError(str(exc)) from exc


class NpsArgs(Schema):
    group_by = fields.String(
        load_default="all",
        validate=[validate.Length(max=70), _group_by],
        metadata={
            "description": "all, week (from Monday), month, program, a segment dimension "
            f"({', '.join(segments.DIMENSIONS)}) or attr.<key> (an account attribute)"
        },
    )
    from_ = fields.Date(
        data_key="from", metadata={"description": "First UTC day (default: 364 days before to)"}
    )
    to = fields.Date(metadata={"description": "Last UTC day, included (default: today)"})
    program = fields.Integer(
        validate=validate.Range(min=1), metadata={"description": "Only this program's answers"}
    )
    segment = fields.String(
        validate=[validate.Length(max=300), _segment],
        metadata={"description": "Only this segment's answers, as dimension:value (region:EMEA)"},
    )


class NpsGroupSchema(Schema):
    key = fields.String(metadata={"description": "The period's first day, the program or value"})
    nps = fields.Float(allow_none=True, attribute="result.score")
    n = fields.Integer(attribute="result.n")
    promoters = fields.Integer(attribute="result.promoters")
    passives = fields.Integer(attribute="result.passives")
    detractors = fields.Integer(attribute="result.detractors")
    standard_error = fields.Float(allow_none=True, attribute="result.standard_error")
    margin_of_error = fields.Float(
        allow_none=True,
        attribute="result.margin_of_error",
        metadata={"description": "Half-width of the 95% adjusted-Wald interval, NPS points"},
    )
    ci_low = fields.Float(allow_none=True, attribute="result.ci_low")
    ci_high = fields.Float(allow_none=True, attribute="result.ci_high")
    small_sample = fields.Boolean(
        attribute="result.small_sample",
        metadata={"description": "Fewer answers than the minimum for any verdict (30)"},
    )


class NpsBodySchema(Schema):
    group_by = fields.String()
    start = fields.String(metadata={"format": "date"})
    end = fields.String(metadata={"format": "date"})
    program = fields.Integer(allow_none=True)
    segment = fields.String(allow_none=True)
    confidence = fields.Float()
    groups = fields.List(fields.Nested(NpsGroupSchema))


@blp.route("")
class Nps(MethodView):
    @roles(*STAFF)
    @blp.arguments(NpsArgs, location="query")
    @blp.response(200, NpsBodySchema)
    @blp.alt_response(422, schema=ApiErrorSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """NPS answers only (never onboarding), each group with its counts, n, standard error,
        margin of error and 95% adjusted-Wald interval; `small_sample` marks groups under the
        minimum n. Ranges longer than three years are refused (422)."""
        try:
            filters = nps_report.filters_from(
                {
                    "from": args.get("from_"),
                    "to": args.get("to"),
                    "program": args.get("program"),
                    "segment": args.get("segment"),
                }
            )
            groups = nps_segments.grouped(db.session(), filters, args["group_by"])
        except InvalidInput as exc:  # named like the argument errors: query.from
            raise prefix_fields(exc, "query") from exc
        return {
            "group_by": args["group_by"],
            "start": filters.start.isoformat(),
            "end": filters.end.isoformat(),
            "program": filters.program_id,
            "segment": str(filters.segment) if filters.segment else None,
            "confidence": 0.95,
            "groups": groups,
        }
