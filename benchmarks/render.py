"""How long writing the whole output folder takes for a scenario (default: the bundled one).

Run: ``python benchmarks/render.py [SCENARIO] [--plan plan.json] [--runs 5]``.

Without ``--plan`` the scenario is planned first (offline travel times, the CLI's default
budget and seed 0); that time is not part of the figure. The figure is the wall time of what
``findhz plan`` does after planning: ``plan.json``, ``write_exports`` (calendars, workbook,
CSV) and ``render_site`` (maps, delegate and host pages, index) into a fresh folder that
replaces the previous one, as the median and the slowest of ``--runs`` runs after one warm-up.
It also reports the folder's size and its largest page (each page must stay under 1.5 MB).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from findhz.maps import render_site
from findhz.planner.bundled import DEFAULT_SCENARIO, scenario_path
from findhz.planner.exports import atomic_output_dir, write_exports
from findhz.planner.loading import load_scenario
from findhz.planner.models import Plan, Scenario


def _plan(scenario: Scenario, plan_file: Path | None) -> Plan:
    if plan_file is not None:
        return Plan.model_validate_json(plan_file.read_text(encoding="utf-8"))
    from findhz.planner.planning import make_plan
    from findhz.planner.travel import build_matrix

    plan, _report = make_plan(scenario, build_matrix(scenario, "offline", use_cache=False))
    return plan


def _write(plan: Plan, scenario: Scenario, final: Path) -> None:
    with atomic_output_dir(final) as work:
        (work / "plan.json").write_text(plan.model_dump_json(indent=2) + "\n", encoding="utf-8")
        write_exports(plan, scenario, work)
        render_site(plan, scenario, work)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default=DEFAULT_SCENARIO)
    parser.add_argument("--plan", type=Path, default=None, help="an existing plan.json")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    scenario = load_scenario(scenario_path(args.scenario))
    plan = _plan(scenario, args.plan)
    with tempfile.TemporaryDirectory() as tmp:
        final = Path(tmp) / "out"
        _write(plan, scenario, final)  # warm-up: imports, template compilation
        seconds = []
        for _ in range(args.runs):
            started = time.perf_counter()
            _write(plan, scenario, final)
            seconds.append(time.perf_counter() - started)
        files = [p for p in final.rglob("*") if p.is_file()]
        pages = [p for p in files if p.suffix == ".html"]
        largest = max(pages, key=lambda p: p.stat().st_size)
        total_mb = sum(p.stat().st_size for p in files) / 1e6
        delegates = len(scenario.delegates)
        print(
            f"{scenario.id}: {len(plan.groups)} groups, {delegates} delegates -> "
            f"{len(files)} files ({len(pages)} pages), {total_mb:.1f} MB"
        )
        print(f"largest page {largest.relative_to(final)}: {largest.stat().st_size / 1e6:.2f} MB")
        print(
            f"write the whole folder: median {statistics.median(seconds):.2f} s, "
            f"slowest {max(seconds):.2f} s over {args.runs} runs"
        )


if __name__ == "__main__":
    main()
