"""Tables leaving the platform as files (CSV, XLSX): one place where every cell is made safe.

A spreadsheet treats a cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (CSV injection), so a learner named ``=HYPERLINK(…)`` would run in the
staff member's Excel. Every export writes its cells through this module: CSV through
``csv_bytes`` or ``CsvWriter``, XLSX through ``xlsx_cell`` / ``xlsx_row``; numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import IO

from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: object) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_STARTS)


def safe_cell(value):
    """``value`` as a spreadsheet will show it and never evaluate it: text that a spreadsheet
    would read as a formula gets a leading apostrophe (OWASP's advice); other values pass."""
    if looks_like_formula(value):
        return "'" + value
    return value


class CsvWriter:
    """``csv.writer`` over ``fh`` (opened with ``newline=""``) whose every cell goes through
    ``safe_cell``: for files written row by row, such as the CLI's rejected rows."""

    def __init__(self, fh: IO[str]) -> None:
        self._writer = csv.writer(fh, lineterminator="\r\n")

    def writerow(self, row: Iterable) -> None:
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable]) -> None:
        for row in rows:
            self.writerow(row)


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    """UTF-8 with a byte-order mark (Excel then reads the Chinese), CRLF line ends."""
    out = io.StringIO()
    writer = CsvWriter(out)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_cell(sheet, value) -> Cell:
    """A cell of a write-only ``sheet``. openpyxl stores a text beginning with ``=`` as a
    formula; here every text is a text cell, and one a spreadsheet would read as a formula is
    marked as Excel marks a typed ``'=…`` (quote prefix), so it shows exactly as written and
    stays text when edited. Numbers and dates keep their types."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    return cell


def xlsx_row(sheet, values: Iterable) -> list[Cell]:
    """``values`` as cells for ``sheet.append``: a row never holds a formula."""
    return [value if isinstance(value, Cell) else xlsx_cell(sheet, value) for value in values]
