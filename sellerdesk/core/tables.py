"""Reading an uploaded table — CSV or XLSX — row by row, within limits.

`read_table` yields `(line, cells)` for every non-blank row: `line` is the row's number
as a person counts it in the file (the header is line 1; a blank line counts; a quoted
cell that spans several lines makes one row, as Excel or WPS shows it), `cells` are the
row's cells as stripped text. Excel's way of keeping a long number as text in a CSV,
`="1234567890123456789"`, reads as the number's digits.

CSV may be UTF-8, UTF-8 with a BOM, or GBK/GB18030 (what Excel and the marketplaces'
Chinese exports save); the encoding is decided from the first bytes that are not ASCII.
The delimiter is a comma, or a tab when the header has more tabs than commas (with
`delimiters`, the one of them the header has most of; the first on a tie). XLSX is
read with openpyxl's read-only mode from the first sheet; a sheet whose declared
dimension is beyond the limits is refused before a row is read.

Bounded: the file's bytes (`max_bytes`), the rows under the header (`max_rows`), the
columns of a row (`max_columns`) and a cell's characters (`max_cell_chars`). At most one
row (and one 64 KB chunk of the file) is held beyond what the caller keeps. Every
problem — a limit passed, an encoding that is neither, a quote never closed, a file that
is no table at all — is a `TableError` raised as soon as it is met, with a core.messages
reason and the line; no other exception escapes.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core import messages
from sellerdesk.core.errors import DomainError, ValidationFailed

CHUNK_BYTES = 64 * 1024
# Bytes read past the first non-ASCII byte before the encoding is decided: enough text
# to tell UTF-8 from GBK (GBK's pairs are rarely valid UTF-8 beyond a few characters).
_SNIFF_BYTES = 4096
# csv's own limit on a field (131,072 characters; a process-wide setting left alone).
_CSV_FIELD_LIMIT = csv.field_size_limit()
# An XLSX is a zip of XML; its parts may not declare more than this many times the
# file's size limit uncompressed (a zip bomb is refused before it is opened).
XLSX_MAX_EXPANSION = 20

_ZIP_MAGIC = b"PK\x03\x04"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls (and .doc…)
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_rows: int  # rows under the header
    max_columns: int
    max_cell_chars: int


def limits_from_settings() -> Limits:
    """The marketplace export limits of settings.SELLERDESK["MARKETPLACES"]."""
    config = settings.SELLERDESK["MARKETPLACES"]
    return Limits(
        max_bytes=int(config["MAX_FILE_BYTES"]),
        max_rows=int(config["MAX_ROWS"]),
        max_columns=int(config["MAX_COLUMNS"]),
        max_cell_chars=int(config["MAX_CELL_CHARS"]),
    )


class TableError(DomainError):
    """A file that cannot be read as a table, or passes a limit. `reason` is a
    core.messages code, `params` its parameters, `line` where in the file (0: the file as
    a whole); `message` is rendered in the active language each time it is read, and
    `as_message()` is the stored form (the code with its parameters and the line)."""

    code = "bad_file"
    status = 422

    def __init__(self, reason: str, *, line: int = 0, params: Mapping[str, Any] | None = None) -> None:
        self.reason = reason
        self.line = line
        self.params: dict[str, Any] = dict(params or {})
        super().__init__(
            messages.render(self.as_message()),
            details={"reason": reason, "line": line, "params": dict(self.params)},
        )

    # DomainError keeps the message given when it was raised; this one is rendered again
    # in the language active where it is shown (a worker raises it, a page shows it).
    @property  # type: ignore[override]
    def message(self) -> str:
        return messages.render(self.as_message())

    @message.setter
    def message(self, value: str) -> None:
        pass

    def as_message(self) -> dict[str, Any]:
        return {"code": self.reason, **self.params, "line": self.line}


class _Blanks(dict[str, Any]):
    """Template values where a missing parameter reads as "" (an old stored error may
    lack one a newer sentence names)."""

    def __missing__(self, key: str) -> str:
        return ""


def _line_prefixed(template: Any, whole_file: Any) -> Any:
    """A renderer whose sentence names the line when there is one."""

    def render(params: messages.Params) -> str:
        values = _Blanks(params)
        return _in_file(params, str(template if params.get("line") else whole_file) % values)

    return render


def _in_file(params: messages.Params, sentence: str) -> str:
    """The sentence after the file's name, when the error names one (an import has two)."""
    if not params.get("file"):
        return sentence
    return str(_IN_FILE) % {"file": params["file"], "problem": sentence}


