"""The overview: where the campaign stands against the deadline, nationally and by province
(a sortable table, stacked bars, the tile map), forms per day, and the figures reported."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.responses import Response

from core.dates import BANGKOK
from storage.dashboard import (
    ProvinceRow,
    arrivals_per_day,
    data_version,
    open_reviews,
    progress,
)
from web.charts import (
    ARRIVALS_HEIGHT,
    ARRIVALS_WIDTH,
    BAR_HEIGHT,
    BAR_WIDTH,
    LABEL_WIDTH,
    SHADES,
    TILE,
    arrival_columns,
    stacked_bars,
    tile_map,
)
from web.guard import Ctx

SORTS: dict[str, tuple[str, Callable[[ProvinceRow], Any]]] = {
    "province": ("จังหวัด", lambda r: r.province),
    "laos": ("อปท. ทั้งหมด", lambda r: r.laos),
    "reported": ("รับแล้ว", lambda r: r.reported),
    "in_review": ("รอตรวจสอบ", lambda r: r.in_review),
    "missing": ("ยังไม่ส่ง", lambda r: r.missing),
    "done": ("ส่งแล้ว (%)", lambda r: r.done_share),
    "green": ("พื้นที่สีเขียว (ตร.ม.)", lambda r: r.green_area_m2),
    "per_capita": ("ต่อประชากร (ตร.ม./คน)", lambda r: r.per_capita_m2 or 0.0),
}


def overview(ctx: Ctx) -> Response:
    params = ctx.request.query_params
    sort = params.get("sort", "province")
    if sort not in SORTS:
        sort = "province"
    descending = params.get("dir") == "desc"
    with ctx.services.sessions() as session:
        rows, total, arrivals, reviews = ctx.web.memo.get(
            "overview",
            data_version(session),
            lambda: (*progress(session), arrivals_per_day(session), open_reviews(session)),
        )
    campaign = ctx.services.config.campaign
    today = ctx.services.clock().astimezone(BANGKOK).date()
    ordered = sorted(rows, key=SORTS[sort][1], reverse=descending)
    bars, bars_height = stacked_bars(rows)
    tiles, map_width, map_height = tile_map(rows)
    columns, peak = arrival_columns(arrivals)
    return ctx.render(
        "overview.html",
        title="ภาพรวม",
        rows=ordered,
        total=total,
        reviews=reviews,
        deadline=campaign.deadline,
        days_left=(campaign.deadline - today).days,
        sorts=SORTS,
        sort=sort,
        descending=descending,
        bars=bars,
        bars_height=bars_height,
        bar_height=BAR_HEIGHT,
        bar_width=BAR_WIDTH,
        label_width=LABEL_WIDTH,
        tiles=tiles,
        tile=TILE,
        map_width=map_width,
        map_height=map_height,
        shades=SHADES,
        arrivals=columns,
        arrivals_total=sum(count for _, count in arrivals),
        peak=peak,
        arrivals_height=ARRIVALS_HEIGHT,
        arrivals_width=ARRIVALS_WIDTH,
    )
