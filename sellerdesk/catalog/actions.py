from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Product, Sku
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
) -> Sku:
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
