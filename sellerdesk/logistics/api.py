"""/api/v1/carriers and their coverage."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core.api import actor_of
from sellerdesk.core.idempotency import idempotent
from sellerdesk.logistics import actions, queries
from sellerdesk.logistics.models import Carrier, CarrierCoverage
from sellerdesk.orders.api import ERROR_RESPONSES

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


class RuleOut(BaseModel):
    province: str
    city: str
    district: str
    is_excluded: bool


class CoverageIn(Strict):
    rules: list[RuleIn] = Field(max_length=5000)


class CoverageOut(BaseModel):
    carrier: str
    rules: list[RuleOut]


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