_IN_FILE = gettext_lazy("%(file)s: %(problem)s")


def _cell_too_long(params: messages.Params) -> str:
    values = _Blanks(params)
    if params.get("line") and params.get("column"):
        return _in_file(params, str(_CELL_IN_COLUMN) % values)
    return _in_file(params, str(_CELL_ON_LINE if params.get("line") else _CELL_ANYWHERE) % values)


_CELL_IN_COLUMN = gettext_lazy("Line %(line)s, column %(column)s: a cell longer than %(max_chars)s characters.")
_CELL_ON_LINE = gettext_lazy("Line %(line)s: a cell longer than %(max_chars)s characters.")
_CELL_ANYWHERE = gettext_lazy("A cell is longer than %(max_chars)s characters.")


TEXTS: dict[str, tuple[Any, Any, dict[str, Any]]] = {
    # code: (sentence with a line, sentence for the whole file, example parameters)
    "file_too_large": (
        gettext_lazy("The file is larger than %(max_mb)s MB."),
        gettext_lazy("The file is larger than %(max_mb)s MB."),
        {"max_mb": 100},
    ),
    "file_encoding": (
        gettext_lazy(
            "Line %(line)s is not text in UTF-8 or GBK: save the file again as CSV (UTF-8 or GBK) or as XLSX."
        ),
        gettext_lazy("The file is not text in UTF-8 or GBK: save it again as CSV (UTF-8 or GBK) or as XLSX."),
        {"line": 3},
    ),
    "file_format": (
        gettext_lazy("Line %(line)s could not be read (%(detail)s)."),
        gettext_lazy("The file is not a CSV or XLSX table that can be read (%(detail)s)."),
        {"line": 0, "detail": "not a zip file"},
    ),
    "too_many_rows": (
        gettext_lazy("The file has more than %(max_rows)s rows under the header (line %(line)s); split it."),
        gettext_lazy("The file has more than %(max_rows)s rows under the header; split it."),
        {"line": 200_002, "max_rows": 200_000},
    ),
    "too_many_columns": (
        gettext_lazy("Line %(line)s has %(columns)s columns; at most %(max_columns)s are read."),
        gettext_lazy("The sheet has %(columns)s columns; at most %(max_columns)s are read."),
        {"line": 1, "columns": 300, "max_columns": 200},
    ),
    "unterminated_quote": (
        gettext_lazy('Line %(line)s: a quoted cell starts here and is never closed (a " is missing).'),
        gettext_lazy('A quoted cell is never closed (a " is missing).'),
        {"line": 12},
    ),
    "empty_file": (
        gettext_lazy("Line %(line)s: the file has nothing under this line."),
        gettext_lazy("The file is empty: it has no header line."),
        {"line": 0},
    ),
}


def register_texts() -> None:
    """Register the reasons' sentences (called from CoreConfig.ready(); idempotent)."""
    for code, (with_line, whole_file, example) in TEXTS.items():
        if not messages.is_registered(code):
            messages.register(code, render=_line_prefixed(with_line, whole_file), example=dict(example))
    if not messages.is_registered("cell_too_long"):
        messages.register("cell_too_long", render=_cell_too_long, example={"line": 7, "column": 3, "max_chars": 10_000})


register_texts()


class _Problem(Exception):
    """Raised inside the byte and line pipelines; turned into a TableError with the line
    of the row being read where the rows are counted."""

    def __init__(self, reason: str, **params: Any) -> None:
        super().__init__(reason)
        self.reason = reason
        self.params = params


