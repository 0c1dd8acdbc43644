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


def _imported(statement: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` are in ``sys.modules`` after ``statement`` in a fresh process."""
    code = f"import sys\n{statement}\nprint(' '.join(n for n in {names!r} if n in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


SOLVERS = ("ortools", "pyvrp", "planner.solver", "planner.pyvrp_search", "planner.assign")


@pytest.mark.parametrize(
    "module",
    ["planner", "planner.models", "planner.loading", "planner.verify", "planner.exports", "maps"],
)
def test_importing_a_model_or_an_output_loads_no_solver(module: str) -> None:
    """Only planning loads OR-Tools and PyVRP: reading, checking and writing a plan do not."""
    assert _imported(f"import {module}", SOLVERS) == []


def test_only_the_command_line_composes_the_packages() -> None:
    """Within ``planner``, only the command line (the composition root) imports ``maps``,
    ``benchmarks`` or the web app; ``maps`` imports neither of the other two."""
    root = Path(__file__).resolve().parents[1]
    importing = re.compile(r"^\s*(from|import) (maps|benchmarks|findhz)\b", re.MULTILINE)
    users = sorted(
        path.relative_to(root).as_posix()
        for folder in ("planner", "maps")
        for path in (root / folder).rglob("*.py")
        for match in importing.finditer(path.read_text(encoding="utf-8"))
        if not (folder == "maps" and match.group(2) == "maps")
    )
    assert sorted(set(users)) == ["planner/cli.py"]


@pytest.mark.parametrize(
    ("package", "module"), [("pyvrp", "planner/pyvrp_search.py"), ("weasyprint", "maps/pdf.py")]
)
def test_one_module_speaks_to_each_optional_engine(package: str, module: str) -> None:
    root = Path(__file__).resolve().parents[1]
    importing = re.compile(rf"^\s*(import {package}|from {package}[. ])", re.MULTILINE)
    users = sorted(
        path.relative_to(root).as_posix()
        for folder in ("planner", "maps", "benchmarks", "findhz")
        for path in (root / folder).rglob("*.py")
        if importing.search(path.read_text(encoding="utf-8"))
    )
    assert users == [module]


@pytest.mark.parametrize("package", ["planner", "maps", "findhz"])
def test_every_package_declares_its_types(package: str) -> None:
    """``py.typed`` (PEP 561): a project that imports findhz's packages type-checks them."""
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert (Path(module.__file__).parent / "py.typed").is_file()


def test_the_architecture_page_names_files_that_exist() -> None:
    """ARCHITECTURE.md stays true: every file or folder it names is in the repository, and
    every module of the planner package is named there."""
    root = Path(__file__).resolve().parents[1]
    text = (root / "ARCHITECTURE.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`((?:planner|maps|findhz|benchmarks|tests|scripts)/[\w/.-]*)`", text))
    named |= set(re.findall(r"((?:planner|maps|findhz)/[\w/]+\.py)", text))
    assert len(named) > 20
    assert sorted(p for p in named if not (root / p).exists()) == []
    modules = {
        p.relative_to(root).as_posix()
        for p in (root / "planner").glob("*.py")
        if p.name != "__init__.py" and not p.name.startswith("cli")
    }
    assert sorted(modules - named) == []
