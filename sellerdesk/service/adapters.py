"""Marketplace message channels (旺旺 and the like): one adapter interface, a simulated
adapter that ships, picked by name from SERVICE["MARKETPLACE_ADAPTER"].

The marketplace pushes each buyer message to POST /api/v1/service/inbound/marketplace,
signed with the shop's shared secret (HMAC-SHA256 of the raw body, hex, in the
X-Sellerdesk-Signature header; the secret is SERVICE["MARKETPLACE_SECRET"]). The adapter
checks the signature and turns its own payload into a `PushedMessage`; the service desk
dedupes by the marketplace's message id. Replies go back through `send_reply` of the same
adapter, called after the reply's transaction commits (never inside it).

The simulated adapter takes the payload the project defines (see `SimulatedMarketplace.
parse`) and "sends" replies by appending one JSON line per reply to MARKETPLACE_LOG
(VAR_DIR/marketplace.log by default), as the simulated SMS gateway does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.utils import timezone

from sellerdesk.service import config

SIGNATURE_HEADER = "X-Sellerdesk-Signature"


@dataclass(frozen=True)
class PushedMessage:
    """A buyer message as the marketplace pushed it, in the desk's words."""

    shop_code: str
    message_id: str
    thread_id: str
    buyer_nick: str
    text: str
    sent_at: datetime | None
    order_number: str = ""


@dataclass(frozen=True)
class OutboundReply:
    """An agent's reply to send back on the marketplace."""

    shop_code: str
    thread_id: str
    buyer_nick: str
    message_id: int
    text: str


class MarketplaceAdapter(Protocol):
    name: str

    def verify(self, body: bytes, signature: str) -> bool:
        """Whether `signature` is the marketplace's signature of `body`."""
        ...

    def send_reply(self, reply: OutboundReply) -> str:
        """Send `reply` (no transaction open); the marketplace's id of the sent message.
        Raises OSError when the marketplace cannot be reached."""
        ...


def service_settings() -> dict[str, Any]:
    """settings.SELLERDESK["SERVICE"] (every key optional)."""
    return config.service_settings()


def sign(body: bytes, secret: str) -> str:
    """The signature of a pushed body: HMAC-SHA256 with the shared secret, hex."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class SimulatedMarketplace:
    """The marketplace that ships: pushes signed with MARKETPLACE_SECRET, replies
    written to MARKETPLACE_LOG."""

    name = "simulated"

    def __init__(self) -> None:
        config = service_settings()
        self.secret = str(config.get("MARKETPLACE_SECRET") or "")
        self.log_path = Path(config.get("MARKETPLACE_LOG") or Path(settings.VAR_DIR) / "marketplace.log")

    def verify(self, body: bytes, signature: str) -> bool:
        # No secret configured: every push is refused rather than every push accepted.
        if not self.secret or not signature:
            return False
        return hmac.compare_digest(sign(body, self.secret), signature.strip().lower())

    def send_reply(self, reply: OutboundReply) -> str:
        line = {
            "id": f"SIMREPLY{reply.message_id}",
            "at": timezone.localtime().isoformat(),
            "shop": reply.shop_code,
            "thread": reply.thread_id,
            "to": reply.buyer_nick,
            "text": reply.text,
        }
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(json.dumps(line, ensure_ascii=False) + "\n")
        return str(line["id"])


_ADAPTERS: dict[str, Callable[[], MarketplaceAdapter]] = {"simulated": SimulatedMarketplace}


def register_adapter(name: str, factory: Callable[[], MarketplaceAdapter]) -> None:
    """Make adapter `name` available (a real marketplace's, a test's fake)."""
    _ADAPTERS[name] = factory


def marketplace_adapter() -> MarketplaceAdapter:
    """The configured adapter, fresh per call so that a change of settings shows at once."""
    name = str(service_settings().get("MARKETPLACE_ADAPTER") or "simulated")
    return _ADAPTERS.get(name, SimulatedMarketplace)()


def payload_text(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key, "")
    return value if isinstance(value, str) else str(value)