def read_table(
    *, filename: str, stream: IO[bytes], limits: Limits, delimiters: str = ",\t"
) -> Iterator[tuple[int, list[str]]]:
    """Yield `(line, cells)` for each non-blank row of the CSV or XLSX in `stream`, the
    header first. Raises TableError (and nothing else) as soon as a problem is met; the
    rows yielded before it were read correctly. The kind of file is told from its first
    bytes (an XLSX named .csv is read as XLSX); `filename` only names it (in the
    error's parameters, `file`, and so in its sentence). A CSV's delimiter is the one of
    `delimiters` its header line has most of (the first of them on a tie)."""
    try:
        yield from _read_table(stream, limits, delimiters)
    except TableError as error:
        if not filename or "file" in error.params:
            raise
        raise TableError(error.reason, line=error.line, params={**error.params, "file": filename}) from None


def _read_table(stream: IO[bytes], limits: Limits, delimiters: str) -> Iterator[tuple[int, list[str]]]:
    try:
        size = _declared_size(stream)
        if size is not None and size > limits.max_bytes:
            raise _Problem("file_too_large")
        head = stream.read(8) or b""
    except _Problem as problem:
        raise _table_error(problem, limits=limits, line=0) from None
    except (OSError, ValueError) as error:
        raise TableError("file_format", params={"detail": type(error).__name__}) from None
    if not head:
        raise TableError("empty_file")
    if head.startswith(_ZIP_MAGIC):
        yield from _read_xlsx(stream, head, limits)
    elif head.startswith(_OLE2_MAGIC):
        # Excel 97-2003 (.xls): openpyxl does not read it, and neither do we.
        raise TableError("file_format", params={"detail": "Excel 97-2003 .xls, save as .xlsx or .csv"})
    else:
        yield from _read_csv(stream, head, limits, delimiters)


def _declared_size(stream: IO[bytes]) -> int | None:
    size = getattr(stream, "size", None)  # Django's UploadedFile
    if isinstance(size, int):
        return size
    try:
        if stream.seekable():
            here = stream.tell()
            end = stream.seek(0, 2)
            stream.seek(here)
            return end - here
    except (AttributeError, OSError, ValueError):
        pass
    return None


def _table_error(problem: _Problem, *, limits: Limits, line: int) -> TableError:
    params = dict(problem.params)
    if problem.reason == "file_too_large":
        params.setdefault("max_mb", max(1, round(limits.max_bytes / (1024 * 1024))))
    return TableError(problem.reason, line=line, params=params)


# --- CSV -------------------------------------------------------------------------------


def _chunks(stream: IO[bytes], head: bytes, limits: Limits) -> Iterator[bytes]:
    """The file's bytes in chunks, counting them against max_bytes (a stream whose size
    was not known up front is stopped as soon as it passes the limit)."""
    total = len(head)
    yield head
    while True:
        try:
            chunk = stream.read(CHUNK_BYTES)
        except (OSError, ValueError) as error:
            raise _Problem("file_format", detail=type(error).__name__) from None
        if not chunk:
            return
        total += len(chunk)
        if total > limits.max_bytes:
            raise _Problem("file_too_large")
        yield chunk


def _texts(chunks: Iterator[bytes]) -> Iterator[str]:
    """Decode the byte chunks: a UTF-8 BOM says UTF-8; otherwise ASCII passes as it is
    until the first non-ASCII bytes, which decide between UTF-8 and GB18030 (GBK's
    superset). Bytes invalid in the chosen encoding: `_EncodingFailed` carrying the valid
    text before them (so that the line counted is the bad one)."""
    buffered = b""
    for chunk in chunks:
        buffered += chunk
        if len(buffered) >= 4:
            break
    if buffered.startswith(_UTF16_BOMS):
        raise _EncodingFailed("")
    decoder: _Decoder | None = None
    if buffered.startswith(codecs.BOM_UTF8):
        decoder = _Decoder("utf-8")
        buffered = buffered[len(codecs.BOM_UTF8) :]
    source = itertools.chain([buffered] if buffered else [], chunks)
    for chunk in source:
        if decoder is None:
            if chunk.isascii():
                yield chunk.decode("ascii")
                continue
            first = next(index for index, byte in enumerate(chunk) if byte > 0x7F)
            sample = chunk
            at_end = False
            while len(sample) - first < _SNIFF_BYTES:
                more = next(source, None)
                if more is None:
                    at_end = True
                    break
                sample += more
            decoder = _Decoder.for_sample(sample, at_end=at_end)
            chunk = sample
        yield decoder.decode(chunk)
    yield (decoder or _Decoder("utf-8")).decode(b"", final=True)


