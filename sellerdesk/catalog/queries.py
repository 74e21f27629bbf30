"""Reads of the catalogue shared by several callers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

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
            f"SELECT id, code, name, price, attributes, is_active FROM {quote(Sku._meta.db_table)} "  # noqa: S608
            f"WHERE code IN ({placeholders})",
            unique,
        )
        rows = cursor.fetchall()
    facts = {}
    for pk, code, name, price, attributes, is_active in rows:
        if isinstance(attributes, (str, bytes)):
            attributes = json.loads(attributes)
        facts[code] = SkuFacts(
            pk, code, name, Decimal(price).quantize(Decimal("0.01")), attributes or {}, bool(is_active)
        )
    return facts
