"""The return leg of a case: the parcel coming back (typed by the buyer, or a pickup
booked with the carrier), found at the warehouse by case or tracking number, counted in,
and graded (质检): good units back to sellable stock, defective ones to defective stock,
both through the stock ledger, and defective goods gathered into a return to the supplier
(退供) where that is their disposition.

The return parcel is a logistics Shipment of direction "return" (logistics.return_parcels):
tracked like any parcel, never moving the order, and a parcel problem on the exception desk
when it goes quiet. A parcel the buyer sends is linked by its carrier and number
(case.return_carrier / return_tracking_number); `case.return_shipment` is the pickup the
shop booked (the refunds read it so: the buyer bears the postage of a pickup).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.aftersales import notices, states
from sellerdesk.aftersales.common import locked_case
from sellerdesk.aftersales.events import move, register_case_code, write_case_event
from sellerdesk.aftersales.models import (
    Case,
    CaseLine,
    CaseStatus,
    CaseType,
    Disposition,
    Evidence,
    InspectionResult,
    Reason,
)
from sellerdesk.aftersales.policies import policy_for
from sellerdesk.aftersales.refunds import propose_refund, start_refund
from sellerdesk.aftersales.replacements import replacement_due
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.money import ZERO
from sellerdesk.core.permissions import require
from sellerdesk.inventory.actions import default_warehouse, receive_stock, remove_defective
from sellerdesk.inventory.models import MovementKind, Warehouse
from sellerdesk.logistics.booking import book_requested
from sellerdesk.logistics.models import Shipment
from sellerdesk.logistics.return_parcels import request_return_pickup, request_return_tracking
from sellerdesk.logistics.shipped_elsewhere import carrier_of_order
from sellerdesk.purchasing.returns import add_to_supplier_return
from sellerdesk.shops.access import limit_to_visible_shops

RETURN_REGISTERED = "return_parcel_registered"
PICKUP_REQUESTED = "return_pickup_requested"
PICKUP_BOOKED = "return_pickup_booked"
RETURN_RECEIVED = "return_received"
RETURN_INSPECTED = "return_inspected"
SUPPLIER_RETURN = "return_to_supplier_added"


def _carrier_by_name(params: Mapping[str, object]) -> dict[str, object]:
    # The events keep the carrier's code ("SF") and, since issue 17, its name as it was
    # then (顺丰速运): people read the name; events written before read the code.
    return {**params, "carrier": params.get("carrier_name") or params.get("carrier", "")}


register_case_code(
    RETURN_REGISTERED,
    gettext_lazy("Return parcel sent: %(carrier)s %(tracking_number)s"),
    format=_carrier_by_name,
    example={"carrier": "YTO", "tracking_number": "YT1234567890"},
)
register_case_code(
    PICKUP_REQUESTED,
    gettext_lazy("Pickup of the return asked of %(carrier)s"),
    format=_carrier_by_name,
    example={"carrier": "SF"},
)
register_case_code(
    PICKUP_BOOKED,
    gettext_lazy("Pickup booked with %(carrier)s, tracking number %(tracking_number)s"),
    format=_carrier_by_name,
    example={"carrier": "SF", "tracking_number": "SF1234567890"},
)
register_case_code(
    RETURN_RECEIVED,
    gettext_lazy("Return received: %(received)s of %(asked)s units"),
    example={
        "action": "receive",
        "status_before": "awaiting_return",
        "status_after": "received",
        "received": 2,
        "asked": 2,
    },
)
register_case_code(
    RETURN_INSPECTED,
    gettext_lazy("Inspected: %(result)s, %(good)s good, %(defective)s defective"),
    format=lambda p: {
        **p,
        "result": str(InspectionResult(p["result"]).label) if p.get("result") in InspectionResult.values else "",
    },
    example={
        "action": "inspect",
        "status_before": "received",
        "status_after": "inspected",
        "result": "partial",
        "good": 1,
        "defective": 1,
    },
)
register_case_code(
    SUPPLIER_RETURN,
    gettext_lazy("%(quantity)s defective unit(s) of %(sku)s added to the return to the supplier %(batch)s"),
    example={"quantity": 1, "sku": "TEE-RED-M", "batch": "SR2612010001"},
)


@dataclass(frozen=True)
class Received:
    """How many units of a case line came back."""

    case_line_id: int
    quantity: int


@dataclass(frozen=True)
class Grade:
    """How the received units of a case line were graded: good ones go back on sale, the
    defective ones where `disposition` says (defective stock, the supplier, scrap)."""

    case_line_id: int
    good: int
    defective: int
    disposition: str


def supplier_reason(code: str) -> str:
    """The buyer's reason as the supplier reads it on the return list ("质量问题", not
    "quality"): the list's reason is free text the purchaser may edit, printed for the
    supplier in the shop's language."""
    if code not in Reason.values:
        return code
    with translation.override(settings.LANGUAGE_CODE):
        return str(Reason(code).label)


