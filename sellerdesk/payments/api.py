"""/api/v1/payments/notify/{gateway}: gateways call it; they sign instead of logging in."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import BaseModel

from sellerdesk.core.api import ERROR_RESPONSES
from sellerdesk.payments import actions

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
