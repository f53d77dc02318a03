"""The SVG geometry of a score sparkline on the task page (Customer 360).

Drawing is the page's business: the task read model (services.task_list) hands over the
scores as a Trend, and this module places them in a small box, 0 at the bottom and 10 at
the top, for the `sparkline` macro in templates/queue/_macros.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from feedback.services.task_detail import Trend


def sparkline_coords(
    values: Sequence[float], width: int, height: int, top: float = 10
) -> list[tuple[float, float]]:
    """SVG coordinates for values on a 0..top scale, spread evenly across the width."""
    pad = 3
    inner_w, inner_h = width - 2 * pad, height - 2 * pad
    step = inner_w / (len(values) - 1) if len(values) > 1 else 0
    coords = []
    for i, value in enumerate(values):
        x = pad + (i * step if len(values) > 1 else inner_w / 2)
        y = pad + inner_h * (1 - max(0.0, min(float(value), top)) / top)
        coords.append((round(x, 1), round(y, 1)))
    return coords


@dataclass(frozen=True)
class Sparkline:
    """A trend of scores drawn in a width × height box."""

    trend: Trend
    width: int = 160
    height: int = 36

    @property
    def points(self) -> list[object]:
        return list(self.trend.points)

    @property
    def summary(self) -> str:
        return self.trend.summary

    @property
    def coords(self) -> list[tuple[float, float, int]]:
        scores = [p.score for p in self.trend.points]
        xy = sparkline_coords(scores, self.width, self.height)
        return [(x, y, score) for (x, y), score in zip(xy, scores, strict=True)]

    @property
    def polyline(self) -> str:
        return " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in self.coords)

    def y_of(self, value: float) -> float:
        """Where a score line (9: promoters, 6: detractors) runs across the box."""
        return sparkline_coords([value], self.width, self.height)[0][1]
