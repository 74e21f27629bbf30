"""The packing check (验货) at the packing desk: every unit is scanned against the order.

A scan names a SKU by its barcode or its code. It is refused on the spot, with the
reason and nothing changed, when the code is unknown, when the SKU is not in the order
(another colour or size of the same product is named as such), or when all units of it
are scanned already (an extra item). The weight may be entered and is compared with the
expected weight (the SKUs' weights) within a tolerance. The check is complete when every
unit is scanned and the weight, if entered (or required), is within the tolerance; only
then can a label be printed (fulfilment.shipping).

Settings: settings.SELLERDESK["PACKING"] = {"WEIGHT_TOLERANCE_PERCENT": 10,
"WEIGHT_TOLERANCE_GRAMS": 50, "REQUIRE_WEIGHT": False} (each optional).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.catalog.models import Sku
from sellerdesk.catalog.queries import sku_by_scan
from sellerdesk.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.fulfilment import states as wave_states
from sellerdesk.fulfilment.actions import PACK
from sellerdesk.fulfilment.events import packing_checked_event
from sellerdesk.fulfilment.models import PickLine, WaveOrder
from sellerdesk.fulfilment.states import WaveAction
from sellerdesk.orders.models import Order
from sellerdesk.orders.states import OrderStatus

DEFAULTS: dict[str, Any] = {"WEIGHT_TOLERANCE_PERCENT": 10, "WEIGHT_TOLERANCE_GRAMS": 50, "REQUIRE_WEIGHT": False}


def packing_settings() -> dict[str, Any]:
    return {**DEFAULTS, **settings.SELLERDESK.get("PACKING", {})}


class ScanRefused(DomainError):
    """A scan or a weight the packing check does not accept; nothing was changed."""

    status = 409

    def __init__(self, code: str, message: str, *, details: dict[str, Any] | None = None, status: int = 409) -> None:
        super().__init__(message, details=details)
        self.code = code
        self.status = status


@dataclass(frozen=True)
class CheckLine:
    sku_id: int
    sku_code: str
    name: str
    attributes: str
    barcode: str
    expected: int
    scanned: int

    @property
    def missing(self) -> int:
        return self.expected - self.scanned


@dataclass
class PackCheck:
    """Where an order's packing check stands."""

    entry: WaveOrder
    lines: list[CheckLine] = field(default_factory=list)
    tolerance_grams: int = 0
    weight_required: bool = False
    # Codes of the SKUs to pack that have no weight: the scale has nothing to be checked
    # against then (a partial expected weight would call a right parcel wrong).
    skus_without_weight: list[str] = field(default_factory=list)

    @property
    def can_check_weight(self) -> bool:
        """Whether the expected weight is known: every SKU in the parcel has a weight."""
        return self.entry.expected_weight_grams > 0 and not self.skus_without_weight

    @property
    def order(self) -> Order:
        return self.entry.order

    @property
    def units_expected(self) -> int:
        return sum(line.expected for line in self.lines)

    @property
    def units_scanned(self) -> int:
        return sum(line.scanned for line in self.lines)

    @property
    def missing(self) -> list[CheckLine]:
        return [line for line in self.lines if line.missing > 0]

    @property
    def is_weight_ok(self) -> bool:
        if self.entry.weight_grams is None:
            return not self.weight_required
        return True  # a weight outside the tolerance is refused, never stored

    @property
    def is_complete(self) -> bool:
        return not self.missing and self.is_weight_ok


def _expected(entry: WaveOrder) -> dict[int, int]:
    totals: dict[int, int] = defaultdict(int)
    for sku_id, quantity in PickLine.objects.filter(entry=entry).values_list("sku_id", "quantity"):
        totals[sku_id] += quantity
    return dict(totals)


def _tolerance(expected_grams: int) -> int:
    config = packing_settings()
    return max(int(expected_grams * config["WEIGHT_TOLERANCE_PERCENT"] / 100), int(config["WEIGHT_TOLERANCE_GRAMS"]))


