"""Reads of carriers and whether they reach an address."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from sellerdesk.core import refcache
from sellerdesk.core.addresses import MUNICIPALITIES, ParsedAddress, canonical_division
from sellerdesk.core.errors import NotFound
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.logistics.models import Carrier, CarrierCoverage, Shipment

Area = tuple[str, str, str]


def order_ids_by_tracking(numbers: Sequence[str]) -> QuerySet[Any]:
    """The ids of the orders with a parcel (outbound or a return) carrying one of these
    tracking numbers, as a subquery (`order_id` values; index shipment_tracking_idx)."""
    return Shipment.objects.filter(tracking_number__in=list(numbers)).values("order_id").order_by()


def list_carriers(*, actor: User | None) -> list[Carrier]:
    require(actor, "logistics.view")
    return list(Carrier.objects.order_by("code"))


def get_carrier(*, code: str, actor: User | None) -> Carrier:
    require(actor, "logistics.view")
    carrier = None if "\x00" in code else Carrier.objects.filter(code=code).first()
    if carrier is None:
        raise NotFound(_("No carrier %(code)s.") % {"code": code}, details={"code": code})
    return carrier


def coverage_of(*, carrier: Carrier, actor: User | None) -> list[CarrierCoverage]:
    require(actor, "logistics.view")
    return list(CarrierCoverage.objects.filter(carrier=carrier).order_by("province", "city", "district"))


def _load_coverage() -> dict[int, dict[Area, bool]]:
    rules: dict[int, dict[Area, bool]] = {}
    for carrier_id, province, city, district, is_excluded in CarrierCoverage.objects.values_list(
        "carrier_id", "province", "city", "district", "is_excluded"
    ):
        rules.setdefault(carrier_id, {})[(province, city, district)] = is_excluded
    return rules


def _coverage() -> dict[int, dict[Area, bool]]:
    """Every carrier's rules, remembered for REFERENCE_CACHE_SECONDS (review checks many
    orders; an edit reaches every process within that time)."""
    return refcache.remembered("logistics.coverage", _load_coverage)


def _areas(province: str, city: str, district: str) -> list[Area]:
    """The areas an address lies in, most specific first, with full division names."""
    whole_province = canonical_division(province)
    if whole_province is None:
        return []
    areas: list[Area] = [(whole_province.province, "", "")]
    if not city.strip() and whole_province.province in MUNICIPALITIES:
        city = whole_province.province
    whole_city = canonical_division(province, city) if city.strip() else None
    if whole_city is None:
        return areas
    areas.insert(0, (whole_city.province, whole_city.city, ""))
    exact = canonical_division(province, city, district) if district.strip() else None
    if exact is not None:
        areas.insert(0, (exact.province, exact.city, exact.district))
    return areas


def can_reach(carrier: Carrier, province: str, city: str, district: str) -> bool:
    """Whether the carrier delivers there: the most specific of its rules covering the
    address decides (a district rule over a city rule over a province rule); no rule, an
    unknown province or an inactive carrier: no. Names may be short ("浙江", "杭州")."""
    return carrier.is_active and covers(carrier.pk, province, city, district)


def covers(carrier_id: int, province: str, city: str, district: str) -> bool:
    """Whether the coverage rules of the carrier (by id, active or not) include the address."""
    rules = _coverage().get(carrier_id, {})
    for area in _areas(province, city, district):
        if area in rules:
            return not rules[area]
    return False


def carriers_reaching(address: ParsedAddress, *, needs_cod: bool = False) -> list[Carrier]:
    """The active carriers that deliver to `address` (and collect cash, if asked), by code."""
    carriers = Carrier.objects.filter(is_active=True).order_by("code")
    if needs_cod:
        carriers = carriers.filter(supports_cod=True)
    return [carrier for carrier in carriers if can_reach(carrier, address.province, address.city, address.district)]
