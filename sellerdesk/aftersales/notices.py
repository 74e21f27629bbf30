"""What the buyer is told at each step of a case: an after-sales message recorded for the
order's buyer (notifications.aftersales), kept as a code and its parameters until it is
rendered there in the shop's language. The codes are registered here with their
templates and examples (tests/test_timeline.py renders every registered code)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy

from sellerdesk.aftersales.models import Case, CaseType, InspectionResult, Payer
from sellerdesk.core import messages
from sellerdesk.notifications.aftersales import record_case_message
from sellerdesk.notifications.models import OutgoingMessage

OPENED = "aftersales_notice_opened"
APPROVED = "aftersales_notice_approved"
SEND_IT_BACK = "aftersales_notice_send_back"
REJECTED = "aftersales_notice_rejected"
CANCELED = "aftersales_notice_canceled"
RETURN_REGISTERED = "aftersales_notice_return_registered"
PICKUP_BOOKED = "aftersales_notice_pickup_booked"
RECEIVED = "aftersales_notice_received"
INSPECTED = "aftersales_notice_inspected"
REPLACEMENT_PLACED = "aftersales_notice_replacement_placed"
REPLACEMENT_SHIPPED = "aftersales_notice_replacement_shipped"
NEW_MESSAGE = "aftersales_notice_message"
CLOSED = "aftersales_notice_closed"


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _facts(p: messages.Params) -> dict[str, Any]:
    return {
        **p,
        "type": _label(CaseType, p.get("type", "")),
        "payer": _label(Payer, p.get("payer", "")),
        "result": _label(InspectionResult, p.get("result", "")),
    }


_CASE = {"case": "AS26120112345678", "order": "2612011234567890"}

for _code, _template, _example in (
    (
        OPENED,
        gettext_lazy(
            "Hello, we have your after-sales request %(case)s for order %(order)s (%(type)s). "
            "We will answer within %(hours)s hours."
        ),
        {**_CASE, "type": "return_refund", "hours": 48},
    ),
    (APPROVED, gettext_lazy("Your after-sales request %(case)s was approved."), _CASE),
    (
        SEND_IT_BACK,
        gettext_lazy(
            "Your after-sales request %(case)s was approved. Please send the goods back within %(days)s days "
            "and tell us the carrier and tracking number; the return postage is paid by: %(payer)s."
        ),
        {**_CASE, "days": 10, "payer": "buyer"},
    ),
    (
        REJECTED,
        gettext_lazy("Your after-sales request %(case)s was not approved: %(reason)s"),
        {**_CASE, "reason": "已超过七天无理由退货期限"},
    ),
    (CANCELED, gettext_lazy("Your after-sales request %(case)s was canceled."), _CASE),
    (
        RETURN_REGISTERED,
        gettext_lazy(
            "We have the tracking number %(tracking_number)s of your return for %(case)s; "
            "we will tell you when it arrives."
        ),
        {**_CASE, "tracking_number": "YT1234567890"},
    ),
    (
        PICKUP_BOOKED,
        gettext_lazy(
            "A %(carrier)s courier will pick up your return for %(case)s (tracking number %(tracking_number)s)."
        ),
        {**_CASE, "carrier": "顺丰速运", "tracking_number": "SF1234567890"},
    ),
    (RECEIVED, gettext_lazy("Your return for %(case)s has arrived at our warehouse."), _CASE),
    (
        INSPECTED,
        gettext_lazy("Your return for %(case)s has been inspected: %(result)s."),
        {**_CASE, "result": "pass"},
    ),
    (
        REPLACEMENT_PLACED,
        gettext_lazy("The goods for %(case)s will be sent to you as order %(replacement)s."),
        {**_CASE, "replacement": "2612021234567890"},
    ),
    (
        REPLACEMENT_SHIPPED,
        gettext_lazy("The goods for %(case)s have shipped with %(carrier)s, tracking number %(tracking_number)s."),
        {**_CASE, "carrier": "SF", "tracking_number": "SF1234567890"},
    ),
    (
        NEW_MESSAGE,
        gettext_lazy("New message about your after-sales request %(case)s: %(body)s"),
        {**_CASE, "body": "您好，请把商品寄回时附上单号。"},
    ),
    (CLOSED, gettext_lazy("Your after-sales request %(case)s is closed."), _CASE),
):
    messages.register(_code, _template, format=_facts, example=_example)


def tell_buyer(case: Case, code: str, *, at: datetime, **params: Any) -> OutgoingMessage:
    """Record the after-sales message `code` for the case's buyer (in the caller's transaction)."""
    return record_case_message(
        order=case.order,
        text_data=messages.message(code, case=case.number, order=case.order.number, **params),
        at=at,
    )
