"""Timelines of a plan as inline SVG: arrivals at each venue (a Gantt chart) and each bus's day.

Every text that comes from the data is escaped; the charts are plain SVG, so they print and
need no script.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from markupsafe import Markup, escape

from findhz.planner.models import Plan, Scenario, format_clock

__all__ = ["bus_timelines", "venue_gantt"]

_ROW = 22
_LABEL = 230
_WIDTH = 980
_PALETTE = (
    "#1b6ca8",
    "#d1495b",
    "#2a9d8f",
    "#e9a03b",
    "#6a4c93",
    "#3d8361",
    "#c05299",
    "#4f6d7a",
    "#b5651d",
    "#0081a7",
    "#7b2cbf",
    "#588157",
)


def _minutes(moment: dt.datetime | None) -> int | None:
    return None if moment is None else moment.hour * 60 + moment.minute


def _colour(route: str, routes: list[str]) -> str:
    return _PALETTE[routes.index(route) % len(_PALETTE)] if route in routes else "#777"


def _axis(start: int, end: int, height: int) -> list[str]:
    parts = []
    span = max(1, end - start)
    for hour in range(start // 60, end // 60 + 1):
        x = _LABEL + (hour * 60 - start) / span * (_WIDTH - _LABEL - 10)
        if x < _LABEL:
            continue
        parts.append(
            f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height}" stroke="#ddd"/>'
            f'<text x="{x:.1f}" y="11" font-size="10" text-anchor="middle">{hour:02d}:00</text>'
        )
    return parts


def venue_gantt(plan: Plan, scenario: Scenario, date: dt.date) -> Markup:
    """One row per venue visited on ``date``, one bar per bus at it (start to end of visit)."""
    routes = list(scenario.routes)
    rows: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
    for group in plan.groups:
        if group.date != date:
            continue
        for stop in group.stops:
            if stop.kind not in ("visit", "lunch"):
                continue
            begin, finish = _minutes(stop.start or stop.arrive), _minutes(stop.end or stop.depart)
            if begin is None or finish is None:
                continue
            rows[stop.venue].append((begin, finish, group.route, group.id))
    return _chart(
        f"arrivals-{date.isoformat()}",
        [
            (scenario.venues[v].name.en if v in scenario.venues else v, bars)
            for v, bars in sorted(rows.items())
        ],
        scenario.spec.day.start,
        scenario.spec.day.end,
        routes,
        f"Visits at each venue on {date.isoformat()}",
    )


def bus_timelines(plan: Plan, scenario: Scenario, date: dt.date) -> Markup:
    """One row per bus on ``date``: its visits and lunch, in route colours, travel between."""
    routes = list(scenario.routes)
    rows = []
    for group in plan.groups:
        if group.date != date:
            continue
        bars = []
        for stop in group.stops:
            begin, finish = _minutes(stop.start or stop.arrive), _minutes(stop.end or stop.depart)
            if stop.kind in ("visit", "lunch") and begin is not None and finish is not None:
                label = (
                    scenario.venues[stop.venue].name.en
                    if stop.venue in scenario.venues
                    else stop.venue
                )
                bars.append((begin, finish, group.route if stop.kind == "visit" else "", label))
        rows.append((f"{group.id} ({len(group.delegates)}/{group.seats})", bars))
    return _chart(
        f"buses-{date.isoformat()}",
        rows,
        scenario.spec.day.start,
        scenario.spec.day.end,
        routes,
        f"Each bus's day on {date.isoformat()}",
    )


def _chart(
    ident: str,
    rows: list[tuple[str, list[tuple[int, int, str, str]]]],
    start: int,
    end: int,
    routes: list[str],
    title: str,
) -> Markup:
    height = 20 + _ROW * max(1, len(rows))
    span = max(1, end - start)
    scale = (_WIDTH - _LABEL - 10) / span
    parts = [
        f'<svg class="chart" id="{escape(ident)}" role="img" viewBox="0 0 {_WIDTH} {height}" '
        f'width="{_WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>",
        *_axis(start, end, height),
    ]
    for i, (label, bars) in enumerate(rows):
        y = 18 + i * _ROW
        parts.append(f'<text x="4" y="{y + 14}" font-size="11">{escape(label[:38])}</text>')
        for begin, finish, route, text in bars:
            x = _LABEL + (max(begin, start) - start) * scale
            w = max(2.0, (min(finish, end) - max(begin, start)) * scale)
            colour = _colour(route, routes) if route else "#bbb"
            tip = f"{format_clock(begin)}-{format_clock(finish)} {text}"
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{_ROW - 6}" '
                f'fill="{colour}" opacity="0.8"><title>{escape(tip)}</title></rect>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))