def _awaiting_return(case: Case, action: str) -> None:
    if case.status != CaseStatus.AWAITING_RETURN:
        raise InvalidTransition(current=case.status, action=action, entity="after-sales case")


def _warehouse_of(case: Case) -> Warehouse:
    if case.return_warehouse_id:
        return Warehouse.objects.get(pk=case.return_warehouse_id)
    return default_warehouse()


@transaction.atomic
def register_return_parcel(
    *,
    case: Case,
    carrier_code: str,
    tracking_number: str,
    actor: User | None,
    by_buyer: bool = False,
    at: datetime | None = None,
) -> Case:
    """The buyer sent the goods back with `carrier_code` under `tracking_number`: the parcel
    is tracked from now on (a return shipment of the order). Only while the case awaits
    its return (409), once (the same number again is answered as it stands; another one is
    a 409); an unknown carrier or a malformed number is a 422 naming the field."""
    require(actor, "aftersales.handle")
    at = at or timezone.now()
    case = locked_case(case)
    _awaiting_return(case, "register_return")
    number = (tracking_number or "").strip()
    if case.return_tracking_number or case.return_shipment_id:
        if case.return_tracking_number == number:
            return case
        raise Conflict(
            "return_parcel_registered",
            _("Case %(case)s has its return parcel already (%(number)s).")
            % {"case": case.number, "number": case.return_tracking_number or _("pickup booked")},
            details={"tracking_number": case.return_tracking_number},
        )
    shipment = request_return_tracking(
        order=case.order,
        carrier_code=carrier_code,
        tracking_number=number,
        warehouse=_warehouse_of(case),
        reference=case.number,
        actor=actor,
        at=at,
    )
    case.return_carrier = shipment.carrier.code
    case.return_tracking_number = shipment.tracking_number
    case.save(update_fields=["return_carrier", "return_tracking_number"])
    write_case_event(
        case,
        RETURN_REGISTERED,
        actor=actor,
        at=at,
        by_buyer=by_buyer,
        carrier=shipment.carrier.code,
        carrier_name=shipment.carrier.name,
        tracking_number=shipment.tracking_number,
        shipment_id=shipment.pk,
    )
    notices.tell_buyer(case, notices.RETURN_REGISTERED, at=at, tracking_number=shipment.tracking_number)
    return case


def book_return_pickup(*, case: Case, actor: User | None, at: datetime | None = None) -> Case:
    """Book a pickup of the buyer's return with the carrier the order shipped with: the
    intent is committed first, then the carrier is asked (no call inside a transaction),
    then its tracking number recorded on the case and the buyer told. A carrier that cannot
    be reached leaves the booking to the worker's retry (503); a refusal is raised."""
    require(actor, "aftersales.handle")
    at = at or timezone.now()
    with transaction.atomic():
        case = locked_case(case)
        _awaiting_return(case, "book_pickup")
        if case.return_shipment_id or case.return_tracking_number:
            raise Conflict(
                "return_parcel_registered",
                _("Case %(case)s has its return parcel already.") % {"case": case.number},
                details={"tracking_number": case.return_tracking_number},
            )
        carrier = carrier_of_order(case.order)
        if carrier is None:
            raise ValidationFailed({"carrier": _("the order names no carrier to book a pickup with")})
        shipment = request_return_pickup(
            order=case.order, carrier=carrier, warehouse=_warehouse_of(case), reference=case.number, actor=actor, at=at
        )
        case.return_shipment = shipment
        case.return_carrier = carrier.code
        case.save(update_fields=["return_shipment", "return_carrier"])
        write_case_event(
            case,
            PICKUP_REQUESTED,
            actor=actor,
            at=at,
            carrier=carrier.code,
            carrier_name=carrier.name,
            shipment_id=shipment.pk,
        )
    booked = book_requested(shipment=shipment, actor=actor, at=at)
    return record_pickup_booked(case=case, shipment=booked, actor=actor, at=at)


