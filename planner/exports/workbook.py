"""The coordinator's workbook (one sheet per table) and the same tables as CSV files.

Both are byte-for-byte reproducible: the workbook's document dates are the plan's stamp, and
the zip entries carry a fixed timestamp instead of the time of writing. Text cells that a
spreadsheet would take for a formula (``=``, ``+``, ``-``, ``@`` first) are written as text in
the workbook and prefixed with ``'`` in the CSV files, so that a name from the delegates' file
cannot run as a formula.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.writer.excel import ExcelWriter

from findhz.planner.exports.tables import Cell, Table

__all__ = ["csv_bytes", "reproducible_xlsx", "workbook_bytes", "write_csv"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def workbook_bytes(tables: list[Table], stamp: dt.datetime) -> bytes:
    """An xlsx workbook with one sheet per table, header bold and frozen, filters on."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        sheet = book.create_sheet(table.name)
        sheet.append(list(table.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row_index, row in enumerate(table.rows, start=2):
            for column_index, value in enumerate(row, start=1):
                cell = sheet.cell(row=row_index, column=column_index, value=value)
                if isinstance(value, str) and value.startswith(_FORMULA_START):
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        if table.rows:
            sheet.auto_filter.ref = sheet.dimensions
        for column_index, name in enumerate(table.columns, start=1):
            width = max([len(name)] + [len(str(r[column_index - 1] or "")) for r in table.rows])
            sheet.column_dimensions[get_column_letter(column_index)].width = min(width + 2, 60)
    book.properties.creator = "findhz"
    return reproducible_xlsx(book, stamp)


def reproducible_xlsx(book: Workbook, stamp: dt.datetime) -> bytes:
    """The workbook's bytes, the same every time: its document dates are ``stamp`` (UTC when
    aware) rather than the time of saving, and the zip entries carry a fixed timestamp."""
    naive = stamp.astimezone(dt.UTC).replace(tzinfo=None) if stamp.tzinfo else stamp
    book.properties.created = naive
    book.properties.modified = naive
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(book, archive).save()  # unlike Workbook.save, keeps `modified` as set
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def csv_bytes(table: Table) -> bytes:
    """A table as CSV, UTF-8 with a byte-order mark so that spreadsheets read Chinese right."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.rows:
        writer.writerow([_csv_cell(value) for value in row])
    return text.getvalue().encode("utf-8-sig")


def _csv_cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_csv(tables: list[Table], folder: Path) -> list[Path]:
    """Write ``<table>.csv`` for every table into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for table in tables:
        path = folder / f"{table.name}.csv"
        path.write_bytes(csv_bytes(table))
        paths.append(path)
    return paths
