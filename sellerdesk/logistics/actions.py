"""Every write to carriers, their coverage and cost tables, shop rules, and shipments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Literal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core import messages, refcache
from sellerdesk.core.addresses import canonical_division
from sellerdesk.core.audit import changes_of
from sellerdesk.core.errors import Conflict, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.logistics import events
from sellerdesk.logistics import states as shipment_states
from sellerdesk.logistics.booking import (  # noqa: F401  (the booking steps are part of this module's API)
    BOOKABLE,
    Parcel,
    book_requested,
    create_shipment,
    request_booking,
)
from sellerdesk.logistics.carriers.registry import adapter_for, adapter_names
from sellerdesk.logistics.models import (
    Carrier,
    CarrierCoverage,
    CarrierEvent,
    CarrierEventType,
    CarrierRate,
    ChoiceStrategy,
    LogisticsSettings,
    Shipment,
    ShipmentLogType,
)
from sellerdesk.logistics.parcels import log_shipment, parcel_ref
from sellerdesk.logistics.shipped_elsewhere import (  # noqa: F401  (tracking an order shipped elsewhere is part of this module's API)
    carrier_of_order,
    request_tracking,
    track_shipped_order,
)
from sellerdesk.logistics.states import ShipmentAction
from sellerdesk.logistics.stopping import request_carrier_stop
from sellerdesk.orders import actions as order_actions
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Shop


@dataclass(frozen=True)
class CoverageRule:
    """An area served (or, with is_excluded, not served); blank city = whole province,
    blank district = whole city."""

    province: str
    city: str = ""
    district: str = ""
    is_excluded: bool = False


def create_carrier(
    *, actor: User | None, code: str, name: str, supports_cod: bool = False, is_active: bool = True
) -> Carrier:
    require(actor, "logistics.edit")
    try:
        with transaction.atomic():
            carrier = Carrier.objects.create(code=code, name=name, supports_cod=supports_cod, is_active=is_active)
            CarrierEvent.objects.create(
                carrier=carrier,
                type=CarrierEventType.CREATED,
                actor=actor,
                at=timezone.now(),
                data={"code": code, "name": name, "supports_cod": supports_cod, "is_active": is_active},
            )
    except IntegrityError:
        raise Conflict(
            "duplicate_carrier", _("Carrier %(code)s exists already.") % {"code": code}, details={"field": "code"}
        ) from None
    return carrier


def _canonical_rules(rules: list[CoverageRule]) -> list[CoverageRule]:
    """The rules with full division names; 422 naming every unknown part, 409 on an area
    given twice."""
    errors: dict[str, str] = {}
    canonical: list[CoverageRule] = []
    for index, rule in enumerate(rules):
        where = f"rules[{index}]"
        if rule.district.strip() and not rule.city.strip():
            errors[f"{where}.city"] = _("give the city of the district")
            continue
        if canonical_division(rule.province) is None:
            errors[f"{where}.province"] = _("%(name)s is not a province of China") % {"name": rule.province}
            continue
        if rule.city.strip() and canonical_division(rule.province, rule.city) is None:
            errors[f"{where}.city"] = _("%(name)s is not a city of %(province)s") % {
                "name": rule.city,
                "province": rule.province,
            }
            continue
        area = canonical_division(rule.province, rule.city, rule.district)
        if area is None:
            errors[f"{where}.district"] = _("%(name)s is not a district of %(city)s") % {
                "name": rule.district,
                "city": rule.city,
            }
            continue
        canonical.append(CoverageRule(area.province, area.city, area.district, rule.is_excluded))
    if errors:
        raise ValidationFailed(errors)
    seen: dict[tuple[str, str, str], int] = {}
    for index, rule in enumerate(canonical):
        key = (rule.province, rule.city, rule.district)
        if key in seen:
            raise Conflict(
                "duplicate_coverage",
                _("The area %(area)s is given twice (rules %(first)d and %(second)d).")
                % {"area": " ".join(part for part in key if part), "first": seen[key], "second": index},
                details={"field": f"rules[{index}]", "duplicate_of": f"rules[{seen[key]}]"},
            )
        seen[key] = index
    return canonical


def _as_data(rule: CoverageRule | CarrierCoverage) -> list[str | bool]:
    return [rule.province, rule.city, rule.district, rule.is_excluded]


def replace_coverage(*, actor: User | None, carrier: Carrier, rules: list[CoverageRule]) -> list[CarrierCoverage]:
    """Make `rules` the carrier's whole coverage (an empty list: it reaches nowhere)."""
    require(actor, "logistics.edit")
    canonical = _canonical_rules(rules)
    with transaction.atomic():
        locked = Carrier.objects.select_for_update().get(pk=carrier.pk)
        before = list(CarrierCoverage.objects.filter(carrier=locked).order_by("pk"))
        if [_as_data(row) for row in before] == [_as_data(rule) for rule in canonical]:
            return before
        CarrierCoverage.objects.filter(carrier=locked).delete()
        created = CarrierCoverage.objects.bulk_create(
            [
                CarrierCoverage(
                    carrier=locked,
                    province=rule.province,
                    city=rule.city,
                    district=rule.district,
                    is_excluded=rule.is_excluded,
                )
                for rule in canonical
            ]
        )
        CarrierEvent.objects.create(
            carrier=locked,
            type=CarrierEventType.COVERAGE_REPLACED,
            actor=actor,
            at=timezone.now(),
            data={"before": [_as_data(row) for row in before], "after": [_as_data(rule) for rule in canonical]},
        )
        transaction.on_commit(refcache.forget_all)
    return created


