"""/api/v1 review settings per shop and review runs (the whole queue as a background job)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Status
from pydantic import Field, StrictBool, StrictInt

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound
from sellerdesk.orders.models import ReviewRun
from sellerdesk.orders.review import configure, runs
from sellerdesk.orders.schemas import Strict
from sellerdesk.shops.models import ReviewSettings, Shop

router = Router(tags=["review"])


class ReviewSettingsIn(Strict):
    enabled_rules: list[Annotated[str, Field(min_length=1, max_length=40)]] | None = Field(None, max_length=100)
    hold_buffer_minutes: StrictInt | None = None
    auto_approve: StrictBool | None = None
    max_order_total: Decimal | None = Field(None, max_digits=14, decimal_places=2)
    max_total_quantity: StrictInt | None = None
    cod_orders_per_day_new_buyer: StrictInt | None = None
    merge_automatically: StrictBool | None = None
    merge_window_hours: StrictInt | None = None


class RuleOut(Strict):
    code: str
    label: str
    enabled: bool


class ReviewSettingsOut(Strict):
    shop: str
    rules: list[RuleOut]
    hold_buffer_minutes: int
    auto_approve: bool
    max_order_total: Decimal
    max_total_quantity: int
    cod_orders_per_day_new_buyer: int
    merge_automatically: bool
    merge_window_hours: int


class AllocationSettingsIn(Strict):
    strategy: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    is_b2b: StrictBool | None = None


class AllocationSettingsOut(Strict):
    shop: str
    strategy: str
    is_b2b: bool
    strategies: list[str]


class ReviewRunIn(Strict):
    shop: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    include_hold_buffer: StrictBool = False


class ReviewRunOut(Strict):
    id: int
    shop: str | None
    status: str
    total: int
    done: int
    approved: int
    held: int
    percent: int
    error: str
    created_at: Any
    started_at: Any | None
    finished_at: Any | None


def _shop(code: str) -> Shop:
    shop = Shop.objects.filter(code=code).first()
    if shop is None:
        raise NotFound(_("No shop %(code)s.") % {"code": code})
    return shop


def settings_out(shop: Shop, settings: ReviewSettings) -> dict[str, Any]:
    return {
        "shop": shop.code,
        "rules": [state.__dict__ for state in configure.rule_states(settings)],
        "hold_buffer_minutes": settings.hold_buffer_minutes,
        "auto_approve": settings.auto_approve,
        "max_order_total": settings.max_order_total,
        "max_total_quantity": settings.max_total_quantity,
        "cod_orders_per_day_new_buyer": settings.cod_orders_per_day_new_buyer,
        "merge_automatically": settings.merge_automatically,
        "merge_window_hours": settings.merge_window_hours,
    }


def run_out(run: ReviewRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "shop": run.shop.code if run.shop else None,
        "status": run.status,
        "total": run.total,
        "done": run.done,
        "approved": run.approved,
        "held": run.held,
        "percent": run.percent,
        "error": run.error,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
    }


@router.get("/shops/{code}/review-settings", response={200: ReviewSettingsOut, **ERROR_RESPONSES})
def get_review_settings(request: HttpRequest, code: str) -> Any:
    shop = _shop(code)
    return settings_out(shop, configure.settings_of(shop=shop, actor=actor_of(request)))


@router.put("/shops/{code}/review-settings", response={200: ReviewSettingsOut, **ERROR_RESPONSES})
def put_review_settings(request: HttpRequest, code: str, payload: ReviewSettingsIn) -> Any:
    shop = _shop(code)
    changes = payload.model_dump(exclude_none=True)
    settings = configure.update_review_settings(shop=shop, actor=actor_of(request), changes=changes)
    return settings_out(shop, settings)


@router.get("/shops/{code}/allocation-settings", response={200: AllocationSettingsOut, **ERROR_RESPONSES})
def get_allocation_settings(request: HttpRequest, code: str) -> Any:
    shop = _shop(code)
    return {"shop": shop.code, **configure.allocation_settings_of(shop=shop, actor=actor_of(request)).__dict__}


@router.put("/shops/{code}/allocation-settings", response={200: AllocationSettingsOut, **ERROR_RESPONSES})
def put_allocation_settings(request: HttpRequest, code: str, payload: AllocationSettingsIn) -> Any:
    shop = _shop(code)
    settings = configure.update_allocation_settings(
        shop=shop, actor=actor_of(request), strategy=payload.strategy, is_b2b=payload.is_b2b
    )
    return {"shop": shop.code, **settings.__dict__}


@router.post("/review-runs", response={202: ReviewRunOut, **ERROR_RESPONSES})
def start_review_run(request: HttpRequest, payload: ReviewRunIn) -> Status[Any]:
    shop = _shop(payload.shop) if payload.shop else None
    run = runs.start_review_run(actor=actor_of(request), shop=shop, force=payload.include_hold_buffer)
    return Status(202, run_out(run))


@router.get("/review-runs/{run_id}", response={200: ReviewRunOut, **ERROR_RESPONSES})
def get_review_run(request: HttpRequest, run_id: int) -> Any:
    return run_out(runs.get_review_run(run_id=run_id, actor=actor_of(request)))
