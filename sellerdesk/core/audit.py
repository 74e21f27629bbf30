"""The audit trail of objects without a table of their own (transfers, stock counts,
waves, shop settings): one generic row per event (core.models.AuditEvent), a code and
its parameters, rendered when read (core.messages).

Each app declares its codes with `register_audit_code` next to one small writer per
code, and shows `history(kind, id)` where the object is shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _

from sellerdesk.core import messages
from sellerdesk.core.models import AuditEvent, User

# The settings of a shop (review, allocation, carrier rules …), by the shop's code: one
# history for all of them, shown on the shop's settings page.
SHOP_SETTINGS = "shop_settings"

_KIND_OF_CODE: dict[str, str] = {}


def register_audit_code(code: str, object_kind: str, template: Any = None, **renderer: Any) -> None:
    """Declare an audit code, the kind of object it is written for, and how its sentence
    is rendered (see `core.messages.register`). A code without this cannot be written."""
    messages.register(code, template, **renderer)
    _KIND_OF_CODE[code] = object_kind


def audit_codes() -> list[str]:
    return sorted(_KIND_OF_CODE)


def kind_of(code: str) -> str:
    return _KIND_OF_CODE[code]


def record(
    *, object_kind: str, object_id: object, code: str, actor: User | None, at: datetime, **params: Any
) -> AuditEvent:
    """Write one audit event (in the caller's transaction). The code must be registered
    for `object_kind`; the parameters are facts (numbers, codes, before/after), never a
    sentence."""
    if _KIND_OF_CODE.get(code) != object_kind:
        raise LookupError(f"audit code {code!r} is not registered for {object_kind!r}")
    return AuditEvent.objects.create(
        object_kind=object_kind, object_id=str(object_id), code=code, actor=actor, at=at, data=params
    )


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    code: str
    text: str
    actor: str


def entry(event: AuditEvent) -> AuditEntry:
    """One line of an object's history as the reader sees it (their language)."""
    return AuditEntry(
        at=event.at,
        code=event.code,
        text=messages.render({**event.data, "code": event.code}),
        actor=event.actor.signature if event.actor else _("System"),
    )


def history(object_kind: str, object_ids: Iterable[object]) -> list[AuditEntry]:
    """The audit events of these objects of one kind, oldest first, rendered."""
    ids = [str(object_id) for object_id in object_ids]
    rows = AuditEvent.objects.filter(object_kind=object_kind, object_id__in=ids).select_related("actor")
    return [entry(event) for event in rows.order_by("at", "pk")]


# --- settings changes: {field: [before, after]} ----------------------------------------------


class _Shop(Protocol):
    code: str
    name: str


def register_settings_code(code: str, template: str, model: type[models.Model], example: dict[str, Any]) -> None:
    """Declare a "settings of a shop saved" code (kind SHOP_SETTINGS): its sentence is
    `template` (a msgid with %(shop)s, translated when read) followed by the changed
    fields as `changes_text(model, …)` renders them."""

    def render(data: messages.Params) -> str:
        text = _(template) % {"shop": data.get("shop_name", data.get("shop", ""))}
        changes = changes_text(model, data.get("changes", {}))
        return f"{text} {changes}" if changes else text

    register_audit_code(code, SHOP_SETTINGS, render=render, example=example)


def settings_changed(
    shop: _Shop, code: str, *, changes: dict[str, list[Any]], actor: User | None, at: datetime
) -> AuditEvent:
    """Write one "settings of `shop` saved" event (a code declared with
    `register_settings_code`), with the changed fields as [before, after] pairs."""
    return record(
        object_kind=SHOP_SETTINGS,
        object_id=shop.code,
        code=code,
        actor=actor,
        at=at,
        shop=shop.code,
        shop_name=shop.name,
        changes=changes,
    )


def changes_of(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The fields whose value changed, as JSON-ready [before, after] pairs."""
    return {name: [_plain(before[name]), _plain(after[name])] for name in after if before.get(name) != after[name]}


def _plain(value: Any) -> Any:
    if isinstance(value, (bool, int, float, str, list, dict)) or value is None:
        return value
    return str(value)  # Decimal and the like


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value) or "-"
    return "-" if value in (None, "") else str(value)


def changes_text(model: type[models.Model], changes: dict[str, list[Any]]) -> str:
    """ "label: before → after; …" with each field's (translated) verbose name."""
    parts = []
    for name, (before, after) in changes.items():
        try:
            label = str(getattr(model._meta.get_field(name), "verbose_name", name))
        except FieldDoesNotExist:
            label = name
        parts.append(f"{label}: {_shown(before)} → {_shown(after)}")
    return "; ".join(parts)
