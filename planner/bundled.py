"""Where the bundled data lives: the ``routes/`` folder of the source tree or of the wheel."""

from __future__ import annotations

from pathlib import Path

__all__ = ["DEFAULT_SCENARIO", "bundled_routes", "default_scenario", "scenario_path"]

DEFAULT_SCENARIO = "findhz-2024"


def bundled_routes() -> Path:
    """The folder with ``venues.yaml``, ``themes.yaml``, ``scenarios/`` and ``schemas/``.

    A wheel carries it inside the package (``planner/_bundled/routes``); a source checkout
    (or an editable install) has it beside the package.
    """
    here = Path(__file__).resolve().parent
    for candidate in (here / "_bundled" / "routes", here.parent / "routes"):
        if (candidate / "venues.yaml").is_file():
            return candidate
    raise FileNotFoundError("the bundled routes/ folder is missing from this installation")


def default_scenario() -> Path:
    """The scenario ``findhz plan`` uses when none is named."""
    return scenario_path(DEFAULT_SCENARIO)


def scenario_path(name: str) -> Path:
    """A scenario given as a path, or as the id of a bundled scenario."""
    path = Path(name)
    if path.suffix in {".yaml", ".yml"} or path.exists():
        return path
    return bundled_routes() / "scenarios" / f"{name}.yaml"