class _Decoder:
    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._decoder = codecs.getincrementaldecoder(encoding)()

    @classmethod
    def for_sample(cls, sample: bytes, *, at_end: bool) -> _Decoder:
        for encoding in ("utf-8", "gb18030"):
            try:
                codecs.getincrementaldecoder(encoding)().decode(sample, final=at_end)
            except UnicodeDecodeError:
                continue
            return cls(encoding)
        # Neither: UTF-8 says so at the first bad line (the ASCII before it reads fine).
        return cls("utf-8")

    def decode(self, chunk: bytes, *, final: bool = False) -> str:
        try:
            return self._decoder.decode(chunk, final=final)
        except UnicodeDecodeError as error:
            # error.object is what was being decoded (bytes held from the last chunk too).
            good = bytes(error.object[: error.start]).decode(self.encoding, "replace")
            raise _EncodingFailed(good) from None


class _EncodingFailed(Exception):
    """Bad bytes: `text` is the text before them, still to be read as rows."""

    def __init__(self, text: str) -> None:
        super().__init__("file_encoding")
        self.text = text


@dataclass
class _Record:
    """What the line feeder has handed csv for the row being read: its characters (to
    bound a row that never ends) and its quotes (an odd count is a quote never closed)."""

    chars: int = 0
    quotes: int = 0

    def clear(self) -> None:
        self.chars = 0
        self.quotes = 0


def _physical_lines(texts: Iterator[str], record: _Record, max_record_chars: int) -> Iterator[str]:
    """Split the text at "\\n" only (csv must see a cell's other line breaks, such as
    U+2028, inside the cell), each line with its ending."""
    rest = ""
    failed: _EncodingFailed | None = None
    while True:
        try:
            text = next(texts)
        except StopIteration:
            break
        except _EncodingFailed as error:
            text, failed = error.text, error
        text = rest + text if rest else text
        start = 0
        while (end := text.find("\n", start)) >= 0:
            yield _counted(text[start : end + 1], record, max_record_chars)
            start = end + 1
        rest = text[start:]
        if failed is not None:
            raise _Problem("file_encoding")
        if len(rest) + record.chars > max_record_chars:
            raise _Problem("row_too_long")
    if rest:
        yield _counted(rest, record, max_record_chars)


def _counted(line: str, record: _Record, max_record_chars: int) -> str:
    if "\x00" in line:  # UTF-16 without a BOM, or not text at all
        raise _Problem("file_encoding")
    record.chars += len(line)
    record.quotes += line.count('"')
    if record.chars > max_record_chars:
        raise _Problem("row_too_long")
    return line


def _read_csv(stream: IO[bytes], head: bytes, limits: Limits, delimiters: str) -> Iterator[tuple[int, list[str]]]:
    record = _Record()
    # A row of max_columns cells of max_cell_chars each, quoted, with its delimiters.
    max_record_chars = limits.max_columns * (limits.max_cell_chars + 3) + 2
    lines = _physical_lines(_texts(_chunks(stream, head, limits)), record, max_record_chars)
    line = 0  # rows read (csv records, blank ones too), the header being 1
    try:
        first = next(lines, None)
    except _Problem as problem:
        raise _csv_error(problem, record=record, limits=limits, line=1) from None
    if first is None:
        raise TableError("empty_file")
    delimiter = max(delimiters, key=first.count)  # max() keeps the first of equals
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter, strict=True)
    header_line = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except _Problem as problem:
            raise _csv_error(problem, record=record, limits=limits, line=line + 1) from None
        except csv.Error as error:
            raise _csv_error(
                _Problem("file_format", detail=str(error)), record=record, limits=limits, line=line + 1
            ) from None
        line += 1
        record.clear()
        cells = _cells(row, line=line, limits=limits, cleaner=_csv_cell)
        if cells is None:
            continue
        if header_line and line - header_line > limits.max_rows:
            raise TableError("too_many_rows", line=line, params={"max_rows": limits.max_rows})
        header_line = header_line or line
        yield line, cells
    if not header_line:
        raise TableError("empty_file")


