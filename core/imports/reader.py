"""Reading import files row by row: CSV (UTF-8, with or without a BOM) and XLSX.

A file is never loaded whole: CSV goes through ``csv.reader`` on the open file, XLSX through
openpyxl's read-only (streaming) mode — which does keep the workbook's shared-string table in
memory, so an XLSX costs memory in proportion to its distinct texts (a CSV costs none). Before
openpyxl sees an XLSX, its zip directory is checked against ``XlsxLimits``: a 1 MB file whose
shared strings inflate to 350 MB would otherwise take the server's memory. The first row holds the headers, in English or in
Chinese; each import names its columns with ``Column`` and the reader maps headers to field
names. Row numbers count the header as row 1, as a spreadsheet shows them. Blank rows are
skipped (their numbers are not reused).
"""

from __future__ import annotations

import csv
import itertools
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from core.errors import DomainError
from core.settings import Settings

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the old binary .xls
_SNIFF_BYTES = 64 * 1024


class ImportFileError(DomainError):
    """The file as a whole cannot be imported: wrong type, wrong encoding, missing columns."""


@dataclass(frozen=True)
class XlsxLimits:
    """What an XLSX (a zip of XML parts) may unpack to. The defaults fit a learner import of
    well over 100,000 rows; a zip bomb is far past them."""

    entries: int = 200
    total_mb: int = 100  # all parts together, uncompressed
    entry_mb: int = 50  # any one part, uncompressed (shared strings are held in memory whole)
    ratio: int = 100  # uncompressed : compressed, for parts over 1 MB

    @classmethod
    def from_settings(cls, settings: Settings) -> XlsxLimits:
        return cls(entries=settings.xlsx_max_entries, total_mb=settings.xlsx_max_unpacked_mb,
                   entry_mb=settings.xlsx_max_part_mb, ratio=settings.xlsx_max_ratio)


_MB = 1024 * 1024


def check_xlsx_package(path: Path, filename: str, limits: XlsxLimits | None = None) -> None:
    """Refuse (``ImportFileError``, 400) an XLSX whose zip directory declares more parts, more
    bytes or a higher compression ratio than ``limits`` allow, before anything is unpacked.

    The declared sizes can be trusted: Python's ``zipfile`` (which openpyxl reads through)
    stops each part at its declared size and fails the part whose content does not match."""
    limits = limits or XlsxLimits()
    try:
        with path.open("rb") as fh, zipfile.ZipFile(fh) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ImportFileError(f"文件 {filename} 不是有效的 XLSX 表格：{exc}", 415) from None
    refuse = f"文件 {filename} 解压后过大，已拒绝（可能是“压缩炸弹”）："
    if len(parts) > limits.entries:
        raise ImportFileError(f"文件 {filename} 含有 {len(parts)} 个部件，超过上限 {limits.entries} 个，已拒绝")
    total = 0
    for part in parts:
        total += part.file_size
        if part.file_size > limits.entry_mb * _MB:
            raise ImportFileError(f"{refuse}部件 {part.filename[:80]} 解压后超过上限 {limits.entry_mb} MB")
        if part.file_size > _MB and part.file_size > limits.ratio * max(part.compress_size, 1):
            raise ImportFileError(f"{refuse}部件 {part.filename[:80]} 的压缩比超过上限 {limits.ratio}:1")
    if total > limits.total_mb * _MB:
        raise ImportFileError(f"{refuse}解压后共超过上限 {limits.total_mb} MB")


@dataclass(frozen=True)
class Column:
    """A column an import understands: its field name and the headers that name it.

    Headers are matched after trimming, dropping a leading ``*`` (a common "required" mark in
    templates) and case-folding, so ``ID_Number`` and ``*证件号码`` both find ``id_number``.
    """

    field: str
    label: str  # the Chinese header, as the API documents it
    aliases: tuple[str, ...] = ()
    required: bool = False

    def headers(self) -> tuple[str, ...]:
        return (self.field, self.label, *self.aliases)


def normalize_header(value: object) -> str:
    text = "" if value is None else str(value)
    return text.replace("\ufeff", "").strip().lstrip("*＊").strip().casefold()


