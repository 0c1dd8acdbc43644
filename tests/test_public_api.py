"""The public surface of the two packages is deliberate: adding or removing a name is a
decision, so this test pins it (and checks that every listed name exists)."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from planner.models import Plan, Scenario

PUBLIC = {
    "planner": [
        "Delegate",
        "FindhzError",
        "Group",
        "InputError",
        "Plan",
        "PlanError",
        "Problem",
        "ProviderAuthError",
        "Route",
        "RunReport",
        "Scenario",
        "Stop",
        "TravelError",
        "TravelMatrix",
        "Venue",
        "VerificationFailed",
        "build_matrix",
        "load_catalogue",
        "load_delegates",
        "load_routes",
        "load_scenario",
        "make_plan",
        "verify_plan",
    ],
    "maps": ["render_qr_sheets", "render_site"],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_all_is_pinned(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC[package])
    for name in module.__all__:
        assert hasattr(module, name), f"{package}.{name} is listed but missing"


def test_planner_never_imports_maps() -> None:
    code = "import sys, planner, planner.cli_travel, planner.exports; print('maps' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_only_one_module_imports_ortools() -> None:
    root = Path(__file__).resolve().parents[1]
    importing = re.compile(r"^\s*(import ortools|from ortools[. ])", re.MULTILINE)
    users = sorted(
        path.relative_to(root).as_posix()
        for folder in ("planner", "maps", "benchmarks")
        for path in (root / folder).rglob("*.py")
        if importing.search(path.read_text(encoding="utf-8"))
    )
    assert users == ["planner/solver.py"]


def test_the_shared_sample_plan_is_one_findhz_could_write(
    sample_plan: Plan, sample_scenario: Scenario
) -> None:
    from planner.verify import verify_plan

    assert verify_plan(sample_plan, sample_scenario) == []
