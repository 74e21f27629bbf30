"""Texts the system says, stored as a code and its parameters and rendered when read.

A timeline event, a close reason, a hold's resolution or a stock movement's note is kept
as `{"code": "label_booked", "carrier_name": "顺丰速运", "tracking_number": "SF1"}`,
never as a finished sentence: the sentence is made at read time, in the reader's
language, from the template registered for the code. What a person typed (a note, a
cancel reason) travels as a parameter and is shown as typed.

Every app registers the renderers of its own codes (at import of its `events.py`,
imported by its `AppConfig.ready()`), so a lower app renders an upper app's codes
without importing it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

# A row written before codes existed whose sentence could not be parsed keeps it here.
LEGACY = "legacy"
LEGACY_TEXT = "legacy_text"

Params = Mapping[str, Any]
# What a person typed (kept as typed), or a code and its parameters (see `message`).
Text = str | Mapping[str, Any]


@dataclass(frozen=True)
class Renderer:
    """How one code becomes a sentence.

    `template` is a lazy translatable string with `%(name)s` placeholders, filled from
    the parameters, after `format` (if given) has turned them into display values
    (labels, local dates, joined lists). `render`, when given, replaces both for the
    few codes whose sentence is assembled from parts. `example` are parameters a test
    renders every code with; `verbatim` marks codes that show only what a person typed,
    so they read the same in every language."""

    code: str
    template: Promise | None = None
    format: Callable[[Params], Mapping[str, Any]] | None = None
    render: Callable[[Params], str] | None = None
    example: dict[str, Any] = field(default_factory=dict)
    verbatim: bool = False

    def __call__(self, params: Params) -> str:
        if self.render is not None:
            return self.render(params)
        if self.template is None:
            return ""
        values = self.format(params) if self.format is not None else params
        return str(self.template) % _Defaulting(values)


class _Defaulting(dict[str, Any]):
    """Template values where a missing parameter reads as "" rather than raising: an
    old row may lack a parameter a newer template names."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        super().__init__(values)

    def __missing__(self, key: str) -> str:
        return ""


_REGISTRY: dict[str, Renderer] = {}


def register(
    code: str,
    template: Promise | None = None,
    *,
    format: Callable[[Params], Mapping[str, Any]] | None = None,
    render: Callable[[Params], str] | None = None,
    example: dict[str, Any] | None = None,
    verbatim: bool = False,
) -> Renderer:
    """Register how `code` is rendered. Registering the same code twice is a mistake
    (two apps would fight over its sentence) and raises."""
    code = str(code)  # a TextChoices member is stored as its plain value
    if code in _REGISTRY:
        raise ValueError(f"message code {code!r} is registered twice")
    renderer = Renderer(code, template, format, render, dict(example or {}), verbatim)
    _REGISTRY[code] = renderer
    return renderer


def is_registered(code: str) -> bool:
    return code in _REGISTRY


def renderers() -> list[Renderer]:
    """Every registered renderer, sorted by code (for the tests that render them all)."""
    return [_REGISTRY[code] for code in sorted(_REGISTRY)]


def message(code: str, **params: Any) -> dict[str, Any]:
    """The stored form of a text: its code and parameters. The code must be registered,
    so a text nobody can render is refused where it is written, not where it is read."""
    if code not in _REGISTRY:
        raise LookupError(f"message code {code!r} has no renderer; register it first")
    return {"code": code, **params}


def render(data: Params | None, *, default_code: str = "") -> str:
    """The sentence for stored `data` in the active language; a legacy row shows its old
    sentence as it was, an unknown code (or none) renders as ""."""
    if not data:
        return ""
    code = data.get("code") or default_code
    renderer = _REGISTRY.get(code)  # LEGACY is registered below: its renderer shows the old sentence
    if renderer is None:
        return str(data.get(LEGACY_TEXT, ""))
    return renderer(data)


def text(value: Text | None) -> str:
    """A typed text as typed; a coded one rendered in the active language."""
    if value is None:
        return ""
    return value if isinstance(value, str) else render(value)


def typed_or_coded(value: Text) -> tuple[str, dict[str, Any]]:
    """Split a value for a model that keeps a typed text in a text field and a coded one
    in a JSON field beside it: (typed text, {}) or ("", code and parameters)."""
    if isinstance(value, str):
        return value, {}
    return "", dict(value)


def cleaned(value: Text) -> str | dict[str, Any]:
    """A text as a JSON field keeps it: what a person typed, stripped, or a plain dict of
    the code and parameters (read back with `text`)."""
    return value.strip() if isinstance(value, str) else dict(value)


def stored_text(typed: str, coded: Params | None) -> str:
    """What such a pair of fields reads as: the coded text rendered in the active
    language, or else the typed text as typed."""
    return render(coded) if coded else typed


register(LEGACY, render=lambda params: str(params.get(LEGACY_TEXT, "")), example={LEGACY_TEXT: "…"}, verbatim=True)
