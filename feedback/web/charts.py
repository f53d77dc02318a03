"""SVG geometry of the dashboard's charts: the NPS trend with its interval band, and the
promoter/passive/detractor mix over time.

The templates draw (templates/dashboard/_charts.html); this module only places values in a
box, so the charts need no script, no CDN and print as they show. Every chart also has a
table of the same figures for screen readers and for copying.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from feedback.services.nps_report import Point

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 28


@dataclass(frozen=True)
class Tick:
    value: float
    y: float


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    point: Point


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    dots: list[Dot]
    line: str
    band: str
    ticks: list[Tick]
    labels: list[tuple[float, str]]
    zero_y: float | None


def _x_positions(count: int) -> list[float]:
    inner = WIDTH - LEFT - RIGHT
    if count == 1:
        return [LEFT + inner / 2]
    return [round(LEFT + inner * i / (count - 1), 1) for i in range(count)]


def _label_every(count: int, room: int = 8) -> int:
    return max(1, math.ceil(count / room))


def trend_chart(points: Sequence[Point], period: str) -> TrendChart | None:
    """The trend's line, its interval band and the axis, or None without any score."""
    scored = [p for p in points if p.result.score is not None]
    if not scored:
        return None
    lows = [p.result.ci_low for p in scored if p.result.ci_low is not None]
    highs = [p.result.ci_high for p in scored if p.result.ci_high is not None]
    low = max(-100.0, math.floor((min(lows) - 5) / 10) * 10)
    high = min(100.0, math.ceil((max(highs) + 5) / 10) * 10)
    if high - low < 20:
        low, high = max(-100.0, low - 10), min(100.0, high + 10)
    inner_h = HEIGHT - TOP - BOTTOM

    def y(value: float) -> float:
        return round(TOP + inner_h * (high - value) / (high - low), 1)

    xs = _x_positions(len(scored))
    dots = [Dot(x, y(p.result.score or 0.0), p) for x, p in zip(xs, scored, strict=True)]
    line = " ".join(f"{d.x},{d.y}" for d in dots)
    upper = [f"{x},{y(p.result.ci_high or 0.0)}" for x, p in zip(xs, scored, strict=True)]
    lower = [f"{x},{y(p.result.ci_low or 0.0)}" for x, p in zip(xs, scored, strict=True)]
    band = " ".join(upper + list(reversed(lower)))
    step = 10 if high - low <= 60 else 20 if high - low <= 120 else 50
    ticks = [Tick(v, y(v)) for v in range(int(low), int(high) + 1) if v % step == 0]
    every = _label_every(len(scored))
    fmt = "%b %Y" if period == "month" else "%d %b"
    labels = [(d.x, d.point.start.strftime(fmt)) for i, d in enumerate(dots) if i % every == 0]
    return TrendChart(
        WIDTH, HEIGHT, dots, line, band, ticks, labels, y(0) if low < 0 < high else None
    )


@dataclass(frozen=True)
class MixBar:
    x: float
    width: float
    point: Point
    # (category, y, height) from the top: promoters, passives, detractors
    parts: list[tuple[str, float, float]]


@dataclass(frozen=True)
class MixChart:
    width: int
    height: int
    bars: list[MixBar]
    labels: list[tuple[float, str]]


def mix_chart(points: Sequence[Point], period: str) -> MixChart | None:
    """Stacked bars of each period's shares of promoters, passives and detractors."""
    scored = [p for p in points if p.result.n]
    if not scored:
        return None
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = inner_w / len(scored)
    bar_w = round(max(2.0, slot * 0.7), 1)
    bars = []
    for i, p in enumerate(scored):
        r = p.result
        y = float(TOP)
        parts = []
        for name, count in (
            ("promoter", r.promoters),
            ("passive", r.passives),
            ("detractor", r.detractors),
        ):
            h = round(inner_h * count / r.n, 1)
            parts.append((name, round(y, 1), h))
            y += h
        bars.append(MixBar(round(LEFT + slot * i + (slot - bar_w) / 2, 1), bar_w, p, parts))
    every = _label_every(len(scored))
    fmt = "%b %Y" if period == "month" else "%d %b"
    labels = [
        (b.x + b.width / 2, b.point.start.strftime(fmt))
        for i, b in enumerate(bars)
        if i % every == 0
    ]
    return MixChart(WIDTH, HEIGHT, bars, labels)


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: float


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    labels: list[tuple[float, str]]
    top: float


def bar_chart(
    values: Sequence[tuple[str, float]], *, width: int = WIDTH, height: int = 160
) -> BarChart | None:
    """Plain bars from zero (a theme's share of comments per period, a proposal's weeks)."""
    if not values:
        return None
    top = max(v for _, v in values) or 1.0
    inner_w, inner_h = width - LEFT - RIGHT, height - TOP - BOTTOM
    slot = inner_w / len(values)
    bar_w = round(max(2.0, slot * 0.7), 1)
    bars = []
    for i, (label, value) in enumerate(values):
        h = round(inner_h * value / top, 1)
        x = round(LEFT + slot * i + (slot - bar_w) / 2, 1)
        bars.append(Bar(x, round(TOP + inner_h - h, 1), bar_w, h, label, value))
    every = _label_every(len(values))
    labels = [(b.x + b.width / 2, b.label) for i, b in enumerate(bars) if i % every == 0]
    return BarChart(width, height, bars, labels, top)
