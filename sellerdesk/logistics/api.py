"""/api/v1/carriers: coverage, details, cost tables; shops' logistics settings. The
shipment, tracking and exception-desk routes (api_shipments) are mounted inside."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import Money
from sellerdesk.logistics import actions, queries
from sellerdesk.logistics.api_shipments import router as shipments_router
from sellerdesk.logistics.choice import settings_for
from sellerdesk.logistics.models import Carrier, CarrierCoverage, LogisticsSettings
from sellerdesk.shops.models import Shop

router = Router(tags=["logistics"])


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CarrierIn(Strict):
    code: str = Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
    name: str = Field(min_length=1, max_length=50)
    supports_cod: bool = False
    is_active: bool = True


class CarrierOut(BaseModel):
    code: str
    name: str
    supports_cod: bool
    is_active: bool


class RuleIn(Strict):
    province: str = Field(min_length=1, max_length=20)
    city: str = Field(default="", max_length=30)
    district: str = Field(default="", max_length=30)
    is_excluded: bool = False


class AreaRuleOut(BaseModel):
    province: str
    city: str
    district: str
    is_excluded: bool


class CoverageIn(Strict):
    rules: list[RuleIn] = Field(max_length=5000)


class CoverageOut(BaseModel):
    carrier: str
    rules: list[AreaRuleOut]


def carrier_out(carrier: Carrier) -> dict[str, Any]:
    return {
        "code": carrier.code,
        "name": carrier.name,
        "supports_cod": carrier.supports_cod,
        "is_active": carrier.is_active,
    }


def coverage_out(carrier: Carrier, rules: list[CarrierCoverage]) -> dict[str, Any]:
    return {
        "carrier": carrier.code,
        "rules": [
            {"province": r.province, "city": r.city, "district": r.district, "is_excluded": r.is_excluded}
            for r in rules
        ],
    }


@router.get("/carriers", response={200: list[CarrierOut], **ERROR_RESPONSES})
def list_carriers(request: HttpRequest) -> Any:
    return [carrier_out(carrier) for carrier in queries.list_carriers(actor=actor_of(request))]


@router.post("/carriers", response={201: CarrierOut, **ERROR_RESPONSES})
def create_carrier(request: HttpRequest, payload: CarrierIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        carrier = actions.create_carrier(
            actor=actor_of(request),
            code=payload.code,
            name=payload.name.strip(),
            supports_cod=payload.supports_cod,
            is_active=payload.is_active,
        )
        return 201, carrier_out(carrier)

    return idempotent(request, produce)


@router.get("/carriers/{code}/coverage", response={200: CoverageOut, **ERROR_RESPONSES})
def get_coverage(request: HttpRequest, code: str) -> Any:
    actor = actor_of(request)
    carrier = queries.get_carrier(code=code, actor=actor)
    return coverage_out(carrier, queries.coverage_of(carrier=carrier, actor=actor))


@router.put("/carriers/{code}/coverage", response={200: CoverageOut, **ERROR_RESPONSES})
def replace_coverage(request: HttpRequest, code: str, payload: CoverageIn) -> Any:
    actor = actor_of(request)
    carrier = queries.get_carrier(code=code, actor=actor)
    rules = [actions.CoverageRule(r.province, r.city, r.district, r.is_excluded) for r in payload.rules]
    actions.replace_coverage(actor=actor, carrier=carrier, rules=rules)
    return coverage_out(carrier, queries.coverage_of(carrier=carrier, actor=actor))


@router.delete("/carriers/{code}/coverage", response={204: None, **ERROR_RESPONSES})
def clear_coverage(request: HttpRequest, code: str) -> Status[None]:
    actor = actor_of(request)
    carrier = queries.get_carrier(code=code, actor=actor)
    actions.clear_coverage(actor=actor, carrier=carrier)
    return Status(204, None)


# --- carrier details, cost table, shop rules ----------------------------------------------


class CarrierPatch(Strict):
    adapter: str | None = Field(default=None, min_length=1, max_length=30)
    max_weight_grams: int | None = Field(default=None, ge=1, le=1_000_000)
    transit_days: int | None = Field(default=None, ge=1, le=60)
    supports_cod: bool | None = None
    is_active: bool | None = None


class CarrierDetailOut(CarrierOut):
    adapter: str
    max_weight_grams: int | None
    transit_days: int


def carrier_detail_out(carrier: Carrier) -> dict[str, Any]:
    return {
        **carrier_out(carrier),
        "adapter": carrier.adapter,
        "max_weight_grams": carrier.max_weight_grams,
        "transit_days": carrier.transit_days,
    }


@router.get("/carriers/{code}", response={200: CarrierDetailOut, **ERROR_RESPONSES})
def get_carrier(request: HttpRequest, code: str) -> Any:
    return carrier_detail_out(queries.get_carrier(code=code, actor=actor_of(request)))


@router.patch("/carriers/{code}", response={200: CarrierDetailOut, **ERROR_RESPONSES})
def patch_carrier(request: HttpRequest, code: str, payload: CarrierPatch) -> Any:
    actor = actor_of(request)
    carrier = queries.get_carrier(code=code, actor=actor)
    given = payload.model_fields_set
    carrier = actions.update_carrier(
        actor=actor,
        carrier=carrier,
        adapter=payload.adapter,
        max_weight_grams=payload.max_weight_grams if "max_weight_grams" in given else "unchanged",
        transit_days=payload.transit_days,
        supports_cod=payload.supports_cod,
        is_active=payload.is_active,
    )
    return carrier_detail_out(carrier)


class RateIn(Strict):
    province: str = Field(default="", max_length=20, description="blank: every province without a row")
    first_weight_grams: int = Field(default=1000, ge=1, le=100_000)
    first_price: Money
    additional_price_per_kg: Money


class RateOut(BaseModel):
    province: str
    first_weight_grams: int
    first_price: Money
    additional_price_per_kg: Money


class RatesIn(Strict):
    rates: list[RateIn] = Field(max_length=100)


class RatesOut(BaseModel):
    carrier: str
    rates: list[RateOut]


def rates_out(carrier: Carrier) -> dict[str, Any]:
    return {
        "carrier": carrier.code,
        "rates": [
            {
                "province": r.province,
                "first_weight_grams": r.first_weight_grams,
                "first_price": r.first_price,
                "additional_price_per_kg": r.additional_price_per_kg,
            }
            for r in carrier.rates.order_by("province")
        ],
    }


@router.get("/carriers/{code}/rates", response={200: RatesOut, **ERROR_RESPONSES})
def get_rates(request: HttpRequest, code: str) -> Any:
    return rates_out(queries.get_carrier(code=code, actor=actor_of(request)))


@router.put("/carriers/{code}/rates", response={200: RatesOut, **ERROR_RESPONSES})
def replace_rates(request: HttpRequest, code: str, payload: RatesIn) -> Any:
    actor = actor_of(request)
    carrier = queries.get_carrier(code=code, actor=actor)
    rows = [
        actions.RateRow(r.province, r.first_price, r.additional_price_per_kg, r.first_weight_grams)
        for r in payload.rates
    ]
    actions.replace_rates(actor=actor, carrier=carrier, rows=rows)
    return rates_out(carrier)


class LogisticsSettingsIn(Strict):
    strategy: Literal["cheapest", "fastest"]
    honour_requested_carrier: bool
    disabled_carriers: list[str] = Field(default_factory=list, max_length=100)
    stale_after_days: int = Field(ge=1, le=30)


class LogisticsSettingsOut(BaseModel):
    shop: str
    strategy: str
    honour_requested_carrier: bool
    disabled_carriers: list[str]
    stale_after_days: int


def _shop(code: str) -> Shop:
    shop = Shop.objects.filter(code=code).first() if "\x00" not in code else None
    if shop is None:
        raise NotFound(_("No shop %(code)s.") % {"code": code}, details={"code": code})
    return shop


def settings_out(shop: Shop, found: LogisticsSettings) -> dict[str, Any]:
    return {
        "shop": shop.code,
        "strategy": found.strategy,
        "honour_requested_carrier": found.honour_requested_carrier,
        "disabled_carriers": list(found.disabled_carriers or []),
        "stale_after_days": found.stale_after_days,
    }


@router.get("/shops/{code}/logistics-settings", response={200: LogisticsSettingsOut, **ERROR_RESPONSES})
def get_logistics_settings(request: HttpRequest, code: str) -> Any:
    require(actor_of(request), "logistics.view")
    shop = _shop(code)
    return settings_out(shop, settings_for(shop))


@router.put("/shops/{code}/logistics-settings", response={200: LogisticsSettingsOut, **ERROR_RESPONSES})
def put_logistics_settings(request: HttpRequest, code: str, payload: LogisticsSettingsIn) -> Any:
    actor = actor_of(request)
    require(actor, "logistics.edit")
    shop = _shop(code)
    found = actions.update_logistics_settings(
        actor=actor,
        shop=shop,
        strategy=payload.strategy,
        honour_requested_carrier=payload.honour_requested_carrier,
        disabled_carriers=payload.disabled_carriers,
        stale_after_days=payload.stale_after_days,
    )
    return settings_out(shop, found)


router.add_router("", shipments_router)
