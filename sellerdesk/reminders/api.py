"""/api/v1/reminders: payment reminders (催付) — the list, reminding an order by hand,
the buyer's reason, a phone task done, the report (JSON) and each shop's settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound
from sellerdesk.core.permissions import require
from sellerdesk.orders.queries import get_order
from sellerdesk.reminders import actions, queries
from sellerdesk.reminders.models import PaymentReminder, ReminderSettings
from sellerdesk.reminders.report import Figures, Line, build_report
from sellerdesk.shops.access import limit_to_visible_shops
from sellerdesk.shops.models import Shop

router = Router(tags=["reminders"])


class ReminderStrict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReminderOut(BaseModel):
    id: int
    order: str
    shop: str
    channel: str
    status: str
    agent: str | None
    assignee: str | None
    created_at: datetime
    reminded_at: datetime | None
    reason: str | None
    reason_note: str
    paid_at: datetime | None
    message_id: int | None


class ReminderRemindIn(ReminderStrict):
    # Validated by the action (422 naming "channel"), so the error reads as the domain's.
    channel: str = Field(default="sms", max_length=20, description="sms, im (chat) or phone (a call made)")


class ReminderReasonIn(ReminderStrict):
    reason: str | None = Field(default=None, max_length=40, description="a code of GET /reminders/reasons")
    note: str = Field(default="", max_length=300, description="what the buyer said")


class ReminderDoneIn(ReminderReasonIn):
    pass


class ReminderReasonOut(BaseModel):
    code: str
    name_zh: str
    name_en: str


class ReminderSettingsIn(ReminderStrict):
    enabled: bool = True
    windows: list[list[str]] = Field(default_factory=lambda: [["11:00", "12:00"], ["16:00", "17:00"]], max_length=6)
    channel: str = Field(default="sms", max_length=20)
    min_unpaid_minutes: int = Field(default=30, ge=0, le=10080)
    cod_zero_reputation_daily_cap: int = Field(default=1, ge=0, le=100)


class ReminderSettingsOut(BaseModel):
    shop: str
    enabled: bool
    windows: list[list[str]]
    channel: str
    min_unpaid_minutes: int
    cod_zero_reputation_daily_cap: int


class ReminderFiguresOut(BaseModel):
    reminded: int
    paid_after: int
    recovery_rate: Decimal | None
    reasons: dict[str, int]


class ReminderLineOut(BaseModel):
    key: str
    name: str
    current: ReminderFiguresOut
    previous: ReminderFiguresOut


class ReminderLostOut(BaseModel):
    start: date
    placed: int
    lost: int
    lost_rate: Decimal | None


class ReminderReportOut(BaseModel):
    period: str
    start: date
    end: date
    previous_start: date
    total: ReminderFiguresOut
    previous: ReminderFiguresOut
    by_shop: list[ReminderLineOut]
    by_agent: list[ReminderLineOut]
    lost: list[ReminderLostOut]


class ReminderListFilter(BaseModel):
    status: str | None = Field(default=None, max_length=10)
    channel: str | None = Field(default=None, max_length=10)
    mine: bool = False
    limit: int = Field(default=100, ge=1, le=500)


def reminder_out(reminder: PaymentReminder) -> dict[str, Any]:
    return {
        "id": reminder.pk,
        "order": reminder.order.number,
        "shop": reminder.order.shop.code,
        "channel": reminder.channel,
        "status": reminder.status,
        "agent": reminder.agent.signature if reminder.agent else None,
        "assignee": reminder.assignee.signature if reminder.assignee else None,
        "created_at": reminder.created_at,
        "reminded_at": reminder.reminded_at,
        "reason": reminder.reason.code if reminder.reason else None,
        "reason_note": reminder.reason_note,
        "paid_at": reminder.paid_at,
        "message_id": reminder.message_id,
    }


def _figures_out(figures: Figures) -> dict[str, Any]:
    return {
        "reminded": figures.reminded,
        "paid_after": figures.paid_after,
        "recovery_rate": figures.recovery_rate,
        "reasons": dict(figures.reasons),
    }


def _line_out(line: Line) -> dict[str, Any]:
    return {
        "key": line.key,
        "name": line.name,
        "current": _figures_out(line.current),
        "previous": _figures_out(line.previous),
    }


def settings_out(found: ReminderSettings, shop: Shop) -> dict[str, Any]:
    return {
        "shop": shop.code,
        "enabled": found.enabled,
        "windows": found.windows,
        "channel": found.channel,
        "min_unpaid_minutes": found.min_unpaid_minutes,
        "cod_zero_reputation_daily_cap": found.cod_zero_reputation_daily_cap,
    }


def _reminder(pk: int, request: HttpRequest) -> PaymentReminder:
    actor = actor_of(request)
    require(actor, "reminders.remind")
    return actions.get_reminder(pk, actor=actor)


def _shop(code: str, request: HttpRequest) -> Shop:
    # A shop the actor may not see is not found (shops.access).
    visible = limit_to_visible_shops(Shop.objects.all(), actor_of(request), shop_field="pk")
    shop = visible.filter(code=code).first() if "\x00" not in code else None
    if shop is None:
        raise NotFound(f"No shop {code}.", details={"shop": code})
    return shop


_RELATED = ("order", "order__shop", "agent", "assignee", "reason")


@router.get("/reminders", response={200: list[ReminderOut], **ERROR_RESPONSES})
def list_reminders(request: HttpRequest, filters: Query[ReminderListFilter]) -> Any:
    actor = actor_of(request)
    require(actor, "reminders.remind")
    found = limit_to_visible_shops(PaymentReminder.objects.all(), actor)
    found = found.select_related(*_RELATED).order_by("-created_at", "-pk")
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.channel:
        found = found.filter(channel=filters.channel)
    if filters.mine:
        found = found.filter(assignee=actor)
    return [reminder_out(reminder) for reminder in found[: filters.limit]]


@router.get("/reminders/reasons", response={200: list[ReminderReasonOut], **ERROR_RESPONSES})
def list_reasons(request: HttpRequest) -> Any:
    require(actor_of(request), "reminders.remind")
    return [{"code": r.code, "name_zh": r.name_zh, "name_en": r.name_en} for r in queries.active_reasons()]


@router.get("/reminders/report", response={200: ReminderReportOut, **ERROR_RESPONSES})
def report(
    request: HttpRequest,
    day: date | None = None,
    period: Literal["day", "week", "month"] = "day",
    shop: str | None = None,
) -> Any:
    found = build_report(
        actor=actor_of(request),
        day=day or timezone.localdate(),
        period=period,
        shop=_shop(shop, request) if shop else None,
    )
    return {
        "period": found.period,
        "start": found.start,
        "end": found.end,
        "previous_start": found.previous_start,
        "total": _figures_out(found.total),
        "previous": _figures_out(found.previous),
        "by_shop": [_line_out(line) for line in found.by_shop],
        "by_agent": [_line_out(line) for line in found.by_agent],
        "lost": [{"start": p.start, "placed": p.placed, "lost": p.lost, "lost_rate": p.lost_rate} for p in found.lost],
    }


@router.get("/reminders/{reminder_id}", response={200: ReminderOut, **ERROR_RESPONSES})
def get_reminder(request: HttpRequest, reminder_id: int) -> Any:
    return reminder_out(_reminder(reminder_id, request))


@router.post("/orders/{number}/remind", response={201: ReminderOut, **ERROR_RESPONSES})
def remind_order(request: HttpRequest, number: str, payload: ReminderRemindIn) -> Status[Any]:
    """Remind the order now (once per order): 409 when it is paid, closed, reminded
    already or its buyer is not to be reminded; 422 for a channel other than sms, im, phone."""
    actor = actor_of(request)
    order = get_order(number=number, actor=actor)
    reminder = actions.remind_order(order=order, channel=payload.channel, actor=actor)
    return Status(201, reminder_out(actions.get_reminder(reminder.pk)))


@router.post("/reminders/{reminder_id}/reason", response={200: ReminderOut, **ERROR_RESPONSES})
def record_reason(request: HttpRequest, reminder_id: int, payload: ReminderReasonIn) -> Any:
    reminder = _reminder(reminder_id, request)
    reason = actions.reason_by_code(payload.reason) if payload.reason else None
    actions.record_reason(reminder=reminder, actor=actor_of(request), reason=reason, note=payload.note)
    return reminder_out(actions.get_reminder(reminder_id))


@router.post("/reminders/{reminder_id}/done", response={200: ReminderOut, **ERROR_RESPONSES})
def complete_phone_task(request: HttpRequest, reminder_id: int, payload: ReminderDoneIn) -> Any:
    reminder = _reminder(reminder_id, request)
    reason = actions.reason_by_code(payload.reason) if payload.reason else None
    actions.complete_phone_task(reminder=reminder, actor=actor_of(request), reason=reason, note=payload.note)
    return reminder_out(actions.get_reminder(reminder_id))


@router.get("/shops/{code}/reminder-settings", response={200: ReminderSettingsOut, **ERROR_RESPONSES})
def get_settings(request: HttpRequest, code: str) -> Any:
    require(actor_of(request), "reminders.configure")
    shop = _shop(code, request)
    return settings_out(actions.settings_for(shop), shop)


@router.put("/shops/{code}/reminder-settings", response={200: ReminderSettingsOut, **ERROR_RESPONSES})
def put_settings(request: HttpRequest, code: str, payload: ReminderSettingsIn) -> Any:
    shop = _shop(code, request)
    found = actions.update_settings(
        shop=shop,
        actor=actor_of(request),
        enabled=payload.enabled,
        windows=payload.windows,
        channel=payload.channel,
        min_unpaid_minutes=payload.min_unpaid_minutes,
        cod_zero_reputation_daily_cap=payload.cod_zero_reputation_daily_cap,
    )
    return settings_out(found, shop)