def check_of(entry: WaveOrder) -> PackCheck:
    expected = _expected(entry)
    skus = {sku.pk: sku for sku in Sku.objects.filter(pk__in=expected)}
    scanned = {int(key): value for key, value in (entry.scanned or {}).items()}
    lines = [
        CheckLine(
            sku_id=sku_id,
            sku_code=skus[sku_id].code,
            name=skus[sku_id].name,
            attributes=skus[sku_id].attributes_text,
            barcode=skus[sku_id].barcode or "",
            expected=quantity,
            scanned=scanned.get(sku_id, 0),
        )
        for sku_id, quantity in sorted(expected.items(), key=lambda item: skus[item[0]].code)
    ]
    return PackCheck(
        entry=entry,
        lines=lines,
        tolerance_grams=_tolerance(entry.expected_weight_grams),
        weight_required=bool(packing_settings()["REQUIRE_WEIGHT"]),
        skus_without_weight=sorted(sku.code for sku in skus.values() if not sku.weight_grams),
    )


def packable_entry(order: Order, *, lock: bool) -> WaveOrder:
    """The order's entry in its latest wave, which must be picked and the order still picking."""
    entries = WaveOrder.objects.select_related("wave", "order").filter(order_id=order.pk)
    if lock:
        entries = entries.select_for_update(of=("self",))
    entry = entries.order_by("-wave__created_at", "-pk").first()
    if entry is None:
        raise Conflict(
            "not_in_a_wave",
            _("Order %(number)s has not been picked: it is in no wave.") % {"number": order.number},
            details={"number": order.number, "current_status": order.status},
        )
    status = Order.objects.filter(pk=order.pk).values_list("status", flat=True).first()
    if status == OrderStatus.CLOSED:
        raise Conflict(
            "order_cancelled",
            _("Order %(number)s was cancelled: do not pack it; put the goods back.") % {"number": order.number},
            details={"number": order.number, "current_status": status},
        )
    if status not in wave_states.ORDERS_TO_PACK:
        raise Conflict(
            "not_packable",
            _("Order %(number)s is %(status)s; only an order being picked is packed.")
            % {"number": order.number, "status": status},
            details={"number": order.number, "current_status": status},
        )
    if not wave_states.allows(entry.wave.status, WaveAction.PACK):
        raise Conflict(
            "not_picked",
            _("Wave %(wave)s is still being picked; confirm the pick first.") % {"wave": entry.wave.number},
            details={"wave": entry.wave.number},
        )
    entry.order.status = status
    return entry


def packing_check(*, order: Order, actor: User | None) -> PackCheck:
    require(actor, "orders.view")
    return check_of(packable_entry(order, lock=False))


def _wrong_item(sku: Sku, check: PackCheck) -> ScanRefused:
    expected = Sku.objects.filter(pk__in=[line.sku_id for line in check.lines])
    sibling = next(
        (
            other
            for other in expected
            if (sku.product_id is not None and other.product_id == sku.product_id) or other.name == sku.name
        ),
        None,
    )
    if sibling is not None:
        return ScanRefused(
            "wrong_variant",
            _(
                "Wrong colour or size: scanned %(scanned)s (%(scanned_attrs)s), "
                "the order has %(ordered)s (%(ordered_attrs)s)."
            )
            % {
                "scanned": sku.code,
                "scanned_attrs": sku.attributes_text or "-",
                "ordered": sibling.code,
                "ordered_attrs": sibling.attributes_text or "-",
            },
            details={"scanned": sku.code, "ordered": sibling.code},
        )
    return ScanRefused(
        "wrong_item",
        _("Wrong item: %(sku)s %(name)s is not in order %(number)s.")
        % {"sku": sku.code, "name": sku.name, "number": check.order.number},
        details={"scanned": sku.code},
    )


@dataclass(frozen=True)
class ScanResult:
    sku: Sku
    message: str
    check: PackCheck


