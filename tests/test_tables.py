"""core.tables: the bounded, streaming reader of uploaded CSV and XLSX tables."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from sellerdesk.core import messages
from sellerdesk.core.tables import Limits, TableError, limits_from_settings, read_table

LIMITS = Limits(max_bytes=1024 * 1024, max_rows=100, max_columns=20, max_cell_chars=1000)


def rows(data: bytes, *, filename: str = "orders.csv", limits: Limits = LIMITS) -> list[tuple[int, list[str]]]:
    return list(read_table(filename=filename, stream=io.BytesIO(data), limits=limits))


def error(data: bytes, *, filename: str = "orders.csv", limits: Limits = LIMITS) -> TableError:
    with pytest.raises(TableError) as caught:
        rows(data, filename=filename, limits=limits)
    return caught.value


def english(problem: TableError) -> str:
    with translation.override("en"):
        return problem.message


def xlsx(table: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in table:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def with_dimension(workbook: bytes, ref: str) -> bytes:
    """The workbook with its first sheet's declared dimension replaced by `ref`."""
    source = zipfile.ZipFile(io.BytesIO(workbook))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            content = source.read(member.filename)
            if member.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="' + ref.encode() + b'"', content)
            target.writestr(member, content)
    return out.getvalue()


# --- encodings ---------------------------------------------------------------------------


def test_utf8_gbk_gb18030_and_bom_read_the_same() -> None:
    text = "订单编号,收货人姓名\r\n1001,张三\r\n1002,李四\r\n"
    expected = [(1, ["订单编号", "收货人姓名"]), (2, ["1001", "张三"]), (3, ["1002", "李四"])]

    assert rows(text.encode("utf-8")) == expected
    assert rows(text.encode("utf-8-sig")) == expected
    assert rows(text.encode("gbk")) == expected
    assert rows(text.encode("gb18030")) == expected


def test_gb18030_beyond_gbk() -> None:
    # 𠮷 is in GB18030 (four bytes) but not in GBK.
    assert rows("名字\n𠮷野家\n".encode("gb18030")) == [(1, ["名字"]), (2, ["𠮷野家"])]


def test_the_encoding_is_decided_by_the_first_non_ascii_bytes_however_late() -> None:
    ascii_rows = "".join(f"{number},buyer{number}\n" for number in range(2, 20_000))
    data = ("id,name\n" + ascii_rows + "20000,王五\n").encode("gbk")
    assert len(data) > 3 * 64 * 1024  # past several chunks

    read = rows(data, limits=Limits(max_bytes=1024 * 1024, max_rows=30_000, max_columns=5, max_cell_chars=100))

    assert read[-1] == (20_000, ["20000", "王五"])


def test_bytes_neither_utf8_nor_gbk_name_their_line() -> None:
    problem = error(b"a,b\n1,2\n3,\xff\xfe\n")

    assert (problem.reason, problem.line) == ("file_encoding", 3)
    assert english(problem).startswith("orders.csv: Line 3 is not text in UTF-8 or GBK")


def test_utf8_that_turns_bad_later_names_the_line() -> None:
    data = "a,b\n1,é\n".encode() + b"2,\xc3\x28\n"

    problem = error(data)

    assert (problem.reason, problem.line) == ("file_encoding", 3)


@pytest.mark.parametrize("data", ["a,b\n1,2\n".encode("utf-16"), b"a\x00,b\n"])
def test_utf16_and_nul_bytes_are_not_text(data: bytes) -> None:
    assert error(data).reason == "file_encoding"


# --- rows and lines ----------------------------------------------------------------------


def test_lines_count_blank_rows_and_a_cell_on_several_lines_is_one_row() -> None:
    data = 'id,address\n\n1,"浙江省\n杭州市"\n2,上海市\n,\n3, 北京市 \n'.encode()

    assert rows(data) == [
        (1, ["id", "address"]),
        (3, ["1", "浙江省\n杭州市"]),
        (4, ["2", "上海市"]),
        (6, ["3", "北京市"]),
    ]


def test_excel_text_formula_reads_as_its_digits_and_tabs_delimit() -> None:
    data = b'id\tphone\tnote\n="3875012945610000001"\t\'13800138000\t"a, b"\n'

    assert rows(data) == [(1, ["id", "phone", "note"]), (2, ["3875012945610000001", "'13800138000", "a, b"])]


def test_trailing_empty_cells_are_dropped() -> None:
    assert rows(b"a,b,,,\n1,,,,\n") == [(1, ["a", "b"]), (2, ["1"])]


# --- problems, each with its line ----------------------------------------------------------


def test_a_quote_never_closed_at_the_end_of_the_file() -> None:
    problem = error(b'a,b\n1,2\n3,"abc\n4,5\n')

    assert (problem.reason, problem.line) == ("unterminated_quote", 3)
    assert english(problem) == 'orders.csv: Line 3: a quoted cell starts here and is never closed (a " is missing).'


