"""The marketplace connectors' signed order push (no staff token: the signature is the
authentication).

POST /api/v1/marketplace-push/{connector} with the connector's message as the raw body and
its signature in X-Sellerdesk-Signature (the simulated marketplace: HMAC-SHA256 of the
body with PUSH_SECRET, hex). 200 handled (or handled before: duplicate true), 401 not
signed, 422 malformed or a shop not connected; never anything written on an error.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router
from pydantic import BaseModel

from sellerdesk.core.api import ERROR_RESPONSES
from sellerdesk.marketplaces import push
from sellerdesk.marketplaces.connectors import MAX_PUSH_BYTES, SIGNATURE_HEADER

router = Router(tags=["marketplaces"])


class PushOut(BaseModel):
    message_id: str
    external_id: str
    outcome: str  # created, updated, unchanged, skipped, stale, refused
    order: str | None  # our order number, when there is one
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
        "description": f"The connector's order message (at most {MAX_PUSH_BYTES} bytes); the simulated "
        "marketplace's: {shop, message_id, topic, order: {external_id, status, modified_at, lines, ...}} "
        "(docs/marketplaces.md, Connectors)",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["shop", "message_id", "order"],
                    "properties": {
                        "shop": {"type": "string", "maxLength": 40},
                        "message_id": {"type": "string", "maxLength": 64},
                        "topic": {"type": "string", "maxLength": 40},
                        "order": {"type": "object"},
                    },
                }
            }
        },
    },
}


@router.post(
    "/marketplace-push/{connector}",
    auth=None,
    response={200: PushOut, **ERROR_RESPONSES},
    openapi_extra=PUSH_BODY,
)
def marketplace_order_push(request: HttpRequest, connector: str) -> Any:
    """One order message from a marketplace: 401 unsigned, 422 malformed (each bad field
    named), 200 handled (or handled before: duplicate true)."""
    result = push.receive_push(
        body=request.body, signature=request.headers.get(SIGNATURE_HEADER, ""), connector=connector
    )
    message = result.message
    order = message.detail.get("order") if isinstance(message.detail, dict) else None
    return {
        "message_id": message.message_id,
        "external_id": message.external_id,
        "outcome": message.outcome,
        "order": order if isinstance(order, str) else None,
        "duplicate": result.duplicate,
    }
