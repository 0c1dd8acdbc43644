"""Write the xlsx fixtures of the loader tests (binary files must be reproducible).

Run from the repository root: ``python tests/data/bad/make_xlsx.py``. The same code writes the
same bytes (fixed timestamps inside the archive); ``tests/test_loading.py`` checks that the
committed files are what this script writes.

- ``tests/data/valid/delegates.xlsx``: the delegates of ``valid/delegates.csv`` on a sheet named
  ``delegates`` behind a ``README`` sheet, with real date cells and an extra ``note`` column.
- ``tests/data/bad/<case>/delegates.xlsx`` for the xlsx cases below.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from openpyxl import Workbook

from findhz.planner.exports.workbook import reproducible_xlsx

HERE = Path(__file__).resolve().parent
FIXED_TIME = dt.datetime(2024, 9, 1, 0, 0, 0)

HEADER = ["id", "name", "country", "organisation", "field", "interests", "languages"]
HEADER += ["available", "needs", "note"]
D28 = dt.datetime(2024, 9, 28)
ROWS: list[list[Any]] = [
    [
        "D001",
        "Alice Martin",
        "France",
        "Sorbonne",
        "Machine learning",
        "ai-route;bio-route",
        "en;fr",
        None,
        None,
        "test",
    ],
    ["D002", "李明", "Singapore", "NUS", "Biology", "bio-route", "zh;en", D28, "step-free", None],
    [
        "D003",
        "Hans Müller",
        "Germany",
        None,
        None,
        "ai-route",
        "de;en",
        "2024-09-27;2024-09-28",
        "vegetarian",
        None,
    ],
]


def workbook_bytes(sheets: list[tuple[str, list[list[Any]]]]) -> bytes:
    """A workbook with these sheets (title, rows), the same bytes every time."""
    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.properties.creator = "findhz tests"
    return reproducible_xlsx(book, FIXED_TIME)


def _replace(rows: list[list[Any]], row: int, column: str, value: Any) -> list[list[Any]]:
    """A copy of the table with one cell changed (``row`` counts data rows from 0)."""
    out = [list(r) for r in rows]
    out[row][HEADER.index(column)] = value
    return out


def fixtures() -> dict[str, bytes]:
    """Path relative to ``tests/data`` -> bytes."""
    table = [HEADER, *ROWS]
    readme = [["This workbook holds the delegates of the small test scenario."]]
    wrong_date = _replace(ROWS, 1, "available", dt.datetime(2024, 10, 28))
    bad_need = _replace(ROWS, 2, "needs", "wheelchair")
    return {
        "valid/delegates.xlsx": workbook_bytes([("README", readme), ("delegates", table)]),
        "bad/xlsx-wrong-sheet/delegates.xlsx": workbook_bytes(
            [("Summary", [["Registrations by country"], ["France", 1]]), ("Registrations", table)]
        ),
        "bad/xlsx-date-outside-scenario/delegates.xlsx": workbook_bytes(
            [("delegates", [HEADER, *wrong_date])]
        ),
        "bad/xlsx-row-with-bad-need/delegates.xlsx": workbook_bytes(
            [("delegates", [HEADER, *bad_need])]
        ),
        "bad/xlsx-missing-column/delegates.xlsx": workbook_bytes(
            [
                (
                    "delegates",
                    [
                        [c for c, h in zip(row, HEADER, strict=True) if h != "interests"]
                        for row in table
                    ],
                )
            ]
        ),
        "bad/xlsx-not-a-workbook/delegates.xlsx": (
            ",".join(HEADER) + "\nD001,Alice Martin,France,,,ai-route,en,,,\n"
        ).encode(),
    }


def main() -> None:
    data = HERE.parent
    for relative, content in fixtures().items():
        target = data / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        print(f"wrote {target.relative_to(data.parent.parent)}")


if __name__ == "__main__":
    main()
