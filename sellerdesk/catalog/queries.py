"""Reads of the catalogue shared by several callers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Q

from sellerdesk.catalog.models import Sku


@dataclass(frozen=True)
class SkuFacts:
    """What order intake needs to know of a SKU."""

    id: int
    code: str
    name: str
    price: Decimal
    attributes: dict[str, Any]
    is_active: bool
    is_presale: bool = False
    presale_ship_by: date | None = None
    is_dropship: bool = False

    @property
    def reserves_stock(self) -> bool:
        """An ordinary line: reserved against units on hand at intake."""
        return not self.is_presale and not self.is_dropship


def sku_facts_by_code(codes: Sequence[str]) -> dict[str, SkuFacts]:
    """The SKUs with these codes, by code. Fixed SQL: this runs on every order placed."""
    unique = sorted(set(codes))
    if not unique:
        return {}
    connection = connections[DEFAULT_DB_ALIAS]
    quote = connection.ops.quote_name
    placeholders = ", ".join(["%s"] * len(unique))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, code, name, price, attributes, is_active, is_presale, presale_ship_by, is_dropship "  # noqa: S608
            f"FROM {quote(Sku._meta.db_table)} "
            f"WHERE code IN ({placeholders})",
            unique,
        )
        rows = cursor.fetchall()
    facts = {}
    for pk, code, name, price, attributes, is_active, is_presale, ship_by, is_dropship in rows:
        if isinstance(attributes, (str, bytes)):
            attributes = json.loads(attributes)
        if isinstance(ship_by, str):
            ship_by = date.fromisoformat(ship_by)
        facts[code] = SkuFacts(
            pk,
            code,
            name,
            Decimal(price).quantize(Decimal("0.01")),
            attributes or {},
            bool(is_active),
            bool(is_presale),
            ship_by,
            bool(is_dropship),
        )
    return facts


def sku_by_scan(code: str, *, any_case: bool = False) -> Sku | None:
    """The SKU a scanned barcode or a typed code names: its code exactly, else its
    barcode; with `any_case`, else its code in other letter case (a code typed in lower
    case). None when nothing matches."""
    found = list(Sku.objects.filter(Q(code=code) | Q(barcode=code)).order_by("pk")[:2])
    exact = next((sku for sku in found if sku.code == code), None)
    if exact is not None or found:
        return exact or found[0]
    return Sku.objects.filter(code__iexact=code).order_by("pk").first() if any_case else None
