"""Small pieces every XLSX export shares (openpyxl): a sheet's title and a bold header row."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

# A sheet title may not hold []:*?/\ and is at most 31 characters.
_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(text: str) -> str:
    """`text` made a valid sheet title: the forbidden characters as spaces, 31 at most."""
    return _SHEET_UNSAFE.sub(" ", text)[:31]


def append_bold_header(sheet: Any, labels: Iterable[object]) -> None:
    """Append a header row of `labels` in bold to `sheet`, a write-only one included
    (whose cells are styled before they are written)."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    bold = Font(bold=True)
    header = []
    for label in labels:
        cell = WriteOnlyCell(sheet, value=str(label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
