"""Warehouses, bins (库位), putting stock away in bins and reorder points."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import messages
from sellerdesk.core.addresses import normalize_phone, normalize_province
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.core.refcache import forget_all
from sellerdesk.inventory import texts
from sellerdesk.inventory.actions.stock import add_to_bin, lock_levels
from sellerdesk.inventory.models import Bin, BinStock, MovementKind, StockLevel, StockMovement, Warehouse

MAX_PRIORITY = 32767  # PositiveSmallIntegerField
MAX_BINS_PER_RANGE = 500
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_BIN_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_TEXT_FIELDS = {
    "name": 100,
    "contact_name": 50,
    "phone": 30,
    "city": 30,
    "district": 30,
    "address_detail": 200,
}
WAREHOUSE_FIELDS = frozenset({"name", "is_default", "is_active", "priority", "regions", "province", *_TEXT_FIELDS})


def _clean_warehouse_fields(fields: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Validate the editable fields of a warehouse; answer them normalised."""
    unknown = set(fields) - WAREHOUSE_FIELDS
    bad: dict[str, str] = {name: _("unknown field") for name in sorted(unknown)}
    clean: dict[str, Any] = {}
    for name, limit in _TEXT_FIELDS.items():
        if name not in fields:
            continue
        value = fields[name]
        if not isinstance(value, str):
            bad[name] = _("must be text")
            continue
        value = value.strip()
        if len(value) > limit:
            bad[name] = _("at most %(limit)s characters") % {"limit": limit}
        elif name == "name" and not value:
            bad[name] = _("enter a name")
        elif name == "phone" and value and normalize_phone(value) is None:
            bad[name] = _("not a valid mainland China mobile or landline number")
        else:
            clean[name] = normalize_phone(value) if name == "phone" and value else value
    if creating and "name" not in fields:
        bad["name"] = _("enter a name")
    if "province" in fields:
        value = fields["province"]
        if not isinstance(value, str):
            bad["province"] = _("must be text")
        elif value.strip() and normalize_province(value) is None:
            bad["province"] = _("%(name)s is not a province") % {"name": value}
        else:
            clean["province"] = normalize_province(value) or ""
    if "priority" in fields:
        value = fields["priority"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_PRIORITY:
            bad["priority"] = _("a whole number from 0 to %(max)s") % {"max": MAX_PRIORITY}
        else:
            clean["priority"] = value
    for name in ("is_default", "is_active"):
        if name in fields:
            if not isinstance(fields[name], bool):
                bad[name] = _("must be true or false")
            else:
                clean[name] = fields[name]
    if "regions" in fields:
        value = fields["regions"]
        if not isinstance(value, (list, tuple)):
            bad["regions"] = _("a list of province names")
        else:
            regions: list[str] = []
            for index, region in enumerate(value):
                province = normalize_province(region) if isinstance(region, str) else None
                if province is None:
                    bad[f"regions[{index}]"] = _("%(name)s is not a province") % {"name": region}
                elif province not in regions:
                    regions.append(province)
            clean["regions"] = regions
    if bad:
        raise ValidationFailed(bad)
    return clean


def _take_default(warehouse: Warehouse) -> None:
    """Make `warehouse` the only default (the constraint allows one)."""
    Warehouse.objects.select_for_update(no_key=True).filter(is_default=True).exclude(pk=warehouse.pk).update(
        is_default=False
    )


@transaction.atomic
def create_warehouse(*, code: str, fields: Mapping[str, Any], actor: User | None) -> Warehouse:
    """A new warehouse. `fields`: name (required), regions (province names, any
    spelling '浙江'/'浙江省'), priority (0 or more, lower first), is_default (moves the
    default here), is_active, contact_name, phone, province, city, district,
    address_detail (the sender's address on labels)."""
    require(actor, "warehouses.edit")
    clean = _clean_warehouse_fields(fields, creating=True)
    code = code.strip() if isinstance(code, str) else ""
    if not _CODE.match(code):
        raise ValidationFailed({"code": _("lower-case letters, digits, - and _; at most 40")})
    if Warehouse.objects.filter(code=code).exists():
        raise ValidationFailed({"code": _("warehouse %(code)s exists already") % {"code": code}})
    if clean.get("is_default") and clean.get("is_active") is False:
        raise ValidationFailed({"is_active": _("the default warehouse must be active")})
    is_default = clean.pop("is_default", False)
    warehouse = Warehouse.objects.create(code=code, **clean)
    if is_default or not Warehouse.objects.filter(is_default=True).exists():
        _take_default(warehouse)
        warehouse.is_default = True
        warehouse.save(update_fields=["is_default"])
    forget_all()
    return warehouse


@transaction.atomic
def update_warehouse(*, warehouse: Warehouse, fields: Mapping[str, Any], actor: User | None) -> Warehouse:
    """Change some fields of a warehouse (the same fields as create_warehouse). There is
    always one default: to move it, make another warehouse the default."""
    require(actor, "warehouses.edit")
    clean = _clean_warehouse_fields(fields, creating=False)
    warehouse = Warehouse.objects.select_for_update(no_key=True).get(pk=warehouse.pk)
    if warehouse.is_default and clean.get("is_default") is False:
        raise ValidationFailed({"is_default": _("make another warehouse the default instead")})
    will_be_default = clean.get("is_default", warehouse.is_default)
    if will_be_default and clean.get("is_active", warehouse.is_active) is False:
        raise ValidationFailed({"is_active": _("the default warehouse must be active")})
    changed = [name for name, value in clean.items() if getattr(warehouse, name) != value]
    if not changed:
        return warehouse
    if clean.get("is_default") and not warehouse.is_default:
        _take_default(warehouse)
    for name in changed:
        setattr(warehouse, name, clean[name])
    warehouse.save(update_fields=changed)
    forget_all()
    return warehouse


@dataclass(frozen=True)
class BinRange:
    prefix: str
    first: int
    last: int
    width: int

    def codes(self) -> list[str]:
        return [f"{self.prefix}{number:0{self.width}d}" for number in range(self.first, self.last + 1)]


_TRAILING_NUMBER = re.compile(r"^(.*?)(\d+)$")


def parse_bin_codes(text: str) -> list[str]:
    """'A-01-05' → ['A-01-05']; 'A-01-01..A-01-20' → the 20 codes, numbered on the last
    group of digits with its zero padding."""
    text = text.strip() if isinstance(text, str) else ""
    if ".." not in text:
        if not _BIN_CODE.match(text):
            raise ValidationFailed({"code": _("letters, digits, '.', '-' and '_'; at most 40")})
        return [text]
    start, _sep, end = (part.strip() for part in text.partition(".."))
    first, last = _TRAILING_NUMBER.match(start), _TRAILING_NUMBER.match(end)
    if not (first and last and _BIN_CODE.match(start) and _BIN_CODE.match(end)) or first.group(1) != last.group(1):
        raise ValidationFailed(
            {"code": _("a range is two codes that differ only in their last number, e.g. A-01-01..A-01-20")}
        )
    bins = BinRange(first.group(1), int(first.group(2)), int(last.group(2)), len(first.group(2)))
    if bins.first > bins.last:
        raise ValidationFailed({"code": _("the range runs backwards")})
    if bins.last - bins.first + 1 > MAX_BINS_PER_RANGE:
        raise ValidationFailed({"code": _("at most %(max)s bins at once") % {"max": MAX_BINS_PER_RANGE}})
    return bins.codes()


@transaction.atomic
def create_bins(
    *, warehouse: Warehouse, codes: str, zone: str = "", route_order: int | None = None, actor: User | None
) -> list[Bin]:
    """One bin ('A-01-05') or a range ('A-01-01..A-01-20'), numbered along the pick
    route from `route_order` (default: after the warehouse's last bin), one step each.
    A code that exists already refuses the whole range."""
    require(actor, "warehouses.edit")
    all_codes = parse_bin_codes(codes)
    bad: dict[str, str] = {}
    zone = zone.strip() if isinstance(zone, str) else ""
    if len(zone) > 20:
        bad["zone"] = _("at most %(limit)s characters") % {"limit": 20}
    if route_order is not None and (
        isinstance(route_order, bool) or not isinstance(route_order, int) or not 0 <= route_order <= 10_000_000
    ):
        bad["route_order"] = _("a whole number from 0 to 10000000")
    if bad:
        raise ValidationFailed(bad)
    Warehouse.objects.select_for_update(no_key=True).filter(
        pk=warehouse.pk
    ).first()  # one bin creator per warehouse at a time
    existing = sorted(Bin.objects.filter(warehouse=warehouse, code__in=all_codes).values_list("code", flat=True))
    if existing:
        raise ValidationFailed(
            {"code": _("bins exist already: %(codes)s") % {"codes": ", ".join(existing[:10])}},
        )
    if route_order is None:
        last = Bin.objects.filter(warehouse=warehouse).aggregate(last=Max("route_order"))["last"]
        route_order = 1 if last is None else last + 1
    bins = [
        Bin(warehouse=warehouse, code=code, zone=zone, route_order=route_order + index)
        for index, code in enumerate(all_codes)
    ]
    return Bin.objects.bulk_create(bins)


@transaction.atomic
def update_bin(
    *,
    bin: Bin,
    actor: User | None,
    zone: str | None = None,
    route_order: int | None = None,
    is_active: bool | None = None,
) -> Bin:
    require(actor, "warehouses.edit")
    changed: list[str] = []
    if zone is not None:
        if len(zone.strip()) > 20:
            raise ValidationFailed({"zone": _("at most %(limit)s characters") % {"limit": 20}})
        bin.zone = zone.strip()
        changed.append("zone")
    if route_order is not None:
        if isinstance(route_order, bool) or not 0 <= route_order <= 10_000_000:
            raise ValidationFailed({"route_order": _("a whole number from 0 to 10000000")})
        bin.route_order = route_order
        changed.append("route_order")
    if is_active is not None:
        bin.is_active = is_active
        changed.append("is_active")
    if changed:
        bin.save(update_fields=changed)
    return bin


@transaction.atomic
def move_bin_stock(
    *,
    sku: Sku,
    warehouse: Warehouse,
    from_bin: Bin | None,
    to_bin: Bin | None,
    quantity: int,
    actor: User | None,
    at: datetime | None = None,
) -> None:
    """Move units of a SKU between bins of a warehouse; None is 'not in any bin'
    (on-hand minus what the bins hold). Putting away is from_bin=None. On-hand does not
    change; the ledger records the move (kind `putaway`, deltas 0) on each bin touched."""
    require(actor, "stock.adjust")
    bad: dict[str, str] = {}
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        bad["quantity"] = _("must be 1 or more")
    for name, bin in (("from_bin", from_bin), ("to_bin", to_bin)):
        if bin is not None and bin.warehouse_id != warehouse.pk:
            bad[name] = _("bin %(bin)s is in another warehouse") % {"bin": bin.code}
    if from_bin is None and to_bin is None:
        bad["to_bin"] = _("choose a bin")
    elif from_bin is not None and to_bin is not None and from_bin.pk == to_bin.pk:
        bad["to_bin"] = _("choose another bin than the one the units are in")
    if bad:
        raise ValidationFailed(bad)
    level = lock_levels([(sku.pk, warehouse.pk)])[(sku.pk, warehouse.pk)]
    if from_bin is None:
        binned = (
            BinStock.objects.filter(sku=sku, bin__warehouse=warehouse).aggregate(total=Sum("quantity"))["total"] or 0
        )
        unbinned = level.on_hand - binned
        if quantity > unbinned:
            raise Conflict(
                "not_enough_unbinned",
                _("Only %(count)s units of %(sku)s are not in a bin.") % {"count": max(unbinned, 0), "sku": sku.code},
                details={"unbinned": max(unbinned, 0), "quantity": quantity},
            )
    else:
        add_to_bin(bin=from_bin, sku_id=sku.pk, quantity=-quantity)
    if to_bin is not None:
        add_to_bin(bin=to_bin, sku_id=sku.pk, quantity=quantity)
    at = at or timezone.now()
    note = messages.message(
        texts.UNITS_MOVED,
        quantity=quantity,
        source=from_bin.code if from_bin else "",
        target=to_bin.code if to_bin else "",
    )
    StockMovement.objects.create(
        sku=sku,
        warehouse=warehouse,
        bin=to_bin or from_bin,
        kind=MovementKind.PUTAWAY,
        document="putaway",
        actor=actor,
        note_data=note,
        at=at,
    )


def putaway(*, sku: Sku, bin: Bin, quantity: int, actor: User | None, at: datetime | None = None) -> None:
    """Put units that are not in any bin yet (received goods) into `bin`."""
    move_bin_stock(sku=sku, warehouse=bin.warehouse, from_bin=None, to_bin=bin, quantity=quantity, actor=actor, at=at)


@transaction.atomic
def set_reorder_point(
    *,
    sku: Sku,
    warehouse: Warehouse,
    reorder_point: int | None,
    reorder_quantity: int | None = None,
    actor: User | None,
) -> StockLevel:
    """When available stock falls to the reorder point the SKU is shown low and the
    purchaser is told to reorder `reorder_quantity`. None clears it."""
    require(actor, "stock.adjust")
    bad = {
        name: _("a whole number from 0 to 10000000")
        for name, value in (("reorder_point", reorder_point), ("reorder_quantity", reorder_quantity))
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10_000_000)
    }
    if bad:
        raise ValidationFailed(bad)
    level = lock_levels([(sku.pk, warehouse.pk)])[(sku.pk, warehouse.pk)]
    level.reorder_point, level.reorder_quantity = reorder_point, reorder_quantity
    level.save(update_fields=["reorder_point", "reorder_quantity"])
    return level