@transaction.atomic
def record_pickup_booked(*, case: Case, shipment: Shipment, actor: User | None, at: datetime) -> Case:
    """The carrier booked the pickup: its tracking number on the case, the buyer told (once)."""
    case = locked_case(case)
    if not shipment.tracking_number or case.return_tracking_number == shipment.tracking_number:
        return case
    case.return_tracking_number = shipment.tracking_number
    case.save(update_fields=["return_tracking_number"])
    write_case_event(
        case,
        PICKUP_BOOKED,
        actor=actor,
        at=at,
        carrier=shipment.carrier.code,
        carrier_name=shipment.carrier.name,
        tracking_number=shipment.tracking_number,
    )
    notices.tell_buyer(
        case, notices.PICKUP_BOOKED, at=at, carrier=shipment.carrier.name, tracking_number=shipment.tracking_number
    )
    return case


def find_case_to_receive(*, code: str, actor: User | None) -> Case:
    """The case a scanned code names: its number, or its return parcel's tracking number
    (a case awaiting its return first). NotFound when none."""
    require(actor, "aftersales.receive")
    code = (code or "").strip()
    if not code or len(code) > 64 or "\x00" in code:
        raise ValidationFailed({"code": _("scan or type a case number or a return tracking number")})
    found = (
        limit_to_visible_shops(Case.objects.all(), actor)
        .filter(Q(number=code) | Q(return_tracking_number=code) | Q(return_shipment__tracking_number=code))
        .select_related("order")
        .order_by("-created_at", "-pk")
    )
    cases = list(found[:20])
    if not cases:
        raise NotFound(
            _("No after-sales case with number or return tracking number %(code)s.") % {"code": code},
            details={"code": code},
        )
    waiting = [case for case in cases if case.status == CaseStatus.AWAITING_RETURN]
    return (waiting or cases)[0]


def _lines_by_id(case: Case) -> dict[int, CaseLine]:
    return {line.pk: line for line in CaseLine.objects.filter(case=case).select_related("order_line").order_by("pk")}


def _needs_inspection(case: Case, lines: Sequence[CaseLine]) -> bool:
    """An exchange or a repair is always looked at; a return only for the policy's reasons."""
    if case.type != CaseType.RETURN_REFUND:
        return True
    policy = policy_for(case.shop_id)
    return policy.needs_inspection(case.reason) or any(policy.needs_inspection(line.reason) for line in lines)


