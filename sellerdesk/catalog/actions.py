from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.catalog.models import Product, Sku
from sellerdesk.core import audit
from sellerdesk.core.errors import Conflict
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require


def create_sku(
    *,
    actor: User | None,
    code: str,
    name: str,
    price: Decimal,
    attributes: dict[str, str] | None = None,
    barcode: str | None = None,
    product: Product | None = None,
    is_dropship: bool = False,
) -> Sku:
    """A new SKU; `is_dropship`: fulfilled by a supplier (分销/代销), no stock of ours."""
    require(actor, "catalog.edit")
    try:
        with transaction.atomic():
            return Sku.objects.create(
                code=code,
                name=name,
                price=price,
                attributes=attributes or {},
                barcode=barcode or None,
                product=product,
                is_dropship=is_dropship,
            )
    except IntegrityError:
        if Sku.objects.filter(code=code).exists():
            raise Conflict(
                "duplicate_sku", _("SKU %(code)s exists already.") % {"code": code}, details={"field": "code"}
            ) from None
        raise Conflict(
            "duplicate_barcode",
            _("Barcode %(barcode)s belongs to another SKU.") % {"barcode": barcode},
            details={"field": "barcode"},
        ) from None


SKU = "sku"
SKU_CHANGED = "sku_changed"
audit.register_audit_code(
    SKU_CHANGED,
    SKU,
    gettext_lazy("SKU changed: %(fields)s"),
    format=lambda data: {"fields": ", ".join(sorted(data.get("after", {})))},
    example={"before": {"is_dropship": False}, "after": {"is_dropship": True}},
)


@dataclass(frozen=True)
class SkuChanges:
    """What to change on a SKU; None leaves a field as it is."""

    name: str | None = None
    price: Decimal | None = None
    barcode: str | None = None
    is_dropship: bool | None = None


@transaction.atomic
def update_sku(*, actor: User | None, sku: Sku, changes: SkuChanges, at: datetime | None = None) -> Sku:
    """Change a SKU's name, price, barcode or dropship flag (分销/代销: orders placed after
    this are fulfilled by its supplier, or from our stock again). Audited with the before
    and after of what changed; nothing changed writes nothing. Conflict for a barcode of
    another SKU, nothing written then."""
    require(actor, "catalog.edit")
    locked = Sku.objects.select_for_update().get(pk=sku.pk)
    wanted: dict[str, Any] = {
        name: value
        for name, value in (
            ("name", changes.name),
            ("price", changes.price),
            ("barcode", changes.barcode),
            ("is_dropship", changes.is_dropship),
        )
        if value is not None and getattr(locked, name) != value
    }
    if not wanted:
        return locked
    before = {name: _plain(getattr(locked, name)) for name in wanted}
    for name, value in wanted.items():
        setattr(locked, name, value)
    try:
        with transaction.atomic():
            locked.save(update_fields=sorted(wanted))
    except IntegrityError:
        raise Conflict(
            "duplicate_barcode",
            _("Barcode %(barcode)s belongs to another SKU.") % {"barcode": changes.barcode},
            details={"field": "barcode"},
        ) from None
    audit.record(
        object_kind=SKU,
        object_id=locked.code,
        code=SKU_CHANGED,
        actor=actor,
        at=at or timezone.now(),
        before=before,
        after={name: _plain(value) for name, value in wanted.items()},
    )
    return locked


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Decimal) else value
