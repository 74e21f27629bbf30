"""Disputes (纠纷, seed 004 售后纠纷处理机制): a case the buyer and the shop disagree on.

Opening one freezes the evidence bundle as it is at that moment: the case and its
timeline, the messages and chat excerpts, the order with its payments and parcels'
tracking, and every evidence file with its SHA-256. The bundle's canonical JSON (sorted
keys) is hashed into Dispute.bundle_sha256, so anyone can check later that it was not
changed (`verify_bundle`); evidence added afterwards is not in it.

Then: a supervisor's written ruling (内部仲裁: for the buyer → approved, for the
seller → closed, partly → approved with the ruling as its note), the marketplace's
mediation when there is one (引入第三方调解), and the review (记录与复盘) with a cause
category, without which a disputed case is not finished (`cases_to_review`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.aftersales import events, notices
from sellerdesk.aftersales.evidence import canonical_json, lock_case, order_record
from sellerdesk.aftersales.models import Case, CaseStatus, Dispute, Evidence
from sellerdesk.aftersales.states import CaseAction
from sellerdesk.core import messages
from sellerdesk.core.errors import Conflict, NotFound, ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require

MAX_REASON = 2000
MAX_RULING = 5000
MAX_NOTE = 5000
BUNDLE_VERSION = 1


class RulingOutcome(models.TextChoices):
    BUYER = "buyer", gettext_lazy("For the buyer")
    SELLER = "seller", gettext_lazy("For the seller")
    PARTIAL = "partial", gettext_lazy("Partly for each")


class ReviewCause(models.TextChoices):
    """Why the case happened, as the review (复盘) finds it: what to improve."""

    PRODUCT_QUALITY = "product_quality", gettext_lazy("Product quality")
    WRONG_OR_MISSING = "wrong_or_missing", gettext_lazy("Wrong or missing goods sent")
    DESCRIPTION = "description", gettext_lazy("Listing did not match the goods")
    PACKAGING = "packaging", gettext_lazy("Packaging")
    LOGISTICS = "logistics", gettext_lazy("Carrier or delivery")
    SERVICE = "service", gettext_lazy("Customer service")
    POLICY = "policy", gettext_lazy("Policy unclear or misapplied")
    SUPPLIER = "supplier", gettext_lazy("Supplier")
    BUYER = "buyer", gettext_lazy("Buyer's own doing or misunderstanding")
    FRAUD = "fraud", gettext_lazy("Fraud or bad faith")
    OTHER = "other", gettext_lazy("Other")


OPENED_CODE = "dispute_opened"
RULED_CODE = "dispute_ruled"
MEDIATION_CODE = "dispute_mediation_recorded"
REVIEWED_CODE = "case_reviewed"


def _label(choices: type[models.TextChoices], value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


events.register_case_code(
    OPENED_CODE,
    gettext_lazy("Dispute opened: %(reason)s (evidence bundle frozen, SHA-256 %(short_hash)s)"),
    format=lambda p: {"reason": p.get("reason", ""), "short_hash": str(p.get("bundle_sha256", ""))[:12]},
    example={"action": "dispute", "reason": "买家不认可质检结果", "bundle_sha256": "0f" * 32},
)
events.register_case_code(
    RULED_CODE,
    gettext_lazy("Dispute ruled %(outcome)s: %(ruling)s"),
    format=lambda p: {"outcome": _label(RulingOutcome, p.get("outcome", "")).lower(), "ruling": p.get("ruling", "")},
    example={"action": "rule_for_buyer", "outcome": "partial", "ruling": "退一半货款,运费由卖家承担"},
)
events.register_case_code(
    MEDIATION_CODE,
    gettext_lazy("Mediation by %(platform)s (reference %(reference)s): %(outcome)s"),
    example={"platform": "天猫小二", "reference": "TM-88231", "outcome": "支持买家退货退款"},
)
events.register_case_code(
    REVIEWED_CODE,
    gettext_lazy("Reviewed: cause %(cause)s. %(note)s"),
    format=lambda p: {"cause": _label(ReviewCause, p.get("cause", "")), "note": p.get("note", "")},
    example={"cause": "packaging", "note": "易碎品加气泡膜"},
)


NOTICE_OPENED = "aftersales_notice_dispute_opened"
NOTICE_RULED = "aftersales_notice_dispute_ruled"
_NOTICE_EXAMPLE = {"case": "AS26120112345678", "order": "2612011234567890"}
messages.register(
    NOTICE_OPENED,
    gettext_lazy(
        "Your after-sales request %(case)s is now a dispute. A supervisor will look at the evidence "
        "and answer you in writing."
    ),
    example=_NOTICE_EXAMPLE,
)
messages.register(
    NOTICE_RULED,
    gettext_lazy("The dispute about your after-sales request %(case)s was decided %(outcome)s: %(ruling)s"),
    format=lambda p: {**p, "outcome": _label(RulingOutcome, p.get("outcome", "")).lower()},
    example={**_NOTICE_EXAMPLE, "outcome": "buyer", "ruling": "同意退货退款"},
)


def _text(value: str, *, name: str, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed({name: _("is required")})
    if len(value) > limit:
        raise ValidationFailed({name: _("at most %(max)s characters") % {"max": limit}})
    if "\x00" in value:
        raise ValidationFailed({name: _("must not contain a NUL character")})
    return value


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _dispute_of(case: Case) -> Dispute:
    dispute = Dispute.objects.filter(case=case).first()
    if dispute is None:
        raise NotFound(_("Case %(number)s has no dispute.") % {"number": case.number}, details={"case": case.number})
    return dispute


# --- the bundle ---------------------------------------------------------------------------


def build_bundle(case: Case, *, reason: str, at: datetime) -> dict[str, Any]:
    """Everything a mediator needs about `case`, as plain JSON values (no floats: money
    and times as strings, so the canonical form is stable across databases)."""
    lines = case.lines.select_related("order_line").order_by("pk")
    evidence = list(Evidence.objects.filter(case=case).order_by("at", "pk"))
    return {
        "version": BUNDLE_VERSION,
        "frozen_at": _iso(at),
        "dispute_reason": reason,
        "case": {
            "number": case.number,
            "type": case.type,
            "status": case.status,
            "reason": case.reason,
            "source": case.source,
            "description": case.description,
            "requested_amount": str(case.requested_amount),
            "approved_amount": str(case.approved_amount),
            "refunded_amount": str(case.refunded_amount),
            "return_shipping_payer": case.return_shipping_payer,
            "opened_at": _iso(case.created_at),
            "approved_at": _iso(case.approved_at),
            "rejection_reason": case.rejection_reason,
            "return_carrier": case.return_carrier,
            "return_tracking_number": case.return_tracking_number,
            "received_at": _iso(case.received_at),
            "inspected_at": _iso(case.inspected_at),
            "inspection_result": case.inspection_result,
            "inspection_note": case.inspection_note,
            "lines": [
                {
                    "sku": line.order_line.sku_code,
                    "name": line.order_line.name,
                    "quantity": line.quantity,
                    "received": line.received,
                    "good": line.good,
                    "defective": line.defective,
                    "reason": line.reason,
                    "disposition": line.disposition,
                    "refund_amount": str(line.refund_amount),
                }
                for line in lines
            ],
        },
        "order": order_record(case.order),
        "refunds": [
            {
                "number": refund.number,
                "status": refund.status,
                "method": refund.method,
                "amount": str(refund.amount),
                "requested_at": _iso(refund.requested_at),
                "completed_at": _iso(refund.completed_at),
                "gateway_reference": refund.gateway_reference,
                "transfer_reference": refund.transfer_reference,
            }
            for refund in case.refunds.order_by("requested_at", "pk")
        ],
        "messages": [
            {
                "at": _iso(message.at),
                "from_buyer": message.from_buyer,
                "author_id": message.author_id,
                "body": message.body,
            }
            for message in case.messages.order_by("at", "pk")
        ],
        "excerpts": [
            {
                "evidence_id": item.pk,
                "kind": item.kind,
                "at": _iso(item.at),
                "sha256": item.sha256,
                "text": item.text,
            }
            for item in evidence
            if not item.file
        ],
        "files": [
            {
                "evidence_id": item.pk,
                "kind": item.kind,
                "at": _iso(item.at),
                "name": item.file.name,
                "content_type": item.content_type,
                "size": item.size,
                "sha256": item.sha256,
                "caption": item.caption,
                "from_buyer": item.from_buyer,
            }
            for item in evidence
            if item.file
        ],
        "timeline": [
            {
                "at": _iso(event.at),
                "code": event.code,
                "data": event.data,
                "status_before": event.status_before,
                "status_after": event.status_after,
                "actor_id": event.actor_id,
                "by_buyer": event.by_buyer,
            }
            for event in case.events.order_by("at", "pk")
        ],
    }


def bundle_hash(bundle: dict[str, Any]) -> str:
    """SHA-256 of the bundle's canonical JSON (sorted keys, no spaces, UTF-8)."""
    return hashlib.sha256(canonical_json(bundle).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BundleCheck:
    """The result of checking a frozen bundle: its hash, and each file's bytes."""

    bundle_intact: bool
    # Evidence ids whose stored file is missing or no longer hashes to the bundle's value.
    changed_files: list[int] = field(default_factory=list)

    @property
    def is_intact(self) -> bool:
        return self.bundle_intact and not self.changed_files


def verify_bundle(dispute: Dispute, *, check_files: bool = True) -> BundleCheck:
    """Whether the dispute's bundle still hashes to bundle_sha256 and (check_files) every
    file it lists still has the SHA-256 recorded for it in storage."""
    intact = bool(dispute.bundle_sha256) and bundle_hash(dispute.bundle) == dispute.bundle_sha256
    changed: list[int] = []
    if check_files:
        for item in dispute.bundle.get("files", []):
            try:
                digest = hashlib.sha256()
                with default_storage.open(item["name"], "rb") as handle:
                    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
                        digest.update(chunk)
            except (OSError, KeyError):
                changed.append(item.get("evidence_id", 0))
                continue
            if digest.hexdigest() != item["sha256"]:
                changed.append(item["evidence_id"])
    return BundleCheck(bundle_intact=intact, changed_files=changed)


# --- actions ----------------------------------------------------------------------------


def open_dispute(
    *, case: Case, reason: str, actor: User | None, by_buyer: bool = False, at: datetime | None = None
) -> Dispute:
    """Put `case` into dispute (→ disputed) and freeze its evidence bundle with its hash.

    The buyer (by_buyer, actor None; the portal checked the case is theirs) or an agent
    (aftersales.handle). A case is disputed once; InvalidTransition from a status that
    has no dispute move (canceled, closed, …)."""
    if not by_buyer:
        require(actor, "aftersales.handle")
    reason = _text(reason, name="reason", limit=MAX_REASON)
    at = at or timezone.now()
    with transaction.atomic():
        case = lock_case(case)
        if Dispute.objects.filter(case=case).exists():
            raise Conflict(
                "dispute_exists",
                _("Case %(number)s has been disputed already.") % {"number": case.number},
                details={"case": case.number},
            )
        bundle = build_bundle(case, reason=reason, at=at)
        digest = bundle_hash(bundle)
        events.move(
            case,
            CaseAction.DISPUTE,
            actor=actor,
            at=at,
            by_buyer=by_buyer,
            code=OPENED_CODE,
            reason=reason,
            bundle_sha256=digest,
        )
        notices.tell_buyer(case, NOTICE_OPENED, at=at)
        return Dispute.objects.create(
            case=case,
            opened_at=at,
            opened_by=actor,
            by_buyer=by_buyer,
            reason=reason,
            bundle=bundle,
            bundle_sha256=digest,
            frozen_at=at,
        )


def rule_dispute(*, case: Case, outcome: str, ruling: str, actor: User | None, at: datetime | None = None) -> Dispute:
    """A supervisor's written ruling (aftersales.arbitrate): for the buyer or partly →
    the case is approved again (the ruling becomes its approval note, 领导批示); for the
    seller → closed. A dispute is ruled once."""
    require(actor, "aftersales.arbitrate")
    if outcome not in RulingOutcome.values:
        raise ValidationFailed(
            {"outcome": _("must be one of: %(values)s") % {"values": ", ".join(RulingOutcome.values)}}
        )
    ruling = _text(ruling, name="ruling", limit=MAX_RULING)
    at = at or timezone.now()
    with transaction.atomic():
        case = lock_case(case)
        dispute = Dispute.objects.select_for_update().get(pk=_dispute_of(case).pk)
        if dispute.ruled_at is not None:
            raise Conflict(
                "dispute_ruled",
                _("The dispute on case %(number)s has been ruled already.") % {"number": case.number},
                details={"case": case.number, "outcome": dispute.ruling_outcome},
            )
        if outcome == RulingOutcome.SELLER:
            case.closed_at = at
            action, fields = CaseAction.RULE_FOR_SELLER, ("closed_at",)
        else:
            case.approval_note = ruling[:500]
            action, fields = CaseAction.RULE_FOR_BUYER, ("approval_note",)
        events.move(
            case, action, actor=actor, at=at, update_fields=fields, code=RULED_CODE, outcome=outcome, ruling=ruling
        )
        dispute.ruling = ruling
        dispute.ruling_outcome = outcome
        dispute.ruled_at = at
        dispute.ruled_by = actor
        dispute.save(update_fields=["ruling", "ruling_outcome", "ruled_at", "ruled_by"])
        notices.tell_buyer(case, NOTICE_RULED, at=at, outcome=outcome, ruling=ruling)
        return dispute


def record_mediation(
    *, case: Case, platform: str, reference: str, outcome: str, actor: User | None, at: datetime | None = None
) -> Dispute:
    """Record the marketplace's intervention (its name, its case reference and what it
    decided) on the case's dispute. A later record replaces the fields; the timeline
    keeps every one. The case does not move: the supervisor rules accordingly."""
    require(actor, "aftersales.handle")
    platform = _text(platform, name="platform", limit=50)
    reference = _text(reference, name="reference", limit=100)
    outcome = _text(outcome, name="outcome", limit=MAX_NOTE)
    at = at or timezone.now()
    with transaction.atomic():
        case = lock_case(case)
        dispute = Dispute.objects.select_for_update().get(pk=_dispute_of(case).pk)
        dispute.mediation_platform = platform
        dispute.mediation_reference = reference
        dispute.mediation_outcome = outcome
        dispute.mediated_at = at
        dispute.save(update_fields=["mediation_platform", "mediation_reference", "mediation_outcome", "mediated_at"])
        events.write_case_event(
            case,
            MEDIATION_CODE,
            actor=actor,
            at=at,
            platform=platform,
            reference=reference,
            outcome=outcome,
        )
        return dispute


def review_case(*, case: Case, cause: str, note: str, actor: User | None, at: datetime | None = None) -> Case:
    """The review (复盘) of a case once its dispute is decided (or of any case a
    supervisor picks that is not in dispute): a cause category and what was learnt.
    A later review replaces the earlier one; the timeline keeps both."""
    require(actor, "aftersales.arbitrate")
    if cause not in ReviewCause.values:
        raise ValidationFailed({"cause": _("must be one of: %(values)s") % {"values": ", ".join(ReviewCause.values)}})
    note = _text(note, name="note", limit=MAX_NOTE)
    at = at or timezone.now()
    with transaction.atomic():
        case = lock_case(case)
        if case.status == CaseStatus.DISPUTED:
            raise Conflict(
                "dispute_not_ruled",
                _("Case %(number)s is still in dispute: rule on it before reviewing it.") % {"number": case.number},
                details={"current_status": case.status},
            )
        case.review_cause = cause
        case.review_note = note
        case.reviewed_at = at
        case.reviewed_by = actor
        case.save(update_fields=["review_cause", "review_note", "reviewed_at", "reviewed_by"])
        events.write_case_event(case, REVIEWED_CODE, actor=actor, at=at, buyer_visible=False, cause=cause, note=note)
        return case


# --- reads for the screens ------------------------------------------------------------------


def cases_to_review() -> QuerySet[Case]:
    """Disputed cases whose dispute is decided (ruled, or the case closed) but not yet
    reviewed, the oldest decision first: until reviewed they are not finished."""
    return (
        Case.objects.filter(dispute__isnull=False, reviewed_at__isnull=True)
        .filter(Q(dispute__ruled_at__isnull=False) | Q(status=CaseStatus.CLOSED))
        .exclude(status=CaseStatus.DISPUTED)
        .select_related("dispute", "order")
        .order_by("dispute__ruled_at", "dispute__opened_at", "pk")
    )


def is_finished(case: Case) -> bool:
    """Closed (or canceled), and reviewed when it was ever disputed."""
    if case.status not in (CaseStatus.CLOSED, CaseStatus.CANCELED):
        return False
    return case.reviewed_at is not None or not Dispute.objects.filter(case=case).exists()
