"""The bundled scenarios' plans are byte-identical to the committed digests.

A refactoring changes no plan: each bundled scenario is planned as ``findhz plan`` plans it
(default budget and seed) and its ``plan.json``, ``workbook.xlsx`` and the rest of the output
folder are compared with ``tests/data/bundled-digests.json``. A change meant to alter a plan
refreshes them with ``python scripts/bundled_digests.py --write`` in a commit that says why.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]


def _digests() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "bundled_digests", REPO / "scripts" / "bundled_digests.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


DIGESTS = _digests()


def test_every_bundled_scenario_is_pinned() -> None:
    names = sorted(
        p.name.removesuffix(".yaml") for p in (REPO / "routes" / "scenarios").glob("*.yaml")
    )
    assert sorted(DIGESTS.committed()) == names == sorted(DIGESTS.SCENARIOS)


@pytest.mark.slow
@pytest.mark.xdist_group("bundled-plans")
@pytest.mark.parametrize("scenario", DIGESTS.SCENARIOS)
def test_the_bundled_plan_is_unchanged(
    scenario: str, bundled_output: Callable[[str], Path]
) -> None:
    now = DIGESTS.folder_digests(bundled_output(scenario))
    changed = sorted(k for k, v in DIGESTS.committed()[scenario].items() if now.get(k) != v)
    assert changed == [], (
        f"{scenario}: {', '.join(changed)} differ from tests/data/bundled-digests.json; if the "
        "change is meant, run `python scripts/bundled_digests.py --write` and commit the "
        "digests on their own, naming the cause"
    )
