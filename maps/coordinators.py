"""What the coordinators' index shows besides links: what is wrong, the plan's figures by name
and unit, and each venue's load against its capacity through the day."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from findhz.maps.morning import Bus
from findhz.maps.text import clock, day_label
from findhz.planner.metrics import PlanMetrics
from findhz.planner.models import Bilingual, Group, Plan, Scenario

__all__ = ["Problem", "find_problems", "named_metrics", "venue_load"]

#: A bus is thin when fewer than this share of its seats are taken.
THIN_SHARE = 1 / 3
#: A group is near a venue's limit when it is at least this share of ``max_group``.
NEAR_MAX_GROUP = 0.9


@dataclass(frozen=True)
class Problem:
    """One thing for a coordinator to look at, with a link to where it is."""

    kind: str
    title: Bilingual
    detail: str
    href: str


def find_problems(
    plan: Plan, scenario: Scenario, groups: list[Group], buses: dict[str, Bus]
) -> list[Problem]:
    """Unplaced delegates, thin buses, venues at or near capacity, and approximate locations
    of must-visit venues, in that order."""
    out: list[Problem] = []
    names = {d.id: d.name for d in scenario.delegates}
    for u in sorted(plan.unassigned, key=lambda u: u.delegate):
        out.append(
            Problem(
                "unplaced",
                Bilingual(f"Not placed: {names.get(u.delegate, u.delegate)}", "未安排"),
                u.reason,
                f"#unassigned-{u.delegate}",
            )
        )
    for group in groups:
        riders = len(group.delegates)
        if riders < max(scenario.min_riders(group.route), math.ceil(group.seats * THIN_SHARE)):
            day = day_label(group.date)
            out.append(
                Problem(
                    "thin-bus",
                    Bilingual(
                        f"Thin bus: {buses[group.id].label.en}, {day.en}",
                        f"{buses[group.id].label.zh}乘客少",
                    ),
                    f"{riders} of {group.seats} seats taken "
                    f"({scenario.routes[group.route].title.en})",
                    f"maps/{group.id}.html",
                )
            )
    for row in venue_load(scenario, groups, buses):
        for venue_row in row["venues"]:
            if venue_row["full"] or venue_row["near_max"]:
                reasons = []
                if venue_row["full"]:
                    reasons.append(
                        f"{venue_row['peak']} of {venue_row['venue'].concurrent_groups} groups "
                        f"at once at {venue_row['peak_at']}"
                    )
                if venue_row["near_max"]:
                    reasons.append(
                        f"a group of {venue_row['largest']} (receives at most "
                        f"{venue_row['venue'].max_group})"
                    )
                out.append(
                    Problem(
                        "near-capacity",
                        Bilingual(
                            f"Near capacity: {venue_row['venue'].name.en}, {row['day'].en}",
                            f"{venue_row['venue'].name.zh}接近容量",
                        ),
                        "; ".join(reasons),
                        f"#load-{row['date']}-{venue_row['venue'].id}",
                    )
                )
    known = {g.id for g in groups}
    for gid in sorted(scenario.spec.morning.buses):
        if gid not in known:
            out.append(
                Problem(
                    "unknown-bus",
                    Bilingual(
                        f"Bus details for a group not in this plan: {gid}",
                        "车辆信息对应的分组不存在",
                    ),
                    "morning.buses in the scenario names it; check the group id against this "
                    "plan's (the delegates table below, or the workbook)",
                    "#delegates",
                )
            )
    visited = {s.venue for g in groups for s in g.stops}
    must = sorted(
        {vid for g in groups for vid in scenario.routes[g.route].must_visit if vid in visited}
    )
    for vid in must:
        venue = scenario.venues[vid]
        if venue.location.confidence == "low":
            out.append(
                Problem(
                    "approximate",
                    Bilingual(
                        f"Approximate location of a must-visit: {venue.name.en}",
                        f"必访单位位置为估计：{venue.name.zh}",
                    ),
                    f"confidence low; source: {_short(venue.location.source)}",
                    f"hosts/{vid}.html",
                )
            )
    return out


def venue_load(
    scenario: Scenario, groups: list[Group], buses: dict[str, Bus]
) -> list[dict[str, Any]]:
    """Per day, each visited venue's visits as blocks on the day's time line, in lanes so that
    overlapping visits sit one above the other; ``peak`` is the most groups at once."""
    tz = scenario.tz()
    start_min, end_min = scenario.spec.day.start, scenario.spec.day.end
    span = max(end_min - start_min, 1)
    by_date: dict[dt.date, dict[str, list[tuple[Group, Any]]]] = {}
    for group in groups:
        for stop in group.stops:
            if stop.kind in ("visit", "lunch") and stop.start and stop.end:
                by_date.setdefault(group.date, {}).setdefault(stop.venue, []).append((group, stop))
    ticks = [
        {"left": round((h * 60 - start_min) / span * 100, 2), "label": f"{h:02d}"}
        for h in range(math.ceil(start_min / 60), end_min // 60 + 1)
    ]
    days = []
    for date in sorted(by_date):
        rows = []
        for vid in sorted(by_date[date], key=lambda v: scenario.venues[v].name.en):
            venue = scenario.venues[vid]
            visits = sorted(by_date[date][vid], key=lambda gs: (gs[1].start, gs[0].id))
            lanes: list[dt.datetime] = []
            blocks = []
            for group, stop in visits:
                lane = next((i for i, end in enumerate(lanes) if end <= stop.start), None)
                if lane is None:
                    lanes.append(stop.end)
                    lane = len(lanes) - 1
                else:
                    lanes[lane] = stop.end
                begin = _minutes(stop.start, tz)
                finish = _minutes(stop.end, tz)
                blocks.append(
                    {
                        "lane": lane,
                        "left": round((begin - start_min) / span * 100, 2),
                        "width": round(max(finish - begin, 1) / span * 100, 2),
                        "color": scenario.routes[group.route].color,
                        "label": f"{clock(stop.start, tz)}–{clock(stop.end, tz)} · "
                        f"{buses[group.id].label.en} · {len(group.delegates)} people · "
                        f"{stop.kind}",
                        "people": len(group.delegates),
                    }
                )
            peak, peak_at = _peak(visits, tz)
            largest = max(len(g.delegates) for g, _ in visits)
            # At its limit (when it takes several groups at once), or over it.
            full = peak > venue.concurrent_groups or (
                peak == venue.concurrent_groups and venue.concurrent_groups > 1
            )
            rows.append(
                {
                    "venue": venue,
                    "blocks": blocks,
                    "lanes": max(len(lanes), venue.concurrent_groups),
                    "capacity": venue.concurrent_groups,
                    "peak": peak,
                    "peak_at": peak_at,
                    "largest": largest,
                    "full": full,
                    "near_max": largest >= NEAR_MAX_GROUP * venue.max_group,
                }
            )
        days.append(
            {"date": date.isoformat(), "day": day_label(date), "venues": rows, "ticks": ticks}
        )
    return days


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _minutes(moment: dt.datetime, tz: dt.tzinfo) -> int:
    local = moment.astimezone(tz)
    return local.hour * 60 + local.minute


def _peak(visits: list[tuple[Group, Any]], tz: dt.tzinfo) -> tuple[int, str]:
    """The most visits at once, and when that first happens."""
    events = sorted(
        [(stop.start, 1) for _, stop in visits] + [(stop.end, -1) for _, stop in visits],
        key=lambda e: (e[0], e[1]),
    )
    now = best = 0
    when = ""
    for moment, change in events:
        now += change
        if now > best:
            best, when = now, clock(moment, tz)
    return best, when


#: The plan's figures by name and unit: key -> (English, Chinese, unit, scale).
_METRICS: dict[str, tuple[str, str, str, float]] = {
    "delegates_placed": ("Delegates placed", "已安排嘉宾", "people", 1),
    "delegates_unassigned": ("Delegates not placed", "未安排嘉宾", "people", 1),
    "buses": ("Bus-days", "车辆·天", "bus-days", 1),
    "groups": ("Groups", "分组", "groups", 1),
    "visits": ("Visits", "参观站次", "stops", 1),
    "bus_time_s": ("Bus time, base to base", "车辆运行时间", "hours", 1 / 3600),
    "drive_time_s": ("Time on the road", "行车时间", "hours", 1 / 3600),
    "cost_cny": ("Cost of buses and staff", "车辆与人员费用", "CNY", 1),
    "objective_cny": (
        "Cost plus rank steps at the exchange rate",
        "费用加志愿折价",
        "CNY",
        1,
    ),
    "rank_steps": ("Steps down delegates' rankings", "志愿下降级数", "steps", 1),
    "cny_per_rank_step": ("Exchange rate", "每级志愿折价", "CNY per step", 1),
    "share_first_or_second_choice": ("On a first or second choice", "第一或第二志愿", "%", 100),
    "satisfaction_worst": ("Worst-off delegate's satisfaction", "最低满意度", "points", 1),
    "satisfaction_total": ("Total satisfaction", "总满意度", "points", 1),
}
_STATUS = {
    "OPTIMAL": "proven optimal",
    "FEASIBLE": "feasible (stopped at its work limit)",
    "BOUND": "decided by the bound",
}


def named_metrics(metrics: PlanMetrics) -> list[dict[str, str]]:
    """The plan's plain figures with a name and a unit; figures findhz has no name for are
    listed under their key, after the named ones."""
    rows = []
    values = dict(metrics.scalars())
    for key, (en, zh, unit, scale) in _METRICS.items():
        value = values.get(key)
        if not isinstance(value, int | float):
            continue
        shown = value * scale
        text = f"{shown:,.1f}" if scale != 1 else f"{shown:,}"
        rows.append({"key": key, "en": en, "zh": zh, "value": text, "unit": unit})
    status = values.get("assignment_status")
    if isinstance(status, str):
        stages = [_STATUS.get(part, part.lower()) for part in status.split("/")]
        rows.append(
            {
                "key": "assignment_status",
                "en": "Assignment solver, stage by stage",
                "zh": "分配求解各阶段",
                "value": " / ".join(stages),
                "unit": "",
            }
        )
    for key, value in sorted(values.items()):
        if key in _METRICS or key == "assignment_status":
            continue
        rows.append({"key": key, "en": key, "zh": "", "value": str(value), "unit": ""})
    return rows
