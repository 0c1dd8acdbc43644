"""Outputs that need no map: each delegate's calendar, the coordinator's workbook and CSV files.

:func:`write_exports` writes ``delegates/<id>.ics`` (for every delegate on at least one
group, and after a re-plan for every delegate whose events were cancelled, so that calendars
drop them), ``workbook.xlsx`` and ``csv/<table>.csv`` into a folder and returns the paths,
sorted. The same plan gives the same bytes.
"""

from __future__ import annotations

from pathlib import Path

from findhz.planner.exports.atomic import atomic_output_dir
from findhz.planner.exports.ics import cancelled_events, delegate_calendar, plan_stamp
from findhz.planner.exports.tables import TABLE_NAMES, Table, build_tables, sorted_groups
from findhz.planner.exports.workbook import workbook_bytes, write_csv
from findhz.planner.models import Plan, Scenario, rides

__all__ = [
    "TABLE_NAMES",
    "Table",
    "atomic_output_dir",
    "build_tables",
    "delegate_calendar",
    "write_exports",
]


def write_exports(plan: Plan, scenario: Scenario, out_dir: Path) -> list[Path]:
    """Write the calendars, the workbook and the CSV files of a plan into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    by_delegate = rides(sorted_groups(plan, scenario))
    delegates_dir = out_dir / "delegates"
    delegates_dir.mkdir(exist_ok=True)
    stamp = plan_stamp(plan)  # once: it reads every stop of the plan
    shared: dict[tuple[str, int, int], bytes] = {}  # each bus's events, serialised once
    for delegate in sorted(scenario.delegates, key=lambda d: d.id):
        groups = by_delegate.get(delegate.id, [])
        if not groups and not cancelled_events(plan, delegate.id):
            continue
        path = delegates_dir / f"{delegate.id}.ics"
        path.write_bytes(
            delegate_calendar(plan, scenario, delegate, groups, stamp=stamp, shared=shared)
        )
        paths.append(path)
    tables = build_tables(plan, scenario)
    workbook = out_dir / "workbook.xlsx"
    workbook.write_bytes(workbook_bytes(tables, stamp))
    paths.append(workbook)
    paths.extend(write_csv(tables, out_dir / "csv"))
    return sorted(paths)
