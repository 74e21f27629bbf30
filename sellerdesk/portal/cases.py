"""The buyer's after-sales requests and cases, always as one customer.

Each function finds the order or case *of the customer* first (portal.buyer: anyone
else's is NotFound) and then calls after-sales with `actor=None, by_buyer=True`, which
after-sales trusts because of that check. Refusals are the after-sales errors (422
naming the field, 409 for a state that does not allow the move); nothing is written then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.aftersales import actions as case_actions
from sellerdesk.aftersales import disputes, evidence, returns
from sellerdesk.aftersales.actions import LineRequest, RefundableLine
from sellerdesk.aftersales.models import Case, CaseEvent, CaseMessage, CaseSource, CaseStatus, Dispute, Evidence
from sellerdesk.aftersales.states import CaseAction, allows
from sellerdesk.catalog.models import Sku
from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.customers.models import Customer
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.portal.buyer import case_of, case_types_for, order_of

MAX_PHOTOS = 9


# --- asking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class AskableLine:
    """An order line the buyer may ask about, with the SKUs an exchange may send instead
    (the same product's other sizes and colours on sale)."""

    line: RefundableLine
    attributes: str
    exchange_options: list[Sku]


def askable_lines(order: Order) -> list[AskableLine]:
    rows = case_actions.refundable_lines(order)
    order_lines = {line.pk: line for line in OrderLine.objects.filter(order=order).select_related("sku")}
    products = {line.sku.product_id for line in order_lines.values() if line.sku.product_id}
    siblings: dict[int, list[Sku]] = {}
    for sku in Sku.objects.filter(product_id__in=products, is_active=True).order_by("code"):
        siblings.setdefault(sku.product_id or 0, []).append(sku)
    found = []
    for row in rows:
        line = order_lines[row.order_line_id]
        options = [sku for sku in siblings.get(line.sku.product_id or 0, []) if sku.pk != line.sku_id]
        attributes = " ".join(f"{key}:{value}" for key, value in (line.attributes or {}).items())
        found.append(AskableLine(line=row, attributes=attributes, exchange_options=options))
    return found


def _check_uploads(uploads: Sequence[UploadedFile], field: str) -> None:
    """Refuse a bad file before anything is written: the same content checks as
    aftersales.evidence, the bad file named by its place (`photos[1]`)."""
    if len(uploads) > MAX_PHOTOS:
        raise ValidationFailed({field: _("at most %(n)s files") % {"n": MAX_PHOTOS}})
    limit = evidence.max_evidence_bytes()
    for index, upload in enumerate(uploads):
        name = f"{field}[{index}]"
        try:
            if (upload.size or 0) > limit:
                raise evidence.EvidenceTooLarge(size=upload.size or 0, limit=limit)
            upload.seek(0)
            evidence.check_file(upload.read(limit + 1))
        except ValidationFailed as error:
            raise ValidationFailed({name: " ".join(error.fields.values())}) from None
        except evidence.EvidenceTooLarge as error:
            error.details["fields"] = {name: error.message}
            raise
        finally:
            upload.seek(0)


def open_request(
    *,
    customer: Customer,
    number: str,
    type: str,
    reason: str,
    lines: Sequence[LineRequest],
    description: str = "",
    photos: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> Case:
    """The buyer asks for after-sales on their order `number`, with photos or videos of
    the phone's camera. The type must be one the order's state allows; an exchange only
    for the same product's other sizes and colours. All or nothing: a bad photo refuses
    the whole request."""
    order = order_of(customer, number)
    allowed = case_types_for(order)
    if type not in allowed:
        raise ValidationFailed(
            {
                "type": _("not possible for this order now; possible: %(types)s")
                % {"types": ", ".join(str(value) for value in allowed) or "—"}
            }
        )
    options = {row.line.order_line_id: {sku.pk for sku in row.exchange_options} for row in askable_lines(order)}
    bad = {
        f"lines[{index}].replacement_sku_id": _("not another size or colour of this item")
        for index, line in enumerate(lines)
        if line.replacement_sku_id is not None and line.replacement_sku_id not in options.get(line.order_line_id, set())
    }
    if bad:
        raise ValidationFailed(bad)
    _check_uploads(photos, "photos")
    with transaction.atomic():
        case = case_actions.open_case(
            order=order,
            type=type,
            reason=reason,
            lines=lines,
            description=description,
            source=CaseSource.PORTAL,
            actor=None,
            by_buyer=True,
            at=at,
        )
        for upload in photos:
            evidence.add_file(case=case, upload=upload, actor=None, from_buyer=True, at=at)
    return case


# --- a case --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseView:
    case: Case
    events: list[CaseEvent]
    messages: list[CaseMessage]
    photos: list[Evidence]
    may_cancel: bool
    may_dispute: bool
    needs_return_parcel: bool
    dispute: Dispute | None


# After the shop has decided: the buyer may disagree (纠纷).
DISPUTABLE = frozenset({CaseStatus.REJECTED, CaseStatus.INSPECTED, CaseStatus.REFUNDED, CaseStatus.REPLACEMENT_SHIPPED})


def may_dispute(case: Case, *, now: datetime | None = None) -> bool:
    """Whether the buyer may take the case to a supervisor: once the shop has decided, or
    when the shop let its time to answer the request pass."""
    if not allows(case.status, CaseAction.DISPUTE):
        return False
    if case.status in DISPUTABLE:
        return True
    overdue = case.due_at is not None and case.due_at < (now or timezone.now())
    return case.status == CaseStatus.REQUESTED and overdue


def buyer_evidence(case: Case) -> QuerySet[Evidence]:
    """What the buyer sent: the only evidence the portal shows back."""
    return Evidence.objects.filter(case=case, from_buyer=True).exclude(file="").order_by("at", "pk")


def case_view(customer: Customer, number: str) -> CaseView:
    """The case as the buyer sees it: the buyer-visible timeline, the messages, their own
    photos and what they may do next."""
    case = case_of(customer, number)
    return CaseView(
        case=case,
        events=list(CaseEvent.objects.filter(case=case, buyer_visible=True).order_by("at", "pk")),
        messages=list(CaseMessage.objects.filter(case=case).order_by("at", "pk")),
        photos=list(buyer_evidence(case)),
        may_cancel=allows(case.status, CaseAction.CANCEL) and case.received_at is None,
        may_dispute=may_dispute(case),
        needs_return_parcel=case.status == CaseStatus.AWAITING_RETURN and not case.return_tracking_number,
        dispute=Dispute.objects.filter(case=case).first(),
    )


def post_message(*, customer: Customer, number: str, body: str, at: datetime | None = None) -> CaseMessage:
    case = case_of(customer, number)
    return case_actions.post_message(case=case, body=body, actor=None, from_buyer=True, at=at)


def register_return_parcel(
    *, customer: Customer, number: str, carrier_code: str, tracking_number: str, at: datetime | None = None
) -> Case:
    case = case_of(customer, number)
    return returns.register_return_parcel(
        case=case, carrier_code=carrier_code, tracking_number=tracking_number, actor=None, by_buyer=True, at=at
    )


def cancel(*, customer: Customer, number: str, at: datetime | None = None) -> Case:
    case = case_of(customer, number)
    return case_actions.cancel_case(case=case, actor=None, by_buyer=True, at=at)


def dispute(*, customer: Customer, number: str, reason: str, at: datetime | None = None) -> Dispute:
    case = case_of(customer, number)
    if not may_dispute(case, now=at):
        raise Conflict(
            "not_disputable",
            _("Case %(number)s is %(status)s: wait for the shop's answer before disputing it.")
            % {"number": case.number, "status": case.get_status_display()},
            details={"current_status": case.status},
        )
    return disputes.open_dispute(case=case, reason=reason, actor=None, by_buyer=True, at=at)


def add_photos(
    *, customer: Customer, number: str, photos: Sequence[UploadedFile], at: datetime | None = None
) -> list[Evidence]:
    case = case_of(customer, number)
    if not photos:
        raise ValidationFailed({"photos": _("choose at least one photo or video")})
    _check_uploads(photos, "photos")
    with transaction.atomic():
        return [evidence.add_file(case=case, upload=upload, actor=None, from_buyer=True, at=at) for upload in photos]


def evidence_of(customer: Customer, number: str, evidence_id: int) -> Evidence:
    """The buyer's own photo or video on their own case, or NotFound."""
    case = case_of(customer, number)
    found = buyer_evidence(case).filter(pk=evidence_id).select_related("case").first()
    if found is None:
        raise NotFound(_("No such file."), details={"evidence": evidence_id})
    return found