def _csv_error(problem: _Problem, *, record: _Record, limits: Limits, line: int) -> TableError:
    """The TableError for a problem met while csv read the row starting at `line`. A row
    whose quotes do not pair up is a quote never closed, whatever csv tripped on."""
    if problem.reason in ("file_format", "row_too_long") and record.quotes % 2 == 1:
        return TableError("unterminated_quote", line=line)
    if problem.reason == "row_too_long" or "field limit" in str(problem.params.get("detail", "")):
        return TableError("cell_too_long", line=line, params={"max_chars": _cell_limit(limits)})
    return _table_error(problem, limits=limits, line=line if problem.reason != "file_too_large" else 0)


def _cell_limit(limits: Limits) -> int:
    return min(limits.max_cell_chars, _CSV_FIELD_LIMIT)


def _csv_cell(value: str) -> str:
    value = value.strip()
    # Excel's text formula for a long number kept as text: ="1234567890123456789".
    if value.startswith('="') and value.endswith('"') and len(value) >= 3:
        value = value[2:-1].strip()
    return value


def _cells(row: Iterable[Any], *, line: int, limits: Limits, cleaner: Any) -> list[str] | None:
    """The row's cells as stripped text, trailing empty cells dropped; None for a blank
    row. Raises TableError for too many columns or a cell too long."""
    if cleaner is _csv_cell:
        cells = [value.strip() for value in row]
        if any(cell.startswith("=") for cell in cells):  # rare: only then the slower look
            cells = [_csv_cell(cell) for cell in cells]
    else:
        cells = [cleaner(value) for value in row]
    while cells and not cells[-1]:
        cells.pop()
    if not cells:
        return None
    if len(cells) > limits.max_columns:
        raise TableError(
            "too_many_columns", line=line, params={"columns": len(cells), "max_columns": limits.max_columns}
        )
    for index, cell in enumerate(cells, start=1):
        if len(cell) > limits.max_cell_chars:
            raise TableError("cell_too_long", line=line, params={"column": index, "max_chars": limits.max_cell_chars})
    return cells


# --- XLSX ------------------------------------------------------------------------------


