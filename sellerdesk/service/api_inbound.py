"""/api/v1/service/inbound/marketplace: the marketplace pushes each buyer message here,
signed (service.adapters: HMAC-SHA256 of the raw body with the shared secret, hex, in
X-Sellerdesk-Signature). No staff token: the signature is the authentication. The same
message id pushed again answers the stored message with duplicate true."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import BaseModel

from sellerdesk.core.api import ERROR_RESPONSES
from sellerdesk.service.adapters import SIGNATURE_HEADER
from sellerdesk.service.inbound import marketplace

router = Router(tags=["service desk"])


class InboundMessageOut(BaseModel):
    message: int
    conversation: int
    duplicate: bool


PUSH_BODY = {
    "parameters": [
        {
            "name": SIGNATURE_HEADER,
            "in": "header",
            "required": True,
            "schema": {"type": "string", "maxLength": 128},
            "description": "HMAC-SHA256 of the raw body with the marketplace's shared secret, hex",
        }
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["shop", "message_id", "thread_id", "buyer_nick", "text"],
                    "properties": {
                        "shop": {"type": "string", "maxLength": 20},
                        "message_id": {"type": "string", "maxLength": marketplace.MAX_ID},
                        "thread_id": {"type": "string", "maxLength": marketplace.MAX_ID},
                        "buyer_nick": {"type": "string", "maxLength": marketplace.MAX_NICK},
                        "text": {"type": "string"},
                        "order_number": {"type": "string", "maxLength": 40},
                    },
                }
            }
        },
    },
}


@router.post(
    "/service/inbound/marketplace",
    auth=None,
    response={200: InboundMessageOut, **ERROR_RESPONSES},
    openapi_extra=PUSH_BODY,
)
def marketplace_push(request: HttpRequest) -> Any:
    """One buyer message from the marketplace: 401 unsigned, 422 a bad field (each named),
    200 stored (or stored before: duplicate true)."""
    received = marketplace.receive_push(body=request.body, signature=request.headers.get(SIGNATURE_HEADER, ""))
    return {
        "message": received.message.pk,
        "conversation": received.message.conversation_id,
        "duplicate": received.duplicate,
    }
