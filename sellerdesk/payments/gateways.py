"""Payment gateways behind one interface.

A gateway turns its signed notification into a `Notification`, or refuses it. The
simulated gateway that ships with sellerdesk signs the JSON body with HMAC-SHA256 in
the `X-Signature` header, like the real Chinese gateways sign theirs; a shop's checkout
or a test plays the gateway with `SimulatedGateway.sign`.

Refunds go the other way: `request_refund` asks the gateway to give money back for a
payment, with an idempotency key (asked again with the same key, the gateway answers
with the refund it made the first time, never a second one). The gateway confirms the
refund with a signed callback (`parse_refund_notification`), which a real gateway POSTs
to /api/v1/payments/{gateway}/refunds/notify; the simulated gateway hands the signed
callback back with its answer, and the caller delivers it to the same handler in-process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
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


class GatewayUnavailable(DomainError):
    """The gateway could not be reached or did not answer: whether it refunded is unknown,
    so the same request (same key) is asked again later."""

    code = "gateway_unavailable"
    status = 503


class RefundRefused(DomainError):
    """The gateway answered and will not refund (the payment is too old, the account closed…)."""

    code = "refund_refused"
    status = 409


@dataclass(frozen=True)
class RefundRequest:
    """What a refund asks of the gateway. `refund_number` is ours (the callback names it),
    `transaction_id` the gateway's id of the payment the money goes back to."""

    refund_number: str
    order_number: str
    transaction_id: str
    amount: Decimal
    idempotency_key: str


@dataclass(frozen=True)
class RefundAnswer:
    """The gateway's answer to a refund request: its refund id, and, from a gateway that
    answers at once (the simulated one), the signed callback to deliver to the handler."""

    refund_id: str
    callback_body: bytes = b""
    callback_headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RefundNotification:
    refund_number: str
    refund_id: str
    amount: Decimal
    succeeded: bool


class PaymentGateway(Protocol):
    name: str

    def parse_notification(self, body: bytes, headers: dict[str, str]) -> Notification: ...

    def request_refund(self, request: RefundRequest) -> RefundAnswer:
        """Ask for the refund (no transaction open). Raises GatewayUnavailable when the
        outcome is unknown, RefundRefused when the gateway says no."""
        ...

    def parse_refund_notification(self, body: bytes, headers: dict[str, str]) -> RefundNotification:
        """Check the callback's signature before reading anything (BadSignature), then parse it."""
        ...


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

    def refund_id_for(self, idempotency_key: str) -> str:
        """The gateway's refund id for a key: the same key always names the same refund,
        which is how the simulated gateway refunds once per key, across processes."""
        return "RF" + self.sign(idempotency_key.encode())[:22].upper()

    def request_refund(self, request: RefundRequest) -> RefundAnswer:
        if request.amount <= 0:
            raise RefundRefused(_("The gateway refunds only amounts above 0."))
        refund_id = self.refund_id_for(request.idempotency_key)
        body = json.dumps(
            {
                "refund_number": request.refund_number,
                "refund_id": refund_id,
                "amount": str(request.amount),
                "status": "succeeded",
            },
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        return RefundAnswer(refund_id=refund_id, callback_body=body, callback_headers={"x-signature": self.sign(body)})

    def parse_refund_notification(self, body: bytes, headers: dict[str, str]) -> RefundNotification:
        signature = headers.get("x-signature", "")
        if not hmac.compare_digest(signature, self.sign(body)):
            raise BadSignature(_("The notification's signature does not match."))
        try:
            data = json.loads(body)
            fields = {"refund_number": data["refund_number"], "refund_id": data["refund_id"]}
            raw_amount, status = data["amount"], data["status"]
        except (ValueError, KeyError, TypeError):
            raise ValidationFailed(
                {"body": _("expected JSON with refund_number, refund_id, amount and status")}
            ) from None
        bad = {
            name: _("must be a non-empty string of at most 100 characters")
            for name, value in fields.items()
            if not isinstance(value, str) or not 0 < len(value.strip()) <= 100 or "\x00" in value
        }
        if status not in ("succeeded", "failed"):
            bad["status"] = _("one of succeeded, failed")
        try:
            amount = parse_money(raw_amount)
        except ValueError as error:
            bad["amount"] = str(error)
        else:
            if amount <= 0:
                bad["amount"] = _("must be more than 0")
        if bad:
            raise ValidationFailed(bad)
        return RefundNotification(
            refund_number=fields["refund_number"].strip(),
            refund_id=fields["refund_id"].strip(),
            amount=amount,
            succeeded=status == "succeeded",
        )


def get_gateway(name: str) -> PaymentGateway:
    """The gateway `name`, or NotFound. The simulated gateway only where it is enabled
    (settings.SIMULATED_GATEWAY_ENABLED: development, or SELLERDESK_SIMULATED_GATEWAY=1):
    in production its notifications would mark orders paid on a secret from the docs."""
    secrets: dict[str, str] = settings.SELLERDESK["GATEWAY_SECRETS"]
    if name == "simulated":
        if not settings.SIMULATED_GATEWAY_ENABLED:
            raise NotFound(_("The simulated payment gateway is off in production."), details={"gateway": name})
        return SimulatedGateway(secrets["simulated"])
    raise NotFound(_("Unknown payment gateway %(name)s.") % {"name": name})
