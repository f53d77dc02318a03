"""The score sparkline's geometry (web.sparkline), drawn from the task read model's Trend."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from feedback.services.task_detail import ScorePoint, Trend
from feedback.web.sparkline import Sparkline, sparkline_coords

NOW = datetime(2026, 11, 18, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([], []), ([10], [(80.0, 3.0)]), ([0, 10], [(3.0, 33.0), (157.0, 3.0)]),
     ([5, 12, -1], [(3.0, 18.0), (80.0, 3.0), (157.0, 33.0)])],
)  # fmt: skip
def test_sparkline_coordinates(values, expected):
    assert sparkline_coords(values, 160, 36) == expected


def test_trend_polyline_and_summary():
    trend = Trend([ScorePoint(NOW, 9, 1), ScorePoint(NOW, 3, 2)])
    spark = Sparkline(trend)
    assert spark.polyline == "3.0,6.0 157.0,24.0"
    assert spark.coords == [(3.0, 6.0, 9), (157.0, 24.0, 3)]
    assert spark.y_of(9) == 6.0 and spark.y_of(6) == 15.0
    assert trend.summary == "2 scores, oldest first: 9, 3" and trend.last == 3
