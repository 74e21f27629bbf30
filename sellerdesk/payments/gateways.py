"""Payment gateways behind one interface.

A gateway turns its signed notification into a `Notification`, or refuses it. The
simulated gateway that ships with sellerdesk signs the JSON body with HMAC-SHA256 in
the `X-Signature` header, like the real Chinese gateways sign theirs; a shop's checkout
or a test plays the gateway with `SimulatedGateway.sign`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils.translation import gettext as _

from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.schemas import parse_money


class BadSignature(DomainError):
    code = "bad_signature"
    status = 401


@dataclass(frozen=True)
class Notification:
    order_number: str
    amount: Decimal
    transaction_id: str


class PaymentGateway(Protocol):
    name: str

    def parse_notification(self, body: bytes, headers: dict[str, str]) -> Notification: ...


class SimulatedGateway:
    name = "simulated"

    def __init__(self, secret: str) -> None:
        self._secret = secret.encode()

    def sign(self, body: bytes) -> str:
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    def parse_notification(self, body: bytes, headers: dict[str, str]) -> Notification:
        signature = headers.get("x-signature", "")
        if not hmac.compare_digest(signature, self.sign(body)):
            raise BadSignature(_("The notification's signature does not match."))
        try:
            data = json.loads(body)
            fields = {"order_number": data["order_number"], "transaction_id": data["transaction_id"]}
            raw_amount = data["amount"]
        except (ValueError, KeyError, TypeError):
            raise ValidationFailed({"body": _("expected JSON with order_number, amount and transaction_id")}) from None
        bad = {
            name: _("must be a non-empty string of at most 100 characters")
            for name, value in fields.items()
            if not isinstance(value, str) or not 0 < len(value.strip()) <= 100 or "\x00" in value
        }
        try:
            amount = parse_money(raw_amount)
        except ValueError as error:
            bad["amount"] = str(error)
        else:
            if amount <= 0:
                bad["amount"] = _("must be more than 0")
        if bad:
            raise ValidationFailed(bad)
        fields = {name: value.strip() for name, value in fields.items()}
        return Notification(amount=amount, **fields)


def get_gateway(name: str) -> PaymentGateway:
    secrets: dict[str, str] = settings.SELLERDESK["GATEWAY_SECRETS"]
    if name == "simulated":
        return SimulatedGateway(secrets["simulated"])
    raise NotFound(_("Unknown payment gateway %(name)s.") % {"name": name})
