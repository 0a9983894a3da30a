"""Charts drawn as inline SVG by the templates; here only their geometry (pure). No script,
no remote library: the page is the chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from storage.dashboard import ProvinceRow
from web.tilemap import COLUMNS, ROWS, TILES

BAR_HEIGHT = 16
BAR_GAP = 4
BAR_WIDTH = 520
LABEL_WIDTH = 150


@dataclass(frozen=True, slots=True)
class StackedBar:
    """One province as three segments: reported, in review, missing (x and widths in px)."""

    province: str
    y: int
    reported_w: float
    review_w: float
    missing_w: float
    row: ProvinceRow


def stacked_bars(rows: Sequence[ProvinceRow]) -> tuple[list[StackedBar], int]:
    """Bars of every province, most done first; (bars, the chart's height)."""
    ordered = sorted(rows, key=lambda r: (-r.done_share, r.province))
    bars = []
    for index, row in enumerate(ordered):
        scale = BAR_WIDTH / row.laos if row.laos else 0.0
        bars.append(
            StackedBar(
                province=row.province,
                y=index * (BAR_HEIGHT + BAR_GAP),
                reported_w=round(row.reported * scale, 1),
                review_w=round(row.in_review * scale, 1),
                missing_w=round(row.missing * scale, 1),
                row=row,
            )
        )
    return bars, max(1, len(bars) * (BAR_HEIGHT + BAR_GAP))


TILE = 46
TILE_GAP = 4
#: Fill by the share reported or waiting: (at least this share, colour, label).
SHADES = (
    (0.9, "#1b7837", "90% ขึ้นไป"),
    (0.7, "#5aae61", "70–89%"),
    (0.5, "#d9f0d3", "50–69%"),
    (0.25, "#fdb863", "25–49%"),
    (0.0, "#e66101", "ต่ำกว่า 25%"),
)
NO_LAOS = "#dddddd"


@dataclass(frozen=True, slots=True)
class Tile:
    province: str
    short: str
    x: int
    y: int
    fill: str
    row: ProvinceRow | None


def shade(share: float) -> str:
    return next(colour for floor, colour, _ in SHADES if share >= floor)


def tile_map(rows: Sequence[ProvinceRow]) -> tuple[list[Tile], int, int]:
    """The 77 tiles coloured by progress; (tiles, width, height)."""
    by_name = {row.province: row for row in rows}
    tiles = []
    for province, (column, line) in TILES.items():
        row = by_name.get(province)
        tiles.append(
            Tile(
                province=province,
                short=_short(province),
                x=column * (TILE + TILE_GAP),
                y=line * (TILE + TILE_GAP),
                fill=shade(row.done_share) if row is not None and row.laos else NO_LAOS,
                row=row,
            )
        )
    return tiles, COLUMNS * (TILE + TILE_GAP), ROWS * (TILE + TILE_GAP)


def _short(province: str) -> str:
    if province == "กรุงเทพมหานคร":
        return "กทม."
    if province == "พระนครศรีอยุธยา":
        return "อยุธยา"
    return province[:5]


@dataclass(frozen=True, slots=True)
class Column:
    day: date
    count: int
    x: float
    height: float


ARRIVALS_HEIGHT = 120
ARRIVALS_WIDTH = 700


def arrival_columns(days: Sequence[tuple[date, int]]) -> tuple[list[Column], int]:
    """Forms per day as columns; (columns, the largest count)."""
    if not days:
        return [], 0
    peak = max(count for _, count in days) or 1
    step = ARRIVALS_WIDTH / len(days)
    return [
        Column(day, count, round(index * step, 1), round(count / peak * ARRIVALS_HEIGHT, 1))
        for index, (day, count) in enumerate(days)
    ], peak
