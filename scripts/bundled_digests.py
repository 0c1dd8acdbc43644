"""The SHA-256 digests of the bundled scenarios' plans, as ``findhz plan`` writes them.

A refactoring must not change a plan: ``tests/test_bundled_plans.py`` plans each bundled
scenario with the default budget and seed, exactly as a user runs it, and compares these
digests with the ones committed in ``tests/data/bundled-digests.json``. Three digests per
scenario: ``plan.json``, ``workbook.xlsx``, and every other file of the output folder together
(``site``: pages, maps, calendars, CSV; ``run.json`` is left out, its timings are the
machine's).

When a change is meant to alter a bundled plan, refresh the digests in a commit of its own
that names the cause, from the repository root:

    .venv/bin/python scripts/bundled_digests.py --write

Without ``--write`` it prints the digests and says which differ from the committed ones.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DIGESTS = REPO / "tests" / "data" / "bundled-digests.json"
#: The bundled scenarios whose plans are pinned (the default first).
SCENARIOS = ("findhz-2024", "conference-300")
#: Written by the run, not the plan: wall-clock timings.
MACHINE_FILES = frozenset({"run.json"})


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def folder_digests(out: Path) -> dict[str, str]:
    """``plan.json``, ``workbook.xlsx`` and ``site`` (all other files, by relative path)."""
    lines = []
    for path in sorted(p for p in out.rglob("*") if p.is_file()):
        name = path.relative_to(out).as_posix()
        if name in MACHINE_FILES or name in ("plan.json", "workbook.xlsx"):
            continue
        lines.append(f"{_sha(path.read_bytes())}  {name}\n")
    return {
        "plan.json": _sha((out / "plan.json").read_bytes()),
        "workbook.xlsx": _sha((out / "workbook.xlsx").read_bytes()),
        "site": _sha("".join(lines).encode("utf-8")),
    }


def plan_digests(scenario: str) -> dict[str, str]:
    """Plan ``scenario`` with ``findhz plan``'s defaults in a temporary folder; its digests."""
    with tempfile.TemporaryDirectory() as work:
        out = Path(work) / "out"
        subprocess.run(
            [
                *(sys.executable, "-c", "from findhz.cli import main; main()"),
                *("plan", scenario, "--out", str(out)),
            ],
            check=True,
            capture_output=True,
            cwd=work,
        )
        return folder_digests(out)


def committed() -> dict[str, dict[str, str]]:
    data: dict[str, dict[str, str]] = json.loads(DIGESTS.read_text(encoding="utf-8"))
    return data


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write the committed digests")
    args = parser.parse_args()
    now = {name: plan_digests(name) for name in SCENARIOS}
    if args.write:
        DIGESTS.write_text(json.dumps(now, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {DIGESTS.relative_to(REPO)}")
        return 0
    print(json.dumps(now, indent=2))
    before = committed() if DIGESTS.is_file() else {}
    changed = [
        f"{name} {part}"
        for name, parts in now.items()
        for part, digest in parts.items()
        if before.get(name, {}).get(part) != digest
    ]
    print("differ from the committed digests: " + (", ".join(changed) or "none"))
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