def test_a_quote_never_closed_in_a_long_file_is_found_at_its_line() -> None:
    body = "".join(f'{number},"ok {number}"\n' for number in range(3, 30_000))
    data = ('a,b\n1,"never closed\n' + body).encode()
    limits = Limits(max_bytes=10 * 1024 * 1024, max_rows=100_000, max_columns=5, max_cell_chars=1000)

    problem = error(data, limits=limits)

    assert (problem.reason, problem.line) == ("unterminated_quote", 2)


@pytest.mark.parametrize("quoted", [False, True])
def test_a_128_kb_cell_is_too_long_not_a_crash(quoted: bool) -> None:
    cell = "x" * (128 * 1024 + 10)
    data = f"a,b\n1,2\n3,{chr(34) + cell + chr(34) if quoted else cell}\n4,5\n".encode()
    limits = Limits(max_bytes=10 * 1024 * 1024, max_rows=100, max_columns=5, max_cell_chars=10_000)

    problem = error(data, limits=limits)

    assert (problem.reason, problem.line) == ("cell_too_long", 3)
    assert english(problem) == "orders.csv: Line 3: a cell longer than 10000 characters."


def test_a_cell_longer_than_the_limit_names_its_column() -> None:
    problem = error(b"a,b\n1," + b"y" * 1001 + b"\n")

    assert (problem.reason, problem.line, problem.params["column"]) == ("cell_too_long", 2, 2)
    assert english(problem) == "orders.csv: Line 2, column 2: a cell longer than 1000 characters."


def test_a_bad_quote_is_a_format_error_on_its_line() -> None:
    problem = error(b'a,b\n1,"ab"c\n')

    assert (problem.reason, problem.line) == ("file_format", 2)


def test_too_many_columns_and_rows() -> None:
    columns = error(b"a\n" + b",".join(b"x" for _ in range(21)) + b"\n")
    many = error(b"a\n" + b"1\n" * 101)

    assert (columns.reason, columns.line, columns.params) == (
        "too_many_columns",
        2,
        {"columns": 21, "max_columns": 20, "file": "orders.csv"},
    )
    assert (many.reason, many.line) == ("too_many_rows", 102)
    assert rows(b"a\n" + b"1\n" * 100)[-1] == (101, ["1"])


def test_a_file_too_large_is_refused_before_reading_when_its_size_is_known() -> None:
    stream = io.BytesIO(b"a,b\n" + b"1,2\n" * 1000)

    with pytest.raises(TableError) as caught:
        next(read_table(filename="big.csv", stream=stream, limits=Limits(1000, 10_000, 5, 10)))

    assert (caught.value.reason, caught.value.line, caught.value.params["max_mb"]) == ("file_too_large", 0, 1)
    assert stream.tell() == 0  # not a byte read


class Endless(io.RawIOBase):
    """A stream of unknown size that never ends: the reader must stop at the limit."""

    def __init__(self) -> None:
        self.given = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        self.given += size
        return (b"1,2\n" * (size // 4 + 1))[:size]


def test_a_stream_of_unknown_size_is_stopped_at_the_limit() -> None:
    stream = Endless()
    limits = Limits(max_bytes=300_000, max_rows=10**9, max_columns=5, max_cell_chars=10)

    with pytest.raises(TableError) as caught:
        for _ in read_table(filename="pipe.csv", stream=stream, limits=limits):  # type: ignore[arg-type]
            pass

    assert caught.value.reason == "file_too_large"
    assert stream.given < 300_000 + 2 * 65536


@pytest.mark.parametrize("data", [b"", b"\n\n\r\n", b" , ,\n"])
def test_nothing_to_read_is_an_empty_file(data: bytes) -> None:
    assert error(data).reason == "empty_file"


def test_legacy_xls_and_broken_zip_are_format_errors() -> None:
    xls = error(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, filename="orders.xls")
    broken = error(b"PK\x03\x04 not really a zip", filename="orders.xlsx")

    assert (xls.reason, xls.line) == ("file_format", 0)
    assert "xls" in xls.params["detail"]
    assert broken.reason == "file_format"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400) | st.text(alphabet='ab,"\n\r\t=订单 ', max_size=300).map(str.encode))
def test_any_bytes_read_or_raise_a_table_error(data: bytes) -> None:
    small = Limits(max_bytes=1000, max_rows=20, max_columns=6, max_cell_chars=40)
    try:
        for line, cells in read_table(filename="fuzz.csv", stream=io.BytesIO(data), limits=small):
            assert line >= 1 and cells and len(cells) <= 6
    except TableError as problem:
        assert problem.reason in {
            "file_too_large",
            "file_encoding",
            "file_format",
            "too_many_rows",
            "too_many_columns",
            "cell_too_long",
            "unterminated_quote",
            "empty_file",
        }
        assert english(problem)


