"""CSV and XLSX writers of a ``Table`` (see the package docstring for the format choices)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from .cells import neutralised
from .tables import CODE, DATE, NUMBER, Table, local

CSV_SEPARATOR = ";"
#: Rows between two progress reports: often enough for a bar, rare enough to cost nothing.
PROGRESS_EVERY = 2000


def _reporting(rows: list[tuple], progress: Callable[[float], None] | None) -> Iterator[tuple]:
    """``rows``, calling ``progress`` with the fraction written every ``PROGRESS_EVERY`` rows."""
    if progress is None:
        yield from rows
        return
    total = max(len(rows), 1)
    for i, row in enumerate(rows):
        if i % PROGRESS_EVERY == 0:
            progress(i / total)
        yield row
    progress(1.0)


def csv_cell(value: object) -> str:
    """A cell as French Excel reads it: decimal comma, every digit of a float (``repr``), ISO
    dates, empty for none, text that would start a formula neutralised (``cells``)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return repr(value).replace(".", ",")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return local(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralised(str(value))


def header_rows(table: Table) -> list[list[str]]:
    """The two header rows of the CSV and of the « Données » sheet: the columns' names in the
    export's language (the page's: French by default), then their codes, which do not change
    with the language (``pandas.read_csv(path, sep=";", decimal=",", header=1, dtype=str)``
    reads the CSV under its codes)."""
    return [[str(c.label) for c in table.columns], [c.key for c in table.columns]]


def to_csv(table: Table, progress: Callable[[float], None] | None = None) -> bytes:
    """UTF-8 with BOM, ``;`` separated, two header rows (names, then codes), data only."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=CSV_SEPARATOR, lineterminator="\r\n")
    writer.writerows([[neutralised(text) for text in row] for row in header_rows(table)])
    writer.writerows([csv_cell(v) for v in row] for row in _reporting(table.rows, progress))
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _excel(value: object) -> object:
    if isinstance(value, dt.datetime):
        return local(value)
    if value is not None and not isinstance(value, (int, float, str, dt.date)):
        return str(value)
    return value


def to_xlsx(table: Table, progress: Callable[[float], None] | None = None) -> bytes:
    """A « Métadonnées » sheet (run, version, filters, export time, then the meaning of each
    column) and a « Données » sheet of typed cells; write-only mode keeps memory flat."""
    book = Workbook(write_only=True)
    meta = book.create_sheet(_("Métadonnées"))
    meta.column_dimensions["A"].width = 42
    meta.column_dimensions["B"].width = 70
    bold = Font(bold=True)
    for label, value in table.metadata:
        meta.append([_label_cell(meta, str(label), bold), _typed(meta, _excel(value))])
    meta.append([])
    meta.append([_label_cell(meta, text, bold) for text in (_("Colonne"), _("Signification"))])
    for column in table.columns:
        meta.append([_string(meta, column.key), _string(meta, str(column.label))])

    data = book.create_sheet(_("Données"))
    data.freeze_panes = "A3"
    names, codes = header_rows(table)
    for i, (name, code) in enumerate(zip(names, codes, strict=True), start=1):
        data.column_dimensions[get_column_letter(i)].width = min(max(len(name), len(code)) + 2, 40)
    data.append([_label_cell(data, name, bold) for name in names])
    data.append([_string(data, code) for code in codes])
    text_columns = [i for i, c in enumerate(table.columns) if c.kind == CODE]
    date_columns = [i for i, c in enumerate(table.columns) if c.kind == DATE]
    number_columns = [i for i, c in enumerate(table.columns) if c.kind == NUMBER]
    for row in _reporting(table.rows, progress):
        cells = [_data(data, _excel(v)) for v in row]
        for i in number_columns:
            if isinstance(cells[i], float):
                cells[i] = _float(data, cells[i])
        for i in text_columns:
            if cells[i] not in (None, ""):
                cells[i] = _text(data, cells[i])
        for i in date_columns:
            if cells[i] is not None:
                cells[i] = _date(data, cells[i])
        data.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _label_cell(sheet, value: str, font: Font) -> WriteOnlyCell:
    cell = _string_cell(sheet, value)
    cell.font = font
    return cell


def _string_cell(sheet, value: str) -> WriteOnlyCell:
    """A text cell typed as a string: openpyxl would otherwise store a text starting with
    ``=`` as a formula and ``#N/A`` as an error."""
    cell = WriteOnlyCell(sheet, value=neutralised(value))
    cell.data_type = "s"
    return cell


def _string(sheet, value: str) -> str | WriteOnlyCell:
    """``value`` neutralised (``cells``), as a string: a plain ``str`` where openpyxl infers a
    string anyway (every text once neutralised, none starting with ``=``: one reused cell
    object per row is what keeps a regional export fast), a cell typed as a string for the
    texts it would store as errors (``#N/A``…)."""
    text = neutralised(value)
    if text in ERROR_CODES:
        return _string_cell(sheet, text)
    return text


def _text(sheet, value: object) -> WriteOnlyCell:
    """A code as a text cell formatted as text (``@``): typed over in Excel, it stays a code."""
    value = value.value if isinstance(value, Cell) else value
    cell = _string_cell(sheet, str(value))
    cell.number_format = "@"
    return cell


def _float(sheet, value: float) -> float | WriteOnlyCell:
    """``value`` to its last bit: openpyxl writes floats with 16 significant digits, which
    loses the last one of about half of them; those are written as their ``repr``."""
    if float(f"{value:.16g}") == value:
        return value
    cell = WriteOnlyCell(sheet, value=repr(value))
    cell.data_type = "n"
    return cell


def _date(sheet, value: dt.date) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = "yyyy-mm-dd"
    return cell


def _data(sheet, value: object) -> object:
    return _string(sheet, value) if isinstance(value, str) else value


def _typed(sheet, value: object) -> object:
    if isinstance(value, dt.datetime):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd hh:mm:ss"
        return cell
    if isinstance(value, str):
        return _string(sheet, value)
    return value