@transaction.atomic
def receive_return(
    *, case: Case, lines: Sequence[Received], actor: User | None, note: str = "", at: datetime | None = None
) -> Case:
    """Count the returned units in (aftersales.receive). Each named line: 0 up to the units
    asked; at least one unit in all. A return whose reasons need no inspection goes back on
    sale at once and on to its refund; the others wait for `inspect_return`. An exchange's
    replacement is due within the policy's working days from now."""
    require(actor, "aftersales.receive")
    note = (note or "").strip()
    at = at or timezone.now()
    case = locked_case(case)
    states.next_status(case.status, CaseAction.RECEIVE)
    by_id = _lines_by_id(case)
    bad: dict[str, str] = {}
    counted: dict[int, int] = {}
    for index, row in enumerate(lines):
        line = by_id.get(row.case_line_id)
        if line is None:
            bad[f"lines[{index}].case_line_id"] = _("not a line of case %(case)s") % {"case": case.number}
        elif row.case_line_id in counted:
            bad[f"lines[{index}].case_line_id"] = _("this line is named twice")
        elif (
            isinstance(row.quantity, bool)
            or not isinstance(row.quantity, int)
            or not 0 <= row.quantity <= line.quantity
        ):
            bad[f"lines[{index}].quantity"] = _("from 0 to %(n)s (the units asked)") % {"n": line.quantity}
        else:
            counted[row.case_line_id] = row.quantity
    if len(note) > 500:
        bad["note"] = _("at most 500 characters")
    if not bad and sum(counted.values()) == 0:
        bad["lines"] = _("count at least one unit in")
    if bad:
        raise ValidationFailed(bad)
    for line_id, quantity in counted.items():
        line = by_id[line_id]
        line.received = quantity
        line.save(update_fields=["received"])
    policy = policy_for(case.shop_id)
    case.received_at = at
    case.due_at = at + timedelta(hours=policy.response_hours)
    fields = ["received_at", "due_at"]
    if case.type == CaseType.EXCHANGE:
        case.replacement_due_at = replacement_due(at, policy.replacement_working_days)
        case.due_at = case.replacement_due_at
        fields.append("replacement_due_at")
    if note:
        case.inspection_note = note
        fields.append("inspection_note")
    move(
        case,
        CaseAction.RECEIVE,
        actor=actor,
        at=at,
        update_fields=tuple(fields),
        code=RETURN_RECEIVED,
        received=sum(counted.values()),
        asked=sum(line.quantity for line in by_id.values()),
        lines={str(k): v for k, v in counted.items()},
    )
    notices.tell_buyer(case, notices.RECEIVED, at=at)
    if not _needs_inspection(case, list(by_id.values())):
        # Nothing to inspect: the units go back on sale as they came, and the money follows.
        warehouse = _warehouse_of(case)
        for line in by_id.values():
            if line.received:
                receive_stock(
                    sku_id=line.sku_id,
                    warehouse_id=warehouse.pk,
                    good=line.received,
                    document=case.number,
                    actor=actor,
                    at=at,
                    kind=MovementKind.RETURN,
                )
                line.good, line.disposition = line.received, Disposition.RESTOCK
                line.save(update_fields=["good", "disposition"])
        # The money was agreed when the case was approved; the warehouse may not refund,
        # so the refund the policy calls for is started by the system itself.
        if propose_refund(case).total > ZERO:
            start_refund(case=case, actor=None, at=at)
            case.refresh_from_db()
    return case


def _buyer_photos(case: Case) -> list[str]:
    return [
        name
        for name in Evidence.objects.filter(case=case, kind="photo").order_by("pk").values_list("file", flat=True)
        if name
    ]