def scan_item(*, order: Order, code: str, actor: User | None, at: datetime | None = None) -> ScanResult:
    """Count one scanned unit against the order; ScanRefused with the reason otherwise."""
    require(actor, PACK)
    code = (code or "").strip()
    if not code or len(code) > 64 or "\x00" in code:
        raise ValidationFailed({"code": _("scan a barcode (at most 64 characters)")})
    at = at or timezone.now()
    with transaction.atomic():
        entry = packable_entry(order, lock=True)
        check = check_of(entry)
        sku = sku_by_scan(code)
        if sku is None:
            raise ScanRefused(
                "unknown_barcode",
                _("Unknown barcode %(code)s: no SKU has it.") % {"code": code},
                details={"code": code},
                status=422,
            )
        line = next((line for line in check.lines if line.sku_id == sku.pk), None)
        if line is None:
            raise _wrong_item(sku, check)
        if line.missing <= 0:
            raise ScanRefused(
                "extra_item",
                _("One too many: order %(number)s has only %(count)s × %(sku)s, all scanned.")
                % {"number": entry.order.number, "count": line.expected, "sku": sku.code},
                details={"sku": sku.code, "expected": line.expected},
            )
        scanned = dict(entry.scanned or {})
        scanned[str(sku.pk)] = scanned.get(str(sku.pk), 0) + 1
        entry.scanned = scanned
        check = check_of(entry)
        fields = ["scanned"]
        if check.is_complete and entry.checked_at is None:
            _mark_checked(entry, check, actor=actor, at=at)
            fields += ["checked_at", "checked_by"]
        entry.save(update_fields=fields)
    left = check.units_expected - check.units_scanned
    message = (
        _("%(sku)s OK — %(left)s more to scan.") % {"sku": sku.code, "left": left}
        if left
        else _("%(sku)s OK — every unit scanned.") % {"sku": sku.code}
    )
    return ScanResult(sku, message, check)


def _mark_checked(entry: WaveOrder, check: PackCheck, *, actor: User | None, at: datetime) -> None:
    entry.checked_at = at
    entry.checked_by = actor
    packing_checked_event(
        entry.order,
        wave=entry.wave.number,
        units=check.units_scanned,
        weight_grams=entry.weight_grams,
        actor=actor,
        at=at,
    )


def record_weight(*, order: Order, grams: int, actor: User | None, at: datetime | None = None) -> PackCheck:
    """The parcel's weight on the scale, compared with the expected weight ± the tolerance
    when there is one to compare with (`PackCheck.can_check_weight`); else only kept."""
    require(actor, PACK)
    if isinstance(grams, bool) or not isinstance(grams, int) or not 1 <= grams <= 1_000_000:
        raise ValidationFailed({"weight_grams": _("between 1 and 1000000")})
    at = at or timezone.now()
    with transaction.atomic():
        entry = packable_entry(order, lock=True)
        expected = entry.expected_weight_grams
        tolerance = _tolerance(expected)
        # A SKU without a weight: the weight is kept, never called right or wrong.
        if check_of(entry).can_check_weight and abs(grams - expected) > tolerance:
            raise ScanRefused(
                "weight_mismatch",
                _("The parcel weighs %(grams)s g; %(expected)s g ± %(tolerance)s g was expected. Check its contents.")
                % {"grams": grams, "expected": expected, "tolerance": tolerance},
                details={"weight_grams": grams, "expected_grams": expected, "tolerance_grams": tolerance},
            )
        entry.weight_grams = grams
        check = check_of(entry)
        fields = ["weight_grams"]
        if check.is_complete and entry.checked_at is None:
            _mark_checked(entry, check, actor=actor, at=at)
            fields += ["checked_at", "checked_by"]
        entry.save(update_fields=fields)
    return check


def restart_check(*, order: Order, actor: User | None) -> PackCheck:
    """Empty the scans and the weight: the packer starts the order again (before its label)."""
    require(actor, PACK)
    with transaction.atomic():
        entry = packable_entry(order, lock=True)
        entry.scanned = {}
        entry.weight_grams = None
        entry.checked_at = None
        entry.checked_by = None
        entry.save(update_fields=["scanned", "weight_grams", "checked_at", "checked_by"])
    return check_of(entry)


def get_order_for_desk(number: str) -> Order:
    order = Order.objects.filter(number=number).first() if "\x00" not in number else None
    if order is None:
        raise NotFound(_("No order %(number)s.") % {"number": number}, details={"number": number})
    return order