def file_kind(path: Path, filename: str) -> str:
    """``csv`` or ``xlsx``, judged by the content first and the file name second."""
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise ImportFileError(f"无法读取文件 {filename}：{exc.strerror or exc}") from exc
    suffix = Path(filename).suffix.lower()
    if head.startswith(_OLE_MAGIC) or suffix == ".xls":
        raise ImportFileError("不支持旧版 Excel（.xls）文件，请另存为 .xlsx 或 CSV（UTF-8）后再导入", 415)
    if head.startswith(_ZIP_MAGIC):
        if suffix not in (".xlsx", ".xlsm", ""):
            raise ImportFileError(f"文件 {filename} 是压缩包而不是 CSV 或 XLSX 表格", 415)
        return "xlsx"
    if suffix in (".xlsx", ".xlsm"):
        raise ImportFileError(f"文件 {filename} 不是有效的 XLSX 表格", 415)
    if suffix not in (".csv", ".txt", ""):
        raise ImportFileError(f"文件类型 {suffix} 不受支持，请上传 CSV（UTF-8）或 XLSX 表格", 415)
    with path.open("rb") as fh:
        sample = fh.read(_SNIFF_BYTES)
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError("CSV 文件是 UTF-16 编码（Excel 的“Unicode 文本”），请另存为“CSV UTF-8（逗号分隔）”", 415)
    if b"\x00" in sample:
        raise ImportFileError(f"文件 {filename} 不是文本表格，请上传 CSV（UTF-8）或 XLSX 表格", 415)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(sample) - 4:  # not merely a character cut by the sample's end
            raise ImportFileError(
                "CSV 文件不是 UTF-8 编码（如用 Excel 保存，请选择“CSV UTF-8（逗号分隔）”）", 415
            ) from None
    return "csv"


