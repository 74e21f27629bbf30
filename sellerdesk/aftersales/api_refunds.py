"""/api/v1/aftersales/…: the refunds of after-sales cases — the proposal, starting a refund,
the list of refunds (bank transfers to make), and a bank transfer's reference and proof."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Query, Router, Status, UploadedFile
from pydantic import BaseModel, ConfigDict, Field

from sellerdesk.aftersales import refunds
from sellerdesk.aftersales.models import CaseLine, Refund
from sellerdesk.aftersales.queries import get_case
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.errors import NotFound, ValidationFailed
from sellerdesk.core.idempotency import idempotent
from sellerdesk.core.money import MAX_MONEY, ZERO, NotMoney, parse_money
from sellerdesk.core.permissions import require
from sellerdesk.core.schemas import Money
from sellerdesk.shops.access import limit_to_visible_shops

router = Router(tags=["aftersales"])


class RefundGoodsLineOut(BaseModel):
    case_line_id: int
    sku: str
    quantity: int
    unit_price: Money
    amount: Money


class RefundProposalOut(BaseModel):
    case: str
    goods: list[RefundGoodsLineOut]
    shipping: Money
    buyer_postage: Money
    price_difference: Decimal = Field(description="补差价: either sign, 2 decimals")
    compensation: Money
    amount: Decimal
    refundable: Money = Field(description="What the order may still refund: paid − refunded − under way")


class RefundGoodsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_line_id: int
    amount: Money


class RefundIn(BaseModel):
    """Typed amounts; `goods` omitted: the goods as proposed. price_difference may be
    negative (a string with up to 2 decimals)."""

    model_config = ConfigDict(extra="forbid")
    goods: list[RefundGoodsIn] | None = None
    shipping: Money = ZERO
    buyer_postage: Money = ZERO
    price_difference: str = "0.00"
    compensation: Money = ZERO


class RefundLineOut(BaseModel):
    case_line_id: int
    sku: str
    quantity: int
    amount: Money


class RefundOut(BaseModel):
    number: str
    case: str
    order: str
    status: str
    method: str
    goods_amount: Money
    shipping_amount: Money
    buyer_postage: Money
    price_difference: Decimal
    compensation: Money
    amount: Money
    gateway: str
    gateway_reference: str
    transfer_reference: str
    proof_id: int | None
    requested_at: datetime
    completed_at: datetime | None
    lines: list[RefundLineOut]


class RefundListFilter(BaseModel):
    status: str | None = None


def refund_out(refund: Refund) -> dict[str, Any]:
    return {
        "number": refund.number,
        "case": refund.case.number,
        "order": refund.order.number,
        "status": refund.status,
        "method": refund.method,
        "goods_amount": refund.goods_amount,
        "shipping_amount": refund.shipping_amount,
        "buyer_postage": refund.buyer_postage,
        "price_difference": refund.price_difference,
        "compensation": refund.compensation,
        "amount": refund.amount,
        "gateway": refund.gateway,
        "gateway_reference": refund.gateway_reference,
        "transfer_reference": refund.transfer_reference,
        "proof_id": refund.proof_id,
        "requested_at": timezone.localtime(refund.requested_at),
        "completed_at": timezone.localtime(refund.completed_at) if refund.completed_at else None,
        "lines": [
            {
                "case_line_id": line.case_line_id,
                "sku": line.case_line.sku.code,
                "quantity": line.quantity,
                "amount": line.amount,
            }
            for line in refund.lines.select_related("case_line__sku").order_by("pk")
        ],
    }


def _signed_money(value: str) -> Decimal:
    # core.money, the one reader: no "1e3", NaN or Infinity; either sign.
    try:
        return parse_money(str(value), minimum=-MAX_MONEY)
    except NotMoney:
        raise ValidationFailed({"price_difference": _("an amount with at most 2 decimal places")}) from None


@router.get("/aftersales/cases/{number}/refund-proposal", response={200: RefundProposalOut, **ERROR_RESPONSES})
def refund_proposal(request: HttpRequest, number: str) -> Any:
    """The refund the shop's policy gives the case by default (nothing is written)."""
    actor = actor_of(request)
    case = get_case(number=number, actor=actor)
    proposal = refunds.propose_refund(case)
    lines = {line.pk: line for line in CaseLine.objects.filter(case=case).select_related("sku", "order_line")}
    goods = proposal.goods or {}
    return {
        "case": case.number,
        "goods": [
            {
                "case_line_id": line_id,
                "sku": lines[line_id].sku.code,
                "quantity": lines[line_id].quantity,
                "unit_price": lines[line_id].order_line.unit_price,
                "amount": amount,
            }
            for line_id, amount in goods.items()
        ],
        "shipping": proposal.shipping,
        "buyer_postage": proposal.buyer_postage,
        "price_difference": proposal.price_difference,
        "compensation": proposal.compensation,
        "amount": proposal.total,
        "refundable": refunds.refundable(case.order),
    }


@router.post("/aftersales/cases/{number}/refunds", response={201: RefundOut, **ERROR_RESPONSES})
def start_refund(request: HttpRequest, number: str, payload: RefundIn) -> Status[Any]:
    """Start the case's refund (online: through the gateway after the commit; COD and
    remittance: a bank transfer to make). 422 names the bad amount (more than still
    refundable: `amount`); 409 a line refunded already."""

    def produce() -> tuple[int, Any]:
        actor = actor_of(request)
        case = get_case(number=number, actor=actor)
        amounts = refunds.RefundAmounts(
            goods={line.case_line_id: line.amount for line in payload.goods} if payload.goods is not None else None,
            shipping=payload.shipping,
            buyer_postage=payload.buyer_postage,
            price_difference=_signed_money(payload.price_difference),
            compensation=payload.compensation,
        )
        refund = refunds.start_refund(case=case, actor=actor, amounts=amounts)
        return 201, refund_out(Refund.objects.select_related("case", "order").get(pk=refund.pk))

    return idempotent(request, produce)


@router.get("/aftersales/refunds", response={200: list[RefundOut], **ERROR_RESPONSES})
def list_refunds(request: HttpRequest, filters: Query[RefundListFilter]) -> Any:
    """The refunds, newest first (at most 500); `status=awaiting_transfer` is the bank
    transfers staff still have to make."""
    return [refund_out(refund) for refund in refunds.refunds_awaiting(actor=actor_of(request), status=filters.status)]


@router.post("/aftersales/refunds/{number}/bank-transfer", response={200: RefundOut, **ERROR_RESPONSES})
def bank_transfer(
    request: HttpRequest, number: str, reference: Form[str] = "", proof: File[UploadedFile | None] = None
) -> Any:
    """The bank transfer made for a refund awaiting it: its reference and the receipt (a
    photo or screenshot), multipart. The refund succeeds and the case is refunded."""
    actor = actor_of(request)
    require(actor, "aftersales.refund")
    visible = limit_to_visible_shops(Refund.objects.all(), actor, shop_field="case__shop_id")
    refund = visible.select_related("case", "order").filter(number=number).first()
    if refund is None:
        raise NotFound(_("No refund %(number)s.") % {"number": number}, details={"number": number})
    done = refunds.complete_bank_transfer(refund=refund, reference=reference, proof=proof, actor=actor)
    return refund_out(Refund.objects.select_related("case", "order").get(pk=done.pk))