def clear_coverage(*, actor: User | None, carrier: Carrier) -> None:
    replace_coverage(actor=actor, carrier=carrier, rules=[])


# --- carrier settings, cost table, shop rules ------------------------------------------


def update_carrier(
    *,
    actor: User | None,
    carrier: Carrier,
    adapter: str | None = None,
    max_weight_grams: int | Literal["unchanged"] | None = "unchanged",
    transit_days: int | None = None,
    supports_cod: bool | None = None,
    is_active: bool | None = None,
) -> Carrier:
    """Change a carrier's adapter, weight limit, usual transit days, COD or use."""
    require(actor, "logistics.edit")
    bad: dict[str, str] = {}
    if adapter is not None and adapter not in adapter_names():
        bad["adapter"] = _("unknown carrier adapter %(name)s") % {"name": adapter}
    if transit_days is not None and not 1 <= transit_days <= 60:
        bad["transit_days"] = _("between 1 and 60")
    if max_weight_grams not in ("unchanged", None) and not 1 <= int(max_weight_grams) <= 1_000_000:  # type: ignore[arg-type]
        bad["max_weight_grams"] = _("between 1 and 1000000")
    if bad:
        raise ValidationFailed(bad)
    with transaction.atomic():
        locked = Carrier.objects.select_for_update().get(pk=carrier.pk)
        fields = ("adapter", "max_weight_grams", "transit_days", "supports_cod", "is_active")
        before = {name: getattr(locked, name) for name in fields}
        wanted = {
            "adapter": adapter,
            "transit_days": transit_days,
            "supports_cod": supports_cod,
            "is_active": is_active,
        }
        for name, value in wanted.items():
            if value is not None:
                setattr(locked, name, value)
        if max_weight_grams != "unchanged":
            locked.max_weight_grams = max_weight_grams  # type: ignore[assignment]
        after = {name: getattr(locked, name) for name in fields}
        if after == before:
            return locked
        locked.save(update_fields=list(fields))
        CarrierEvent.objects.create(
            carrier=locked,
            type=CarrierEventType.UPDATED,
            actor=actor,
            at=timezone.now(),
            data={"before": before, "after": after},
        )
        transaction.on_commit(refcache.forget_all)
    return locked


@dataclass(frozen=True)
class RateRow:
    """One row of the cost table; blank province: every province without a row of its own."""

    province: str
    first_price: Decimal
    additional_price_per_kg: Decimal
    first_weight_grams: int = 1000


def _rate_data(row: RateRow | CarrierRate) -> list[str | int]:
    return [row.province, str(row.first_price), str(row.additional_price_per_kg), row.first_weight_grams]