class TableReader:
    """An open import file: ``fields`` (a field name, or ``None`` for an unknown column, per
    column) and the data rows as lists of cell values, one per column.

    Cells are strings (trimmed of nothing: the caller decides), except XLSX date cells, which
    are ``datetime.date``. Use as a context manager, or call ``close()``.
    """

    def __init__(self, path: Path, filename: str, columns: Sequence[Column], limits: XlsxLimits | None = None) -> None:
        self.path = path
        self.filename = filename
        self.limits = limits
        self.kind = file_kind(path, filename)
        self._close = lambda: None
        self._rows: Iterator[Sequence[object]]
        self._xlsx_rows: int | None = None
        if self.kind == "csv":
            self._open_csv()
        else:
            self._open_xlsx()
        try:
            header = next(self._guarded(self._rows, 0), None)
            if header is None:
                raise ImportFileError(f"文件 {filename} 是空的：第一行应为表头")
            self.header = [normalize_header(h) for h in header]
            self.fields = self._map(self.header, columns)
        except BaseException:
            self.close()
            raise
        self.width = len(self.fields)
        self.row_number = 1  # of the last row read

    # -- opening

    def _open_csv(self) -> None:
        fh = self.path.open(encoding="utf-8-sig", newline="")
        self._close = fh.close
        self._rows = csv.reader(fh)

    def _open_xlsx(self) -> None:
        from openpyxl import load_workbook

        check_xlsx_package(self.path, self.filename, self.limits)
        fh = self.path.open("rb")  # a Path, or a sealed upload (core.imports.jobs) opened the same way
        try:
            book = load_workbook(fh, read_only=True, data_only=True)
        except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
            fh.close()
            raise ImportFileError(f"文件 {self.filename} 不是有效的 XLSX 表格：{exc}", 415) from None

        def close() -> None:
            book.close()
            fh.close()

        self._close = close
        sheet = book.worksheets[0]
        self._xlsx_rows = max(sheet.max_row - 1, 0) if sheet.max_row else None  # from the sheet's dimension
        self._rows = (tuple(map(_cell_text, row)) for row in sheet.iter_rows(values_only=True))

    def _guarded(self, rows: Iterator, before: int) -> Iterator:
        """``rows``, with decoding and CSV syntax errors turned into ``ImportFileError``."""
        number = before
        try:
            for number, cells in enumerate(rows, start=before + 1):  # noqa: B007
                yield cells
        except (UnicodeDecodeError, csv.Error) as exc:
            raise _read_error(exc, number + 1) from None

    @staticmethod
    def _map(header: list[str], columns: Sequence[Column]) -> list[str | None]:
        by_header = {normalize_header(h): col.field for col in columns for h in col.headers()}
        fields: list[str | None] = []
        for position, text in enumerate(header, start=1):
            field = by_header.get(text)
            if field is not None and field in fields:
                label = next(c.label for c in columns if c.field == field)
                raise ImportFileError(f"表头第 {position} 列“{text}”与前面的列重复（都是{label}）")
            fields.append(field)
        missing = [f"{c.label}（{c.field}）" for c in columns if c.required and c.field not in fields]
        if missing:
            raise ImportFileError(f"缺少必填列：{'、'.join(missing)}。第一行应为表头，中英文均可")
        return fields

    # -- reading

    def batches(self, size: int) -> Iterator[list[tuple[int, list]]]:
        """The data rows in lists of up to ``size`` ``(row_number, cells)``; ``cells`` is a
        list padded or cut to the header's width; blank rows are left out."""
        width = self.width
        rows = self._rows
        while True:
            start = self.row_number + 1
            try:
                chunk = list(itertools.islice(rows, size))
            except (UnicodeDecodeError, csv.Error) as exc:
                raise _read_error(exc, start) from None
            if not chunk:
                return
            self.row_number += len(chunk)
            if self.kind == "xlsx" or any(n != width for n in map(len, chunk)):
                chunk = [(list(cells) + [""] * width)[:width] for cells in chunk]
            numbered = list(zip(range(start, start + len(chunk)), chunk))
            if not all(map(any, chunk)):
                numbered = [item for item in numbered if any(item[1])]
            if numbered:
                yield numbered
            if len(chunk) < size:
                return

    def rows(self) -> Iterator[tuple[int, dict[str, object]]]:
        """``(row_number, {field: cell})`` for every data row; unknown columns are left out."""
        named = [(i, f) for i, f in enumerate(self.fields) if f is not None]
        for batch in self.batches(1000):
            for number, cells in batch:
                yield number, {field: cells[i] for i, field in named}

    def estimate_rows(self) -> int | None:
        """The number of data rows, roughly (blank and multi-line rows are counted as lines),
        read without parsing: for a progress bar before the real count is known.

        For CSV this reads the whole file as bytes, and refuses one holding a NUL byte (no
        text table has one, and no database text column accepts it)."""
        if self.kind == "xlsx":
            return self._xlsx_rows
        lines, last = 0, b"\n"
        with self.path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                if b"\x00" in chunk:
                    row = lines + chunk.count(b"\n", 0, chunk.index(b"\x00")) + 1
                    raise ImportFileError(f"第 {row} 行含有空字符（NUL），文件不是 CSV 文本表格", 415)
                lines += chunk.count(b"\n")
                last = chunk[-1:]
        if last != b"\n":
            lines += 1
        return max(lines - 1, 0)

    def close(self) -> None:
        self._close()

    def __enter__(self) -> TableReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _read_error(exc: Exception, row: int) -> ImportFileError:
    if isinstance(exc, UnicodeDecodeError):
        return ImportFileError(
            f"第 {row} 行附近的内容不是 UTF-8 编码（如用 Excel 保存，请选择“CSV UTF-8（逗号分隔）”）", 415
        )
    return ImportFileError(f"第 {row} 行附近的 CSV 格式错误：{exc}")


def _cell_text(value: object) -> object:
    """An XLSX cell as text, or as a date for date cells. Whole numbers lose Excel's ``.0``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def open_table(path: Path, filename: str, columns: Sequence[Column], limits: XlsxLimits | None = None) -> TableReader:
    """Open ``path`` (uploaded as ``filename``) and map its header row to ``columns``.

    Raises ``ImportFileError`` when the file is not a UTF-8 CSV or an XLSX workbook, unpacks
    past ``limits`` (XLSX), has no header row, repeats a column or lacks a required one.
    """
    return TableReader(path, filename, columns, limits)


def read_rows(path: Path, filename: str, columns: Sequence[Column],
              limits: XlsxLimits | None = None) -> Iterator[tuple[int, dict[str, object]]]:
    """``(row_number, {field: cell})`` for every data row of the file, streamed."""
    with open_table(path, filename, columns, limits) as table:
        yield from table.rows()


__all__ = ["Column", "ImportFileError", "TableReader", "XlsxLimits", "check_xlsx_package", "file_kind",
           "normalize_header", "open_table", "read_rows"]
