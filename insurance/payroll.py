"""Reading an employer's payroll file (CSV or XLSX) into rows of text, with their line numbers.

Plain Python (no Django): the service checks each row against the registry and reports every bad one.
The file needs a header row naming three columns: the identity number, the wage and the period (YYYY-MM);
English and Chinese names are both accepted, in any order, other columns are ignored.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": ("id_number", "id number", "identity number", "身份证号", "身份证号码", "公民身份号码"),
    "wage": ("wage", "monthly wage", "工资", "月工资", "缴费工资"),
    "period": ("period", "month", "月份", "所属期", "缴费月份"),
}
MAX_ROWS = 50_000


class PayrollFileError(ValueError):
    """The file as a whole cannot be read; ``code`` says why (extension, encoding, unreadable, columns,
    empty, too_many_rows) and ``missing`` names absent columns."""

    def __init__(self, code: str, missing: tuple[str, ...] = ()):
        super().__init__(code)
        self.code = code
        self.missing = missing


@dataclass(frozen=True)
class PayrollRow:
    line: int  # the line (CSV) or row (XLSX) number the employer sees, the header being 1
    id_number: str
    wage: str
    period: str


def _text(value) -> str:
    """A cell as the text a person typed: Excel dates become YYYY-MM, whole numbers lose their ``.0``."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.year:04d}-{value.month:02d}"
    if isinstance(value, float):
        return format(Decimal(repr(value)).normalize(), "f")
    return str(value).strip()


def _header_map(header: list) -> dict[str, int]:
    names = [_text(cell).lower().replace("_", " ").strip() for cell in header]
    found = {}
    for column, aliases in COLUMNS.items():
        wanted = {alias.replace("_", " ") for alias in aliases}
        for index, name in enumerate(names):
            if name in wanted:
                found[column] = index
                break
    missing = tuple(column for column in COLUMNS if column not in found)
    if missing:
        raise PayrollFileError("columns", missing)
    return found


def _rows(records, first_line: int = 1) -> list[PayrollRow]:
    iterator = iter(records)
    header = next(iterator, None)
    if header is None:
        raise PayrollFileError("empty")
    columns = _header_map(list(header))
    rows = []
    for line, record in enumerate(iterator, start=first_line + 1):
        cells = list(record)
        values = {name: _text(cells[index]) if index < len(cells) else "" for name, index in columns.items()}
        if not any(_text(cell) for cell in cells):
            continue  # blank lines are not rows
        rows.append(PayrollRow(line=line, **values))
        if len(rows) > MAX_ROWS:
            raise PayrollFileError("too_many_rows")
    if not rows:
        raise PayrollFileError("empty")
    return rows


def _decode(content: bytes) -> str:
    # Spreadsheet programs in China save CSV as GB 18030 (GBK) unless told otherwise.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise PayrollFileError("encoding")


def read_payroll(file_name: str, content: bytes) -> list[PayrollRow]:
    """The data rows of a payroll file; PayrollFileError when the file itself is unusable."""
    name = file_name.lower()
    if name.endswith(".csv"):
        text = _decode(content)
        try:
            dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        return _rows(csv.reader(io.StringIO(text, newline=""), dialect))
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
            raise PayrollFileError("unreadable") from exc
        try:
            return _rows(workbook.worksheets[0].iter_rows(values_only=True))
        finally:
            workbook.close()
    raise PayrollFileError("extension")
