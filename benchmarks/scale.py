"""Scale: seeded synthetic conference weeks, planned end to end by ``findhz plan``.

:func:`generate_week` writes a scenario folder in the formats of ``routes/`` (venues.yaml,
themes.yaml, scenario.yaml, delegates.csv): the venue catalogue is the bundled one cloned to
the requested size (each clone a few kilometres from its template, same hours, capacities
and themes), the 11 themed routes draw their pools from the clones of their own venues, and
the delegates are synthetic (made-up names, 2 to 4 ranked route interests, some of them
available on only part of the week). The same arguments give the same bytes.

:func:`measure_plan` runs ``findhz plan`` on it in a fresh process and reports wall time and
the peak resident memory of that process.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
import re
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from findhz.planner.bundled import bundled_routes

__all__ = ["ScaleRun", "generate_week", "measure_plan", "run_scale"]

WEEK = [dt.date(2024, 11, 18) + dt.timedelta(days=i) for i in range(5)]  # Mon to Fri
BASE = "hiec"
_SYLLABLES = ("ka", "lo", "mi", "ren", "sa", "tor", "vi", "zen", "du", "fa", "ho", "jun", "ne")
_COUNTRIES = (
    "France", "Germany", "Kenya", "Brazil", "Japan", "Canada", "India", "Italy", "Egypt",
    "Australia", "Singapore", "Mexico", "Spain", "Poland", "Chile", "Vietnam", "Nigeria",
    "Sweden", "Turkey", "Thailand",
)  # fmt: skip


@dataclass(frozen=True)
class ScaleRun:
    delegates: int
    venues: int
    days: int
    buses: int
    seed: int
    seconds: float
    peak_mib: float
    feasible: bool
    groups: int
    unassigned: int
    planned_s: float | None = None
    message: str = ""


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((bundled_routes() / name).read_text())
    return data


def _name(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(parts)).capitalize()


def generate_week(
    folder: Path,
    *,
    delegates: int,
    venues: int,
    seed: int,
    days: int = 5,
    buses_per_day: int = 50,
) -> Path:
    """Write a synthetic conference week into ``folder``; return the scenario file."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    catalogue = _load("venues.yaml")["venues"]
    base = next(v for v in catalogue if v["id"] == BASE)
    templates = sorted((v for v in catalogue if v["id"] != BASE), key=lambda v: v["id"])
    clones: list[dict[str, Any]] = []
    clones_of: dict[str, list[str]] = {}
    for i in range(venues):
        template = templates[i % len(templates)]
        clone = json.loads(json.dumps(template, default=str))
        copy_no = i // len(templates) + 1
        clone["id"] = f"{template['id']}-{copy_no}"
        clone["name"] = {
            "en": f"{template['name']['en']} #{copy_no}",
            "zh": f"{template['name']['zh']}#{copy_no}",
        }
        location = clone["location"]
        location["lat"] = round(location["lat"] + rng.uniform(-0.03, 0.03), 5)
        location["lon"] = round(location["lon"] + rng.uniform(-0.03, 0.03), 5)
        location["confidence"] = "low"
        location["source"] = f"synthetic: {template['id']} moved by up to 3 km (seed {seed})"
        clone["closed"] = []  # an ordinary week
        clones.append(clone)
        clones_of.setdefault(template["id"], []).append(clone["id"])
    (folder / "venues.yaml").write_text(
        yaml.safe_dump({"venues": [base, *clones]}, allow_unicode=True, sort_keys=False)
    )

    routes = []
    for route in _load("themes.yaml")["routes"]:
        pool = [
            {"id": clone_id, "weight": entry["weight"]}
            for entry in route["venues"]
            for clone_id in clones_of.get(entry["id"], [])
        ]
        if len(pool) < route["min_stops"]:
            continue
        must = [clones_of[m][0] for m in route.get("must_visit", []) if m in clones_of]
        routes.append({**route, "venues": pool, "must_visit": must})
    (folder / "themes.yaml").write_text(
        yaml.safe_dump({"routes": routes}, allow_unicode=True, sort_keys=False)
    )

    dates = WEEK[:days]
    route_ids = [r["id"] for r in routes]
    with (folder / "delegates.csv").open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(
            ["id", "name", "country", "organisation", "field", "interests", "languages",
             "available", "needs", "note"]
        )  # fmt: skip
        for d in range(1, delegates + 1):
            interests = rng.sample(route_ids, k=min(len(route_ids), rng.randint(2, 4)))
            available = (
                sorted(rng.sample(dates, k=rng.randint(1, len(dates))))
                if rng.random() < 0.4
                else []
            )
            writer.writerow(
                [
                    f"D{d:04d}",
                    f"{_name(rng, 2)} {_name(rng, 3)}",
                    rng.choice(_COUNTRIES),
                    f"{_name(rng, 3)} Institute",
                    "",
                    ";".join(interests),
                    "en",
                    ";".join(day.isoformat() for day in available),
                    "vegetarian" if rng.random() < 0.05 else "",
                    "synthetic",
                ]
            )
    scenario = {
        "id": f"scale-{delegates}-{venues}",
        "name": {
            "en": f"Scale test: {delegates} delegates, {venues} venues (synthetic)",
            "zh": f"规模测试：{delegates}名代表、{venues}个场馆（模拟数据）",
        },
        "timezone": "Asia/Shanghai",
        "dates": [day.isoformat() for day in dates],
        "base": BASE,
        "day": {"start": "08:30", "end": "18:00"},
        "lunch": {"window": ["11:30", "13:00"], "minutes": 60},
        "fleet": [
            {"id": "coach-49", "seats": 49, "count": buses_per_day // 2},
            {"id": "minibus-19", "seats": 19, "count": buses_per_day - buses_per_day // 2},
        ],
        "routes": route_ids,
        "delegates": "delegates.csv",
        "catalogue": "venues.yaml",
        "themes": "themes.yaml",
        "synthetic": True,
    }
    path = folder / "scenario.yaml"
    path.write_text(yaml.safe_dump(scenario, allow_unicode=True, sort_keys=False))
    return path


def _child_main(argv: list[str]) -> None:
    """Run ``argv`` as a child, then print its wall time, exit code and peak memory (KiB)."""
    started = time.perf_counter()
    done = subprocess.run(argv, check=False, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    tail = done.stderr.strip().splitlines()[-1:] if done.returncode else []
    planned = re.search(r"planned in ([0-9.]+) s", done.stdout)
    written = re.search(r"written in ([0-9.]+) s", done.stdout)
    print(
        json.dumps(
            {
                "seconds": seconds,
                "code": done.returncode,
                "peak_kib": peak_kib,
                "error": tail,
                "planned_s": float(planned.group(1)) if planned else None,
                "written_s": float(written.group(1)) if written else None,
            }
        )
    )


def measure_plan(
    scenario: Path, out: Path, *, time_limit_s: float, seed: int
) -> tuple[float, float, int, str, float | None]:
    """Plan ``scenario`` with ``findhz plan`` in a fresh process: seconds, peak MiB, exit
    code, the last line of its error output, and the planning time it reports."""
    findhz = [sys.executable, "-c", "from findhz.cli import main; main()"]
    command = [
        *findhz, "plan", str(scenario), "--out", str(out),
        "--time-limit", str(time_limit_s), "--seed", str(seed),
    ]  # fmt: skip
    wrapper = [sys.executable, "-m", "findhz.benchmarks.scale", *command]
    result = subprocess.run(wrapper, check=True, capture_output=True, text=True)
    report = json.loads(result.stdout.strip().splitlines()[-1])
    error = " ".join(report["error"])
    return (
        float(report["seconds"]),
        report["peak_kib"] / 1024,
        int(report["code"]),
        error,
        report["planned_s"],
    )


def run_scale(
    folder: Path, delegates: int, venues: int, seed: int, time_limit_s: float, buses: int = 50
) -> ScaleRun:
    scenario = generate_week(
        folder / f"week-{delegates}-{venues}-{seed}",
        delegates=delegates,
        venues=venues,
        seed=seed,
        buses_per_day=buses,
    )
    out = scenario.parent / "out"
    seconds, peak, code, error, planned = measure_plan(
        scenario, out, time_limit_s=time_limit_s, seed=seed
    )
    groups = unassigned = 0
    plan_file = out / "plan.json"
    if code == 0 and plan_file.exists():
        plan = json.loads(plan_file.read_text())
        groups = len(plan.get("groups", []))
        unassigned = len(plan.get("unassigned", []))
    return ScaleRun(
        delegates=delegates,
        venues=venues,
        days=len(WEEK),
        buses=buses,
        seed=seed,
        seconds=round(seconds, 2),
        peak_mib=round(peak, 1),
        feasible=code == 0,
        groups=groups,
        unassigned=unassigned,
        planned_s=planned,
        message="" if code == 0 else f"findhz plan exited with {code}: {error}",
    )


if __name__ == "__main__":
    _child_main(sys.argv[1:])
