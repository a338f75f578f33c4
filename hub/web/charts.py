"""Charts drawn on the server as SVG: no chart library, no script, nothing to fetch.

Pure geometry on plain numbers; the template only places the shapes computed here.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class Series:
    name: str  # CSS class of the line: received | concluded
    label: str
    points: str  # the polyline's "x,y x,y ..."
    dots: list[tuple[float, float, int]]  # (x, y, value) for each day


@dataclasses.dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    left: int
    bottom: int  # y of the x axis
    right: int
    top: int
    y_ticks: list[tuple[float, int]]  # (y, value)
    x_labels: list[tuple[float, str]]  # (x, "11-30")
    series: list[Series]
    days: int


def nice_ceiling(value: int) -> int:
    """The axis top: four equal whole steps of 1, 2 or 5 times a power of ten, at least
    ``value`` (so each of the five tick labels is a whole number of cases)."""
    unit_needed = max(1, math.ceil(value / 4))
    power = 10 ** int(math.floor(math.log10(unit_needed)))
    unit = next(step * power for step in (1, 2, 5, 10) if step * power >= unit_needed)
    return 4 * unit


def line_chart(days: Sequence[dt.date], series: Mapping[str, tuple[str, Sequence[int]]], *,
               width: int = 640, height: int = 240) -> LineChart:
    """Daily counts as lines over ``days`` (x) with a shared y axis from 0."""
    left, right, top, bottom = 44, width - 14, 14, height - 30
    top_value = nice_ceiling(max((v for _, values in series.values() for v in values), default=0))
    span_x = (right - left) / max(1, len(days) - 1)

    def x(i: int) -> float:
        return round(left + i * span_x, 1)

    def y(v: int) -> float:
        return round(bottom - (bottom - top) * v / top_value, 1)

    ticks = [(y(top_value * k // 4), top_value * k // 4) for k in range(5)]
    every = max(1, math.ceil(len(days) / 8))  # at most ~8 labels under the axis
    labels = [(x(i), f"{d:%m-%d}") for i, d in enumerate(days) if i % every == 0]
    drawn = []
    for name, (label, values) in series.items():
        dots = [(x(i), y(v), v) for i, v in enumerate(values)]
        drawn.append(Series(name=name, label=label, dots=dots,
                            points=" ".join(f"{px},{py}" for px, py, _ in dots)))
    return LineChart(width=width, height=height, left=left, bottom=bottom, right=right, top=top,
                     y_ticks=ticks, x_labels=labels, series=drawn, days=len(days))
