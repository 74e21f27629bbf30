"""Both languages ship: every message has its Chinese translation, none left fuzzy."""

from pathlib import Path

from django.utils import translation

LOCALE = Path(__file__).resolve().parents[1] / "sellerdesk" / "locale"


def _entries(po: Path) -> list[list[str]]:
    return [block.splitlines() for block in po.read_text(encoding="utf-8").split("\n\n") if block.strip()]


def _msgstr(lines: list[str]) -> str:
    text, inside = "", False
    for line in lines:
        if line.startswith("msgstr"):
            inside = True
            text += line.partition(" ")[2].strip('"')
        elif inside and line.startswith('"'):
            text += line.strip('"')
    return text


def test_every_message_has_a_chinese_translation() -> None:
    po = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
    untranslated = [
        next(line for line in entry if line.startswith("msgid"))
        for entry in _entries(po)[1:]
        if not any(line.startswith("#~") for line in entry) and _msgstr(entry) == ""
    ]
    assert untranslated == []


def test_no_translation_is_left_fuzzy() -> None:
    for po in LOCALE.glob("*/LC_MESSAGES/django.po"):
        fuzzy = [
            entry for entry in _entries(po)[1:] if any(line.startswith("#,") and "fuzzy" in line for line in entry)
        ]
        assert fuzzy == [], po


def test_the_compiled_catalogue_is_used() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Pending review") == "待审核"
    with translation.override("en"):
        assert translation.gettext("Pending review") == "Pending review"
