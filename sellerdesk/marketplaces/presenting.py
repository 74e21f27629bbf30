"""How an order file import reads to a person, for the API and the staff screens alike:
its refused rows and planned changes rendered in the reader's language, and the CSV of
its refused rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sellerdesk.core import messages
from sellerdesk.marketplaces.models import OrderImport


def _reason(code: object, params: object) -> str:
    values = dict(params) if isinstance(params, Mapping) else {}
    return messages.render({**values, "code": str(code or "")}) or str(code or "")


@dataclass(frozen=True)
class RefusedLine:
    """One refused row: where it is in which file, which order and field, and why."""

    file: str
    line: int
    external_id: str
    field: str
    code: str
    reason: str


def refused_lines(rows: Iterable[Any]) -> list[RefusedLine]:
    """The stored refused rows (RefusedRow.as_json) rendered in the active language,
    in file order; a row stored malformed still shows what it has."""
    found = []
    for row in rows:
        if not isinstance(row, Mapping):
            continue
        line = row.get("line")
        found.append(
            RefusedLine(
                file=str(row.get("file") or "orders"),
                line=line if isinstance(line, int) else 0,
                external_id=str(row.get("external_id") or ""),
                field=str(row.get("field") or ""),
                code=str(row.get("code") or ""),
                reason=_reason(row.get("code"), row.get("params")),
            )
        )
    return sorted(found, key=lambda item: (item.file != "orders", item.line))


@dataclass(frozen=True)
class PlanLine:
    """What importing one marketplace order would do, its changes as sentences."""

    external_id: str
    action: str
    changes: list[str]
    refused: RefusedLine | None


def plan_lines(entries: Iterable[Any]) -> list[PlanLine]:
    """The stored plan (apply.Planned.as_json of each order) rendered in the active language."""
    found = []
    for entry in entries:
        if not isinstance(entry, Mapping):
            continue
        changes = entry.get("changes") or []
        refused = entry.get("refused")
        found.append(
            PlanLine(
                external_id=str(entry.get("external_id") or ""),
                action=str(entry.get("action") or ""),
                changes=[messages.render(change) if isinstance(change, Mapping) else str(change) for change in changes],
                refused=refused_lines([refused])[0] if isinstance(refused, Mapping) else None,
            )
        )
    return found


def file_label(file: str) -> str:
    return _("items file") if file == "items" else _("orders file")


def refused_csv(order_import: OrderImport) -> bytes:
    """Every refused row of the import as CSV (UTF-8 with a BOM, which Excel needs to
    read Chinese): file, line, marketplace order id, field, reason."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("file"), _("line"), _("marketplace order id"), _("field"), _("reason")])
    for row in refused_lines(order_import.refused_rows):
        writer.writerow([file_label(row.file), row.line, _cell(row.external_id), _cell(row.field), _cell(row.reason)])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _cell(text: str) -> str:
    # A cell starting with = + - @ would be run as a formula by a spreadsheet (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text
