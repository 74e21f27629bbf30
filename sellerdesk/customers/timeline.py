"""The customer's timeline: CustomerEvent rows rendered when read, in the reader's language.

The events store codes, ids and the values as written (formats in each writer: the
profile in customers.actions, the book in customers.book, levels in customers.tiers,
groups in customers.groups, imports in crm.excel, merges in crm.merging); this module is
the one place where they become sentences, so a zh-Hans and an en reader see the same row
each in their own language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from sellerdesk.core.models import User
from sellerdesk.customers.models import Customer, CustomerEvent, CustomerEventType, CustomerLevel, TransportMode


@dataclass(frozen=True)
class TimelineEntry:
    """One row of the customer's timeline as the page shows it."""

    at: datetime
    kind: str  # the event type, for the row's colour
    title: str
    text: str
    actor: str


@dataclass(frozen=True)
class _Names:
    """What ids and codes in the events stand for, looked up once for all the rows."""

    levels: Mapping[str, str]
    users: Mapping[int, str]


NONE = "—"


def _level_name(names: _Names, code: Any) -> str:
    if code in (None, ""):
        return NONE
    return names.levels.get(str(code), str(code))


def _field_value(names: _Names, field: str, value: Any) -> str:
    """A profile value as a person reads it: names for codes and ids, yes/no, — for empty."""
    if value is None or value == "":
        return NONE
    if field == "level":
        return _level_name(names, value)
    if field == "agent":
        return names.users.get(value, f"#{value}") if isinstance(value, int) else str(value)
    if field == "transport_mode" and value in TransportMode.values:
        return str(TransportMode(value).label)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


def _field_label(field: str) -> str:
    try:
        return str(getattr(Customer._meta.get_field(field), "verbose_name", field))
    except FieldDoesNotExist:
        return field


def _profile_changed(data: Mapping[str, Any], names: _Names) -> str:
    changes = data.get("changes") or {}
    parts = [
        _("%(field)s: %(before)s → %(after)s")
        % {
            "field": _field_label(field),
            "before": _field_value(names, field, change.get("before")),
            "after": _field_value(names, field, change.get("after")),
        }
        for field, change in sorted(changes.items())
        if isinstance(change, Mapping)
    ]
    return "; ".join(parts)


def _level_changed(data: Mapping[str, Any], names: _Names) -> str:
    text = _("%(before)s → %(after)s") % {
        "before": _level_name(names, data.get("before")),
        "after": _level_name(names, data.get("after")),
    }
    if data.get("automatic"):
        text += " " + _("(automatic, by the level thresholds)")
    if data.get("reason"):
        text += " · " + _("Reason: %(reason)s") % {"reason": data["reason"]}
    return text


# The kinds of rows a merge moves (crm.merging's `moved`); another kind shows its code.
def _moved_label(kind: str, count: int) -> str:
    labels: dict[str, Callable[[int], str]] = {
        "orders": lambda n: ngettext("%(count)d order", "%(count)d orders", n),
        "aftersales_cases": lambda n: ngettext("%(count)d after-sales case", "%(count)d after-sales cases", n),
        "conversations": lambda n: ngettext("%(count)d conversation", "%(count)d conversations", n),
        "addresses": lambda n: ngettext("%(count)d address", "%(count)d addresses", n),
        "notes": lambda n: ngettext("%(count)d note", "%(count)d notes", n),
        "tags": lambda n: ngettext("%(count)d tag", "%(count)d tags", n),
        "groups": lambda n: ngettext("%(count)d buyer group", "%(count)d buyer groups", n),
        "outgoing_messages": lambda n: ngettext("%(count)d message sent", "%(count)d messages sent", n),
        "portal_tokens": lambda n: ngettext("%(count)d buyer portal link", "%(count)d buyer portal links", n),
        "message_preference": lambda n: ngettext("%(count)d message preference", "%(count)d message preferences", n),
        "do_not_remind": lambda n: ngettext("%(count)d do-not-remind mark", "%(count)d do-not-remind marks", n),
        "merged_customers": lambda n: ngettext(
            "%(count)d customer merged earlier", "%(count)d customers merged earlier", n
        ),
        "events": lambda n: ngettext("%(count)d timeline entry", "%(count)d timeline entries", n),
    }
    label = labels.get(kind)
    return label(count) % {"count": count} if label else f"{kind}: {count}"


