"""Reading a PDF back for its field labels (pdftotext, poppler-utils), shared by the
tests that render every document in both languages (issue 17 C)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

from django.utils import translation

LANGUAGES = ("zh-hans", "en")
# The date range's words ("From"/"To" without a context): never a document's field label.
DATE_RANGE_WORDS = ("起始日期", "截止日期")


def pdf_text(content: bytes, tmp_path: Path, *, name: str = "document.pdf") -> str:
    """The text of a PDF as pdftotext reads it, in layout order."""
    path = tmp_path / name
    path.write_bytes(content)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True).stdout


def rendered_in(language: str, build: object, tmp_path: Path) -> str:
    """Render a document (a callable answering PDF bytes) in `language`; its text."""
    with translation.override(language):
        content = build()  # type: ignore[operator]
    return pdf_text(content, tmp_path)


def assert_labels(text: str, labels: Iterable[str]) -> None:
    """Every label is in the text, and no field reads as a date range's start or end."""
    missing = [label for label in labels if label not in text]
    assert missing == [], f"missing {missing} in:\n{text}"
    dates = [word for word in DATE_RANGE_WORDS if word in text]
    assert dates == [], f"date-range words {dates} in:\n{text}"