# --- XLSX --------------------------------------------------------------------------------


def test_xlsx_cells_read_as_text() -> None:
    data = xlsx(
        [
            ["订单编号", "数量", "价格", "时间", "备注"],
            ["3875012945610000001", 2, 69.9, datetime(2026, 11, 20, 9, 4, 0), None],
            # A number cell holds 15 significant digits (Excel's too): long ids come as text.
            [387501294561, 1.0, 129, None, "  送小样 "],
        ]
    )

    assert rows(data, filename="orders.xlsx") == [
        (1, ["订单编号", "数量", "价格", "时间", "备注"]),
        (2, ["3875012945610000001", "2", "69.9", "2026-11-20 09:04:00"]),
        (3, ["387501294561", "1", "129", "", "送小样"]),
    ]


def test_xlsx_named_csv_is_read_as_xlsx_and_blank_rows_count() -> None:
    data = xlsx([["a", "b"], [None, None], ["1", "2"]])

    assert rows(data, filename="orders.csv") == [(1, ["a", "b"]), (3, ["1", "2"])]


def test_xlsx_declaring_a_huge_sheet_is_refused_before_reading() -> None:
    data = xlsx([["a", "b"], ["1", "2"]])

    tall = error(with_dimension(data, "A1:B1048576"), filename="orders.xlsx")
    wide = error(with_dimension(data, "A1:XFD2"), filename="orders.xlsx")

    assert (tall.reason, tall.line) == ("too_many_rows", 0)
    assert (wide.reason, wide.params["columns"]) == ("too_many_columns", 16384)


def test_xlsx_declaring_too_small_a_sheet_is_read_whole() -> None:
    data = with_dimension(xlsx([["a", "b"], ["1", "2"], ["3", "4"]]), "A1")

    assert rows(data, filename="orders.xlsx")[-1] == (3, ["3", "4"])


def test_xlsx_rows_past_the_limit_and_long_cells() -> None:
    declared = error(xlsx([["a"]] + [["1"]] * 101), filename="orders.xlsx")
    counted = error(with_dimension(xlsx([["a"]] + [["1"]] * 101), "A1"), filename="orders.xlsx")
    long = error(xlsx([["a", "b"], ["1", "z" * 1001]]), filename="orders.xlsx")

    assert (declared.reason, declared.line) == ("too_many_rows", 0)
    assert (counted.reason, counted.line) == ("too_many_rows", 102)
    assert (long.reason, long.line, long.params["column"]) == ("cell_too_long", 2, 2)


def test_xlsx_that_would_expand_beyond_the_limit_is_refused_unopened() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b"<sst>" + b" " * 3_000_000 + b"</sst>")

    problem = error(out.getvalue(), filename="bomb.xlsx", limits=Limits(100_000, 10, 5, 10))

    assert problem.reason == "file_too_large"


def test_xlsx_with_corrupted_bytes_is_a_format_error() -> None:
    data = bytearray(xlsx([["a", "b"], ["1", "2"]]))
    # The central directory's "version needed to extract" of the first member: 99.9.
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = (999).to_bytes(2, "little")

    assert error(bytes(data), filename="orders.xlsx").reason == "file_format"


def test_xlsx_that_is_no_workbook_is_a_format_error() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("hello.txt", "hi")

    assert error(out.getvalue(), filename="orders.xlsx").reason == "file_format"


# --- the error itself --------------------------------------------------------------------------


def test_the_error_is_a_422_with_its_stored_form() -> None:
    problem = error(b'a\n"x\n')

    assert (problem.code, problem.status) == ("bad_file", 422)
    assert problem.as_message() == {"code": "unterminated_quote", "file": "orders.csv", "line": 2}
    assert problem.details == {"reason": "unterminated_quote", "line": 2, "params": {"file": "orders.csv"}}
    with translation.override("en"):
        assert messages.render(problem.as_message()) == problem.message


def test_every_reason_renders_with_and_without_a_line() -> None:
    with translation.override("en"):
        for reason in ("file_too_large", "file_encoding", "file_format", "too_many_rows", "too_many_columns"):
            assert TableError(reason, params={"max_mb": 1, "detail": "x", "max_rows": 1, "columns": 2}).message
            with_line = TableError(reason, line=4, params={"detail": "x"}).message
            assert "line 4" in with_line.lower() or reason == "file_too_large"
        assert TableError("empty_file").message == "The file is empty: it has no header line."
        assert TableError("cell_too_long", params={"max_chars": 5}).message == "A cell is longer than 5 characters."


def test_limits_come_from_settings() -> None:
    limits = limits_from_settings()

    assert limits.max_bytes > 1024 * 1024 and limits.max_rows >= 100_000
    assert limits.max_columns > 0 and limits.max_cell_chars > 0