def _merged(data: Mapping[str, Any], names: _Names) -> str:
    text = _("Merged in: %(numbers)s") % {"numbers": ", ".join(str(number) for number in data.get("merged") or [])}
    moved = data.get("moved") or {}
    if isinstance(moved, Mapping) and any(moved.values()):
        text += " · " + _("moved %(what)s") % {
            "what": ", ".join(_moved_label(kind, int(count)) for kind, count in sorted(moved.items()) if count)
        }
    if data.get("reason"):
        text += " · " + _("Reason: %(reason)s") % {"reason": data["reason"]}
    return text


def _merged_into(data: Mapping[str, Any], names: _Names) -> str:
    text = _("Merged into %(number)s") % {"number": data.get("into", NONE)}
    if data.get("reason"):
        text += " · " + _("Reason: %(reason)s") % {"reason": data["reason"]}
    return text


def _imported(data: Mapping[str, Any], names: _Names) -> str:
    values = {"file": data.get("file", ""), "line": data.get("line", "")}
    if data.get("created"):
        return _("Created from %(file)s, line %(line)s") % values
    return _("Updated from %(file)s, line %(line)s") % values


RENDERERS: dict[str, Callable[[Mapping[str, Any], _Names], str]] = {
    CustomerEventType.PROFILE_CHANGED: _profile_changed,
    CustomerEventType.LEVEL_CHANGED: _level_changed,
    CustomerEventType.TAGGED: lambda data, names: str(data.get("tag", "")),
    CustomerEventType.UNTAGGED: lambda data, names: str(data.get("tag", "")),
    CustomerEventType.NOTE_ADDED: lambda data, names: str(data.get("note", "")),
    CustomerEventType.ADDRESS_ADDED: lambda data, names: str(data.get("address", "")),
    CustomerEventType.ADDRESS_CHANGED: lambda data, names: str(data.get("address", "")),
    CustomerEventType.ADDRESS_REMOVED: lambda data, names: str(data.get("address", "")),
    CustomerEventType.GROUP_JOINED: lambda data, names: str(data.get("group", "")),
    CustomerEventType.GROUP_LEFT: lambda data, names: str(data.get("group", "")),
    CustomerEventType.IMPORTED: _imported,
    CustomerEventType.MERGED: _merged,
    CustomerEventType.MERGED_INTO: _merged_into,
}


def _names_for(events: list[CustomerEvent]) -> _Names:
    level_codes: set[str] = set()
    user_ids: set[int] = set()
    for event in events:
        if event.type == CustomerEventType.LEVEL_CHANGED:
            level_codes.update(str(code) for code in (event.data.get("before"), event.data.get("after")) if code)
        elif event.type == CustomerEventType.PROFILE_CHANGED:
            changes = event.data.get("changes") or {}
            for side in ("before", "after"):
                if isinstance(changes.get("level"), Mapping) and changes["level"].get(side):
                    level_codes.add(str(changes["level"][side]))
                if isinstance(changes.get("agent"), Mapping) and isinstance(changes["agent"].get(side), int):
                    user_ids.add(changes["agent"][side])
    levels: dict[str, str] = {}
    if level_codes:
        # A code may exist per shop and globally; any of them names it well enough here.
        for code, name in CustomerLevel.objects.filter(code__in=level_codes).values_list("code", "name"):
            levels.setdefault(code, name)
    users = {user.pk: user.signature for user in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    return _Names(levels=levels, users=users)


def timeline_entries(events: Iterable[CustomerEvent]) -> list[TimelineEntry]:
    """The events as timeline rows in the active language, in the order given; codes and
    ids they mention are looked up in one query per kind (actors: select_related them)."""
    rows = list(events)
    names = _names_for(rows)
    entries = []
    for event in rows:
        render = RENDERERS.get(event.type)
        known = event.type in CustomerEventType.values
        entries.append(
            TimelineEntry(
                at=event.at,
                kind=event.type,
                title=str(CustomerEventType(event.type).label) if known else event.type,
                text=render(event.data or {}, names) if render else "",
                actor=event.actor.signature if event.actor_id and event.actor else _("System"),
            )
        )
    return entries