def replace_rates(*, actor: User | None, carrier: Carrier, rows: list[RateRow]) -> list[CarrierRate]:
    """Make `rows` the carrier's whole cost table (首重 + 续重 per province)."""
    require(actor, "logistics.edit")
    bad: dict[str, str] = {}
    canonical: list[RateRow] = []
    seen: dict[str, int] = {}
    for index, row in enumerate(rows):
        where = f"rates[{index}]"
        province = row.province.strip()
        if province:
            area = canonical_division(province)
            if area is None:
                bad[f"{where}.province"] = _("%(name)s is not a province of China") % {"name": province}
                continue
            province = area.province
        if province in seen:
            bad[f"{where}.province"] = _("given twice (rates %(first)d and %(second)d)") % {
                "first": seen[province],
                "second": index,
            }
            continue
        seen[province] = index
        for name in ("first_price", "additional_price_per_kg"):
            value = getattr(row, name)
            if value < 0 or value > Decimal("99999.99") or value != value.quantize(Decimal("0.01")):
                bad[f"{where}.{name}"] = _("a price between 0.00 and 99999.99 with at most 2 decimals")
        if not 1 <= row.first_weight_grams <= 100_000:
            bad[f"{where}.first_weight_grams"] = _("between 1 and 100000")
        canonical.append(RateRow(province, row.first_price, row.additional_price_per_kg, row.first_weight_grams))
    if bad:
        raise ValidationFailed(bad)
    with transaction.atomic():
        locked = Carrier.objects.select_for_update().get(pk=carrier.pk)
        before = list(CarrierRate.objects.filter(carrier=locked).order_by("province"))
        after = sorted(canonical, key=lambda row: row.province)
        if [_rate_data(row) for row in before] == [_rate_data(row) for row in after]:
            return before
        CarrierRate.objects.filter(carrier=locked).delete()
        created = CarrierRate.objects.bulk_create(
            [
                CarrierRate(
                    carrier=locked,
                    province=row.province,
                    first_weight_grams=row.first_weight_grams,
                    first_price=row.first_price,
                    additional_price_per_kg=row.additional_price_per_kg,
                )
                for row in after
            ]
        )
        CarrierEvent.objects.create(
            carrier=locked,
            type=CarrierEventType.RATES_REPLACED,
            actor=actor,
            at=timezone.now(),
            data={"before": [_rate_data(row) for row in before], "after": [_rate_data(row) for row in after]},
        )
    return created


def update_logistics_settings(
    *,
    actor: User | None,
    shop: Shop,
    strategy: str,
    honour_requested_carrier: bool,
    disabled_carriers: list[str],
    stale_after_days: int,
) -> LogisticsSettings:
    """A shop's carrier-choice rules and its no-update threshold."""
    require(actor, "logistics.edit")
    bad: dict[str, str] = {}
    if strategy not in ChoiceStrategy.values:
        bad["strategy"] = _("one of %(values)s") % {"values": ", ".join(ChoiceStrategy.values)}
    known = set(Carrier.objects.values_list("code", flat=True))
    for index, code in enumerate(disabled_carriers):
        if code not in known:
            bad[f"disabled_carriers[{index}]"] = _("unknown carrier %(code)s") % {"code": code}
    if not 1 <= stale_after_days <= 30:
        bad["stale_after_days"] = _("between 1 and 30")
    if bad:
        raise ValidationFailed(bad)
    with transaction.atomic():
        found, _created = LogisticsSettings.objects.get_or_create(shop=shop)
        found = LogisticsSettings.objects.select_for_update().get(pk=found.pk)
        before = {name: getattr(found, name) for name in _AUDITED_SETTINGS}
        found.strategy = strategy
        found.honour_requested_carrier = honour_requested_carrier
        found.disabled_carriers = sorted(set(disabled_carriers))
        found.stale_after_days = stale_after_days
        found.save()
        changes = changes_of(before, {name: getattr(found, name) for name in _AUDITED_SETTINGS})
        if changes:
            events.logistics_settings_changed_event(shop, changes=changes, actor=actor, at=timezone.now())
    return found


_AUDITED_SETTINGS = ("strategy", "honour_requested_carrier", "disabled_carriers", "stale_after_days")


# --- shipments ---------------------------------------------------------------------------


