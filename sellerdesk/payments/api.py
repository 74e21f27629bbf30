"""/api/v1/payments/notify/{gateway}: gateways call it; they sign instead of logging in. And
/api/v1/orders/{number}/payments: staff record a payment."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Status
from pydantic import BaseModel

from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.idempotency import idempotent
from sellerdesk.orders.queries import get_order
from sellerdesk.orders.schemas import PaymentIn, PaymentOut, order_out
from sellerdesk.payments import actions
from sellerdesk.payments.hooks import REFUND_NOTIFICATIONS

router = Router(tags=["payments"])


class NotifyOut(BaseModel):
    status: str
    order: str
    payment_id: int | None


@router.post("/payments/notify/{gateway}", auth=None, response={200: NotifyOut, **ERROR_RESPONSES})
def notify(request: HttpRequest, gateway: str) -> Any:
    headers = {key.lower(): value for key, value in request.headers.items()}
    result = actions.handle_gateway_notification(gateway_name=gateway, body=request.body, headers=headers)
    return {
        "status": "duplicate" if result.duplicate else "recorded",
        "order": result.order_number,
        "payment_id": result.payment_id,
    }


class RefundNotifyOut(BaseModel):
    status: str
    refund: str
    refund_status: str


@router.post("/payments/{gateway}/refunds/notify", auth=None, response={200: RefundNotifyOut, **ERROR_RESPONSES})
def notify_refund(request: HttpRequest, gateway: str) -> Any:
    """A gateway confirms a refund. Signed instead of logged in: the signature is checked
    before anything is read (401); a replay is a success recorded once (`duplicate`); an
    unknown refund is 404, an amount not the refund's 409."""
    headers = {key.lower(): value for key, value in request.headers.items()}
    result = REFUND_NOTIFICATIONS.get()(gateway_name=gateway, body=request.body, headers=headers)
    return {
        "status": "duplicate" if result.duplicate else "recorded",
        "refund": result.refund_number,
        "refund_status": result.status,
    }


# On the orders' page of the API, with the operation id it had there (the document is as before).
@router.post(
    "/orders/{number}/payments",
    response={201: PaymentOut, **ERROR_RESPONSES},
    tags=["orders"],
    operation_id="sellerdesk_orders_api_record_payment",
)
def record_payment(request: HttpRequest, number: str, payload: PaymentIn) -> Status[Any]:
    def produce() -> tuple[int, Any]:
        payment = actions.record_payment(
            order=get_order(number=number, actor=actor_of(request)),
            amount=payload.amount,
            method=payload.method,
            reference=payload.reference,
            actor=actor_of(request),
        )
        return 201, {
            "id": payment.pk,
            "amount": payment.amount,
            "method": payment.method,
            "reference": payment.reference,
            "received_at": timezone.localtime(payment.received_at),
            "order": order_out(get_order(number=payment.order.number, actor=None)),
        }

    return idempotent(request, produce)
