"""Reading back sentences stored before texts were kept as codes (see core/messages.py).

The data migrations that turn old rows' finished sentences into a code and parameters
use this: each known template, in English (its msgid) and in Chinese (its msgstr in the
shipped .po catalogue), becomes an anchored regular expression whose named groups are
the template's placeholders. Read from the .po file itself, not the compiled catalogue,
so a migration sees the same templates whether or not messages were compiled.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

LOCALE = Path(__file__).resolve().parents[1] / "locale"
CATALOGUES = (LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po",)
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _unquote(line: str) -> str:
    body = line[line.index('"') + 1 : line.rindex('"')]
    return body.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")


@cache
def catalogue(path: Path) -> dict[str, str]:
    """msgid → msgstr of a .po file (singular entries; obsolete and empty ones left out)."""
    entries: dict[str, str] = {}
    msgid: str | None = None
    msgstr: str | None = None
    target = ""
    for raw in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = raw.strip()
        if line.startswith("msgid "):
            msgid, msgstr, target = _unquote(line), None, "id"
        elif line.startswith("msgstr "):
            msgstr, target = _unquote(line), "str"
        elif line.startswith('"') and target == "id" and msgid is not None:
            msgid += _unquote(line)
        elif line.startswith('"') and target == "str" and msgstr is not None:
            msgstr += _unquote(line)
        elif not line:
            if msgid and msgstr:
                entries[msgid] = msgstr
            msgid, msgstr, target = None, None, ""
    return entries


def translations(msgid: str) -> list[str]:
    """The template in every shipped language: the msgid and its translations."""
    found = [msgid]
    for path in CATALOGUES:
        translated = catalogue(path).get(msgid)
        if translated and translated not in found:
            found.append(translated)
    return found


def pattern(template: str, *, suffix: str = "", choices: dict[str, list[str]] | None = None) -> re.Pattern[str]:
    """An anchored regex for `template`: each %(name)s becomes the group `name` (one of
    `choices[name]` or nothing, when given: a placeholder filled with a fixed phrase or
    left empty); `suffix` is raw regex appended before the end anchor."""
    parts: list[str] = []
    position = 0
    seen: set[str] = set()
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        name = match.group(1)
        if name in (choices or {}):
            alternatives = "|".join(re.escape(choice) for choice in (choices or {})[name])
            parts.append(f"(?P<{name}>(?:{alternatives})?)")
        else:
            parts.append(f"(?P<{name}>.*?)" if name not in seen else f"(?P={name})")
        seen.add(name)
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("^" + "".join(parts) + suffix + "$", re.DOTALL)


def parse(
    text: str, msgid: str, *, suffix: str = "", choices: dict[str, list[str]] | None = None
) -> dict[str, str] | None:
    """The placeholders' values if `text` is `msgid`'s template filled in, in any shipped
    language (and `suffix`'s groups, if matched); None if it is not."""
    for template in translations(msgid):
        found = pattern(template, suffix=suffix, choices=choices).match(text)
        if found:
            return {name: value for name, value in found.groupdict().items() if value is not None}
    return None


def label_code(text: str, labels: Iterable[tuple[str, str]]) -> str | None:
    """The code whose label (a msgid, or its translation) is `text`."""
    for code, msgid in labels:
        if text in translations(msgid):
            return code
    return None


def coded(
    text: str, rules: Iterable[tuple[str, str]], *, choices: dict[str, list[str]] | None = None
) -> dict[str, str] | None:
    """{"code": …, placeholders…} for the first (code, msgid) whose template, in any shipped
    language, `text` is; None if none (then it is a text a person typed)."""
    for code, msgid in rules:
        parsed = parse(text, msgid, choices=choices)
        if parsed is not None:
            return {"code": code, **parsed}
    return None
