"""A floor plan drawn from a center's windows: pure layout, no I/O. The page renders the
boxes as inline SVG (no external assets); the window for the chosen item is highlighted.

The hall is drawn the way citizens meet it: the entrance at the bottom, the counters in
rows from the back wall, numbered in the administrator's order, a waiting area between.
"""
from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterable, Sequence

WIDTH = 360  # viewBox units: a phone's width, scaled up on a desktop
MARGIN = 12
GAP = 8
BOX_HEIGHT = 64
WAITING_HEIGHT = 56
ENTRANCE_WIDTH = 96
MAX_COLUMNS = 4
NAME_CHARACTERS = 6  # what fits under the number in a box a quarter of the width


@dataclasses.dataclass(frozen=True)
class Counter:
    window: str
    name: str
    label: str  # the name shortened to fit
    x: int
    y: int
    width: int
    height: int
    highlighted: bool

    @property
    def centre_x(self) -> int:
        return self.x + self.width // 2


@dataclasses.dataclass(frozen=True)
class FloorPlan:
    floor: int
    width: int
    height: int
    counters: tuple[Counter, ...]
    waiting: tuple[int, int, int, int]  # x, y, width, height
    entrance: tuple[int, int, int]  # x, y, width (a gap in the front wall)

    @property
    def highlighted(self) -> tuple[Counter, ...]:
        return tuple(c for c in self.counters if c.highlighted)

    @property
    def way_in(self) -> str:
        """What the gap in the front wall leads to: the street on the ground floor, the
        stairs and lifts above it."""
        return "入口" if self.floor <= 1 else "楼梯、电梯"


@dataclasses.dataclass(frozen=True)
class WindowSpot:
    """What the layout needs of a window."""

    window: str
    floor: int
    name: str
    service_items: tuple[str, ...]


def shorten(name: str, limit: int = NAME_CHARACTERS) -> str:
    return name if len(name) <= limit else name[:limit - 1] + "…"


def lay_out(floor: int, windows: Sequence[WindowSpot], item: str | None = None) -> FloorPlan:
    """The plan of one floor: its windows in rows of up to four, in the order given."""
    columns = max(1, min(MAX_COLUMNS, len(windows)))
    rows = max(1, math.ceil(len(windows) / columns))
    box_width = (WIDTH - 2 * MARGIN - (columns - 1) * GAP) // columns
    counters = []
    for index, spot in enumerate(windows):
        row, column = divmod(index, columns)
        counters.append(Counter(
            window=spot.window, name=spot.name, label=shorten(spot.name),
            x=MARGIN + column * (box_width + GAP), y=MARGIN + row * (BOX_HEIGHT + GAP),
            width=box_width, height=BOX_HEIGHT,
            highlighted=item is not None and item in spot.service_items))
    waiting_y = MARGIN + rows * (BOX_HEIGHT + GAP) + GAP
    height = waiting_y + WAITING_HEIGHT + GAP + MARGIN
    return FloorPlan(floor=floor, width=WIDTH, height=height, counters=tuple(counters),
                     waiting=(MARGIN, waiting_y, WIDTH - 2 * MARGIN, WAITING_HEIGHT),
                     entrance=((WIDTH - ENTRANCE_WIDTH) // 2, height, ENTRANCE_WIDTH))


def floor_plans(windows: Iterable[WindowSpot], item: str | None = None) -> list[FloorPlan]:
    """One plan per floor, lowest first."""
    by_floor: dict[int, list[WindowSpot]] = {}
    for spot in windows:
        by_floor.setdefault(spot.floor, []).append(spot)
    return [lay_out(floor, spots, item) for floor, spots in sorted(by_floor.items())]


__all__ = ["Counter", "FloorPlan", "WindowSpot", "floor_plans", "lay_out", "shorten"]
