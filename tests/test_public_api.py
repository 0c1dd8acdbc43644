"""The public surface and the seams of the packages are deliberate: adding or removing a name
is a decision, so this test pins it (and checks that every listed name exists); so are the one
installed name, ``findhz``, and which package may import which."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from findhz.planner.models import Plan, Scenario

ROOT = Path(__file__).resolve().parents[1]
#: The folders of importable code as the repository holds them; ``findhz/`` links the others
#: into the one installed name (the wheel maps them the same way).
CODE = ("planner", "maps", "benchmarks", "findhz")

PUBLIC = {
    "findhz.planner": [
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
    "findhz.maps": ["render_qr_sheets", "render_site"],
}


@pytest.mark.parametrize("package", sorted(PUBLIC))
def test_all_is_pinned(package: str) -> None:
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(PUBLIC[package])
    for name in module.__all__:
        assert hasattr(module, name), f"{package}.{name} is listed but missing"


def _sources(*folders: str) -> list[Path]:
    """The Python files of ``folders``, each once: not again through ``findhz/``'s links."""
    return sorted(
        path
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        if not any((ROOT / part).is_symlink() for part in path.relative_to(ROOT).parents)
    )


def _importers(pattern: str, *folders: str) -> list[str]:
    importing = re.compile(pattern, re.MULTILINE)
    return [
        path.relative_to(ROOT).as_posix()
        for path in _sources(*folders)
        if importing.search(path.read_text(encoding="utf-8"))
    ]


def test_everything_is_imported_under_the_one_installed_name() -> None:
    """The wheel installs one top-level name, ``findhz`` (``planner``, ``maps`` and
    ``benchmarks`` are names other projects use): no code, test or script imports them bare."""
    assert (
        _importers(r"^\s*(from|import) (planner|maps|benchmarks)\b", *CODE, "tests", "scripts")
        == []
    )
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'packages = ["findhz"]' in pyproject
    assert 'findhz = "findhz.cli:main"' in pyproject
    for folder in ("planner", "maps", "benchmarks"):
        assert (ROOT / "findhz" / folder).resolve() == (ROOT / folder).resolve()


def test_planner_never_imports_maps() -> None:
    code = (
        "import sys, findhz.planner, findhz.planner.travel, findhz.planner.exports; "
        "print(any(n.startswith('findhz.maps') for n in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("package", "module"),
    [
        ("ortools", "planner/solver.py"),
        ("pyvrp", "planner/pyvrp_search.py"),
        ("weasyprint", "maps/pdf.py"),
    ],
)
def test_one_module_speaks_to_each_engine(package: str, module: str) -> None:
    assert _importers(rf"^\s*(import {package}|from {package}[. ])", *CODE) == [module]


def test_only_the_command_line_composes_the_packages() -> None:
    """Only the command line (``findhz/cli*.py``, the composition root) joins the packages:
    ``planner`` imports none of the others, ``maps`` only ``planner``, the web app and the
    benchmarks no command line."""
    importing = re.compile(
        r"^\s*(?:from|import) findhz\.(planner|maps|benchmarks|web|cli\w*)\b", re.MULTILINE
    )
    allowed = {
        "planner": {"planner"},
        "maps": {"planner", "maps"},
        "findhz/web": {"planner", "maps", "web"},
        "benchmarks": {"planner", "maps", "benchmarks"},
    }
    crossing = sorted(
        f"{path.relative_to(ROOT).as_posix()} imports findhz.{match.group(1)}"
        for folder, names in allowed.items()
        for path in _sources(folder)
        for match in importing.finditer(path.read_text(encoding="utf-8"))
        if match.group(1) not in names
    )
    assert crossing == []


def test_the_shared_sample_plan_is_one_findhz_could_write(
    sample_plan: Plan, sample_scenario: Scenario
) -> None:
    from findhz.planner.verify import verify_plan

    assert verify_plan(sample_plan, sample_scenario) == []


def _imported(statement: str, names: tuple[str, ...]) -> list[str]:
    """Which of ``names`` are in ``sys.modules`` after ``statement`` in a fresh process."""
    code = f"import sys\n{statement}\nprint(' '.join(n for n in {names!r} if n in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.split()


SOLVERS = (
    "ortools",
    "pyvrp",
    "findhz.planner.solver",
    "findhz.planner.pyvrp_search",
    "findhz.planner.assign",
)


@pytest.mark.parametrize(
    "module",
    [
        "findhz",
        "findhz.planner",
        "findhz.planner.models",
        "findhz.planner.loading",
        "findhz.planner.verify",
        "findhz.planner.exports",
        "findhz.maps",
    ],
)
def test_importing_a_model_or_an_output_loads_no_solver(module: str) -> None:
    """Only planning loads OR-Tools and PyVRP: reading, checking and writing a plan do not."""
    assert _imported(f"import {module}", SOLVERS) == []


@pytest.mark.parametrize("package", ["findhz", "findhz.planner", "findhz.maps"])
def test_every_package_declares_its_types(package: str) -> None:
    """``py.typed`` (PEP 561): a project that imports findhz's packages type-checks them."""
    module = importlib.import_module(package)
    assert module.__file__ is not None
    assert (Path(module.__file__).parent / "py.typed").is_file()


def test_the_architecture_page_names_files_that_exist() -> None:
    """ARCHITECTURE.md stays true: every file or folder it names is in the repository, and
    every module of the planner package is named there."""
    root = ROOT
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