def _read_xlsx(stream: IO[bytes], head: bytes, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    source = _seekable(stream, head, limits)
    try:
        archive = zipfile.ZipFile(source)
        declared = sum(member.file_size for member in archive.infolist())
    except Exception as error:  # a broken zip raises many kinds (BadZipFile, NotImplementedError, EOFError…)
        raise TableError("file_format", params={"detail": str(error)[:200] or type(error).__name__}) from None
    if declared > limits.max_bytes * XLSX_MAX_EXPANSION:
        raise _table_error(_Problem("file_too_large"), limits=limits, line=0)
    from openpyxl import load_workbook  # only when a workbook is read: openpyxl is slow to import

    try:
        source.seek(0)
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds (KeyError, XML errors…) on a broken file
        raise TableError("file_format", params={"detail": str(error)[:200] or type(error).__name__}) from None
    try:
        yield from _sheet_rows(book, limits)
    finally:
        book.close()


def _seekable(stream: IO[bytes], head: bytes, limits: Limits) -> IO[bytes]:
    """The stream itself when it can seek (an uploaded file can), else its bytes read
    into memory, within max_bytes."""
    try:
        if stream.seekable():
            stream.seek(stream.tell() - len(head))
            return stream
    except (AttributeError, OSError, ValueError):
        pass
    try:
        content = b"".join(_chunks(stream, head, limits))
    except _Problem as problem:
        raise _table_error(problem, limits=limits, line=0) from None
    return io.BytesIO(content)


def _sheet_rows(book: Any, limits: Limits) -> Iterator[tuple[int, list[str]]]:
    if not book.worksheets:
        raise TableError("empty_file")
    sheet = book.worksheets[0]
    # The sheet's declared dimension (<dimension ref="A1:X100"/>): openpyxl would pad every
    # row to its width, so a sheet that declares a huge one is refused before it is read.
    declared_rows, declared_columns = sheet.max_row or 0, sheet.max_column or 0
    if declared_columns > limits.max_columns:
        raise TableError("too_many_columns", params={"columns": declared_columns, "max_columns": limits.max_columns})
    if declared_rows > limits.max_rows + 1:
        raise TableError("too_many_rows", params={"max_rows": limits.max_rows})
    # A dimension may also be too small (some writers put "A1"): read what is there.
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    line = 0
    header_line = 0
    while True:
        try:
            row = next(rows, None)
        except Exception as error:  # a broken sheet XML shows only while it is read
            raise TableError("file_format", line=line + 1, params={"detail": str(error)[:200]}) from None
        if row is None:
            break
        line += 1
        if header_line and line - header_line > limits.max_rows:
            raise TableError("too_many_rows", line=line, params={"max_rows": limits.max_rows})
        cells = _cells(row, line=line, limits=limits, cleaner=_xlsx_cell)
        if cells is None:
            continue
        header_line = header_line or line
        yield line, cells
    if not header_line:
        raise TableError("empty_file")


def _xlsx_cell(value: Any) -> str:
    """A cell's value as the text a person sees: whole numbers without ".0", dates and
    times as YYYY-MM-DD HH:MM:SS."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, (int, Decimal, timedelta)):
        return str(value)
    return str(value).strip()


# --- the importers' form ---------------------------------------------------------------


def read_upload(
    *, filename: str, content: bytes, limits: Limits, delimiters: str = ",;\t"
) -> list[tuple[int, list[str]]]:
    """Every non-blank row of an uploaded .xlsx or .csv (.txt) file as `(line, cells)`,
    the header first, for the importers that check a whole file before writing anything
    (purchase lists, customers, quick replies). Read by `read_table` within `limits`.

    Any problem is a ValidationFailed on the field `file`: a file of another kind, one
    named .xlsx that is not a workbook, too large, too many rows or columns, a cell too
    long, a quote never closed, an encoding that is neither UTF-8 nor GBK; the sentence
    names the line where there is one."""
    name = filename.lower()
    if not name.endswith((".xlsx", ".csv", ".txt")):
        raise ValidationFailed({"file": _("upload an .xlsx or .csv file")})
    is_workbook = content.startswith(_ZIP_MAGIC)
    if name.endswith(".xlsx") and not is_workbook:
        raise ValidationFailed({"file": _("not a readable XLSX workbook")})
    try:
        return list(read_table(filename="", stream=io.BytesIO(content), limits=limits, delimiters=delimiters))
    except TableError as error:
        raise ValidationFailed({"file": _upload_problem(error, limits=limits, is_workbook=is_workbook)}) from None


def _upload_problem(error: TableError, *, limits: Limits, is_workbook: bool) -> str:
    """The importers' short sentence for a problem of the whole file; the table's own
    sentence, naming the line, for a problem met on a line."""
    if error.reason == "file_too_large":
        return _("larger than %(n)s MB") % {"n": max(1, limits.max_bytes // (1024 * 1024))}
    if error.reason == "too_many_rows":
        return _("more than %(n)s rows") % {"n": limits.max_rows}
    if error.reason == "too_many_columns":
        return _("more than %(n)s columns") % {"n": limits.max_columns}
    if error.reason == "empty_file":
        return _("the file is empty")
    if is_workbook and error.reason == "file_format":
        return _("not a readable XLSX workbook")
    if error.reason == "file_encoding" and error.line <= 1:  # from the first line: no text at all
        return _("not UTF-8 or GBK text")
    return error.message
