"""Issue 17 C: every PDF the product prints is rendered in both languages by a test that
checks its field labels (tests.support.pdf_text). A new PDF builder fails here until a
test renders it so."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Where each document is rendered in zh-Hans and en and its labels checked.
LABEL_TESTS = {
    "sellerdesk/fulfilment/documents.py": "tests/fulfilment/test_documents.py",
    "sellerdesk/purchasing/documents.py": "tests/purchasing/test_documents.py",
    "sellerdesk/aftersales/documents.py": "tests/aftersales/test_documents.py",
    "sellerdesk/service/archive.py": "tests/service/test_archive.py",
}
# Builders that print with another module's builder (a selection of orders prints the
# warehouse's own labels and slips): covered by that module's test.
PRINTS_WITH = {"sellerdesk/fulfilment/selection.py": "sellerdesk/fulfilment/documents.py"}


def _makes_a_pdf(node: ast.AST) -> bool:
    for call in ast.walk(node):
        if not isinstance(call, ast.Call):
            continue
        func = call.func
        builds = isinstance(func, ast.Attribute) and func.attr in {"build", "label_sheet"}
        if builds and isinstance(func.value, ast.Name) and func.value.id == "pdf":  # type: ignore[union-attr]
            return True
        if isinstance(func, ast.Name) and func.id == "Canvas":
            return True
    return False


def pdf_builders() -> dict[str, list[str]]:
    """Per source file, the functions that make a PDF document themselves."""
    found: dict[str, list[str]] = {}
    for path in sorted((ROOT / "sellerdesk").rglob("*.py")):
        relative = str(path.relative_to(ROOT))
        if relative == "sellerdesk/core/pdf.py" or "/migrations/" in relative:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef) and node.name.endswith("pdf") and _makes_a_pdf(node)
        ]
        if names:
            found[relative] = names
    return found


def test_every_pdf_builder_is_rendered_in_both_languages_with_its_labels_checked() -> None:
    builders = pdf_builders()
    assert builders, "no PDF builder found: the scan is broken"
    uncovered = []
    for source, names in builders.items():
        test_file = LABEL_TESTS.get(PRINTS_WITH.get(source, source))
        text = (ROOT / test_file).read_text(encoding="utf-8") if test_file else ""
        if "assert_labels" not in text:
            uncovered.append(source)
            continue
        if source in PRINTS_WITH:
            continue
        uncovered += [f"{source}:{name}" for name in names if name.lstrip("_") not in text]
    assert uncovered == []