def _locked_shipment(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_for_update().select_related("carrier", "order").get(pk=shipment.pk)


def cancel_shipment(*, shipment: Shipment, actor: User | None, reason: str, at: datetime | None = None) -> Shipment:
    """Cancel a booked parcel that was not handed over (a wrong label, a changed carrier).
    The carrier is told first, with no transaction open, then the cancellation is recorded;
    a refusal by the carrier changes nothing here. Cancelling at a carrier is harmless to
    repeat, so a request cut short in between is simply sent again."""
    require(actor, "orders.ship")
    if not reason.strip():
        raise ValidationFailed({"reason": _("say why the shipment is cancelled")})
    at = at or timezone.now()
    current = Shipment.objects.select_related("carrier").get(pk=shipment.pk)
    shipment_states.next_status(current.status, ShipmentAction.CANCEL)  # refused before the carrier is asked
    adapter_for(current.carrier).cancel_shipment(parcel_ref(current))
    with transaction.atomic():
        shipment = _locked_shipment(shipment)
        status = shipment_states.next_status(shipment.status, ShipmentAction.CANCEL)
        shipment.status = status
        shipment.cancelled_at = at
        shipment.carrier_stopped_at = at  # told above
        shipment.save(update_fields=["status", "cancelled_at", "carrier_stopped_at"])
        log_shipment(shipment, ShipmentLogType.CANCELLED, actor=actor, at=at, reason=reason.strip())
        events.label_cancelled_event(
            shipment.order,
            shipment_id=shipment.pk,
            tracking_number=shipment.tracking_number,
            reason=reason,
            actor=actor,
            at=at,
        )
    return shipment


def intercept(*, shipment: Shipment, actor: User | None, reason: messages.Text, at: datetime | None = None) -> Shipment:
    """Stop a parcel not yet handed over (截单), e.g. because the buyer cancelled: it can
    no longer be handed over, and once the caller's transaction commits the carrier is told
    to void its waybill (logistics.stopping), outside any transaction. `reason` is what a
    person typed, or the code and parameters of the system's (its order's close reason),
    kept so and read in the reader's language."""
    require(actor, "orders.ship")
    if not messages.text(reason).strip():
        raise ValidationFailed({"reason": _("say why the parcel is intercepted")})
    at = at or timezone.now()
    with transaction.atomic():
        shipment = _locked_shipment(shipment)
        if not shipment_states.TABLE.allows(shipment.status, ShipmentAction.INTERCEPT):
            raise Conflict(
                "shipment_not_interceptable",
                _("Parcel %(number)s is %(status)s; only a parcel not yet handed over can be intercepted.")
                % {"number": shipment.tracking_number, "status": shipment.get_status_display()},
                details={"current_status": shipment.status},
            )
        shipment.status = shipment_states.next_status(shipment.status, ShipmentAction.INTERCEPT)
        shipment.is_intercepted = True
        shipment.cancelled_at = at
        shipment.save(update_fields=["status", "is_intercepted", "cancelled_at"])
        request_carrier_stop(shipment)
        log_shipment(shipment, ShipmentLogType.INTERCEPTED, actor=actor, at=at, reason=messages.cleaned(reason))
        events.parcel_intercepted_event(
            shipment.order,
            shipment_id=shipment.pk,
            tracking_number=shipment.tracking_number,
            reason=messages.cleaned(reason),
            actor=actor,
            at=at,
        )
    return shipment


def mark_handed_over(*, shipment: Shipment, actor: User | None, at: datetime | None = None) -> Shipment:
    """The parcel left with the carrier (the scan-out): tracking starts from here. An
    intercepted or cancelled parcel is refused (409) and nothing changes."""
    require(actor, "orders.ship")
    at = at or timezone.now()
    with transaction.atomic():
        shipment = _locked_shipment(shipment)
        if shipment.is_intercepted:
            raise Conflict(
                "shipment_intercepted",
                _("Parcel %(number)s was intercepted; it must not be handed over.")
                % {"number": shipment.tracking_number},
                details={"tracking_number": shipment.tracking_number},
            )
        shipment.status = shipment_states.next_status(shipment.status, ShipmentAction.HAND_OVER)
        shipment.handed_over_at = at
        shipment.last_event_at = at
        shipment.save(update_fields=["status", "handed_over_at", "last_event_at"])
        log_shipment(shipment, ShipmentLogType.HANDED_OVER, actor=actor, at=at)
    return shipment


# --- receipt auto-confirmation -------------------------------------------------------------

MAX_EXTENSION_DAYS = order_actions.MAX_RECEIPT_EXTENSION_DAYS


def extend_auto_confirm(
    *, order: Order, days: int, reason: str, actor: User | None, at: datetime | None = None
) -> Order:
    """Push the order's automatic receipt confirmation `days` later (延长收货), e.g. while a
    parcel is delayed or an exchange is under way: orders.actions.extend_receipt, with
    the parcel desk's rule that a reason is always given. Audited on the order's timeline."""
    require(actor, "orders.confirm_receipt")
    if not reason.strip():
        bad: dict[str, str] = {"reason": _("say why the confirmation is extended")}
        if not 1 <= days <= MAX_EXTENSION_DAYS:
            bad["days"] = _("between 1 and %(max)s") % {"max": MAX_EXTENSION_DAYS}
        raise ValidationFailed(bad)
    return order_actions.extend_receipt(order=order, actor=actor, days=days, reason=reason, at=at)