@transaction.atomic
def inspect_return(
    *, case: Case, grades: Sequence[Grade], actor: User | None, note: str = "", at: datetime | None = None
) -> Case:
    """Grade every received unit (aftersales.receive): good + defective = received for each
    line that came back. Good units go to sellable stock (ledger kind "return"), defective
    ones to defective stock (kind "defective"), and those whose disposition is the supplier
    into its return batch (purchasing.returns), with the case's photos. The result is pass
    (all good), fail (all defective) or partial. The case then waits for its refund, its
    replacement or its repair; the buyer is told."""
    require(actor, "aftersales.receive")
    note = (note or "").strip()
    at = at or timezone.now()
    case = locked_case(case)
    states.next_status(case.status, CaseAction.INSPECT)
    by_id = _lines_by_id(case)
    bad: dict[str, str] = {}
    graded: dict[int, Grade] = {}
    for index, grade in enumerate(grades):
        path = f"grades[{index}]"
        line = by_id.get(grade.case_line_id)
        if line is None:
            bad[f"{path}.case_line_id"] = _("not a line of case %(case)s") % {"case": case.number}
            continue
        if grade.case_line_id in graded:
            bad[f"{path}.case_line_id"] = _("this line is named twice")
            continue
        counts_ok = all(
            isinstance(value, int) and not isinstance(value, bool) and value >= 0
            for value in (grade.good, grade.defective)
        )
        if not counts_ok or grade.good + grade.defective != line.received:
            bad[f"{path}.good"] = _("good and defective add up to the %(n)s units received") % {"n": line.received}
        if grade.disposition not in Disposition.values:
            bad[f"{path}.disposition"] = _("one of %(values)s") % {"values": ", ".join(Disposition.values)}
        elif counts_ok and grade.defective > 0 and grade.disposition == Disposition.RESTOCK:
            bad[f"{path}.disposition"] = _("defective units do not go back on sale")
        graded[grade.case_line_id] = grade
    missing = [line for line in by_id.values() if line.received and line.pk not in graded]
    if missing:
        bad["grades"] = _("grade every line that came back")
    if len(note) > 500:
        bad["note"] = _("at most 500 characters")
    if bad:
        raise ValidationFailed(bad)
    warehouse = _warehouse_of(case)
    total_good = total_defective = 0
    to_supplier: list[tuple[int, CaseLine, int]] = []
    index_of = {grade.case_line_id: index for index, grade in enumerate(grades)}
    for line_id, grade in sorted(graded.items()):
        line = by_id[line_id]
        line.good, line.defective = grade.good, grade.defective
        line.disposition = grade.disposition if grade.defective else Disposition.RESTOCK
        line.save(update_fields=["good", "defective", "disposition"])
        total_good += grade.good
        total_defective += grade.defective
        if grade.good:
            receive_stock(
                sku_id=line.sku_id,
                warehouse_id=warehouse.pk,
                good=grade.good,
                document=case.number,
                actor=actor,
                at=at,
                kind=MovementKind.RETURN,
            )
        if grade.defective:
            receive_stock(
                sku_id=line.sku_id,
                warehouse_id=warehouse.pk,
                good=0,
                damaged=grade.defective,
                document=case.number,
                actor=actor,
                at=at,
                kind=MovementKind.DEFECTIVE,
            )
            if grade.disposition == Disposition.RETURN_TO_SUPPLIER:
                to_supplier.append((index_of[line_id], line, grade.defective))
            elif grade.disposition == Disposition.SCRAP:
                # Scrapped: written off from defective stock at once, both steps in the ledger.
                remove_defective(
                    sku_id=line.sku_id,
                    warehouse_id=warehouse.pk,
                    quantity=grade.defective,
                    document=case.number,
                    actor=actor,
                    at=at,
                )
    result = (
        InspectionResult.PASS
        if total_defective == 0
        else InspectionResult.FAIL
        if total_good == 0
        else InspectionResult.PARTIAL
    )
    policy = policy_for(case.shop_id)
    case.inspected_at = at
    case.inspection_result = result
    case.inspection_note = note or case.inspection_note
    if case.type != CaseType.EXCHANGE:
        case.due_at = at + timedelta(hours=policy.response_hours)
    move(
        case,
        CaseAction.INSPECT,
        actor=actor,
        at=at,
        update_fields=("inspected_at", "inspection_result", "inspection_note", "due_at"),
        code=RETURN_INSPECTED,
        result=result,
        good=total_good,
        defective=total_defective,
    )
    photos = _buyer_photos(case) if to_supplier else []
    for index, line, quantity in to_supplier:
        try:
            batch = add_to_supplier_return(
                sku_id=line.sku_id,
                warehouse_id=warehouse.pk,
                quantity=quantity,
                document=case.number,
                reason=supplier_reason(line.reason),
                photos=photos,
                actor=actor,
                at=at,
            )
        except ValidationFailed as refused:
            # Named as the grade that chose the supplier (no supplier for the SKU, say).
            raise ValidationFailed(
                {f"grades[{index}].{name}": message for name, message in refused.fields.items()}
            ) from None
        write_case_event(
            case,
            SUPPLIER_RETURN,
            actor=actor,
            at=at,
            buyer_visible=False,
            quantity=quantity,
            sku=line.order_line.sku_code,
            batch=batch.number,
        )
    notices.tell_buyer(case, notices.INSPECTED, at=at, result=result)
    return case


__all__ = [
    "Grade",
    "Received",
    "book_return_pickup",
    "find_case_to_receive",
    "inspect_return",
    "receive_return",
    "record_pickup_booked",
    "register_return_parcel",
]
