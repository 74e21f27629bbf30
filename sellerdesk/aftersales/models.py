"""After-sales (售后): the case a buyer or an agent opens on an order, its lines, the
shop's policy, the evidence, the refunds, the dispute, and the follow-up of a complaint.

A case moves only through `aftersales.states` (one transition table); every move is a
row of its timeline (CaseEvent: a code and its parameters, rendered when read). Money is
exact: a refund is computed per line from typed amounts and never exceeds what the buyer
paid (see aftersales.refunds).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import messages
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics.models import Shipment
from sellerdesk.orders.models import Order, OrderLine
from sellerdesk.shops.models import Shop

ZERO = Decimal("0.00")


class CaseType(models.TextChoices):
    REFUND_BEFORE_SHIPPING = "refund_before_shipping", _("Refund before shipping (发货前退款)")
    REFUND_ONLY = "refund_only", _("Refund only (仅退款)")
    RETURN_REFUND = "return_refund", _("Return and refund (退货退款)")
    EXCHANGE = "exchange", _("Exchange (换货)")
    REISSUE = "reissue", _("Reissue missing parts (补发)")
    REPAIR = "repair", _("Repair (维修)")
    COMPLAINT = "complaint", _("Complaint (投诉)")


# The types whose goods come back to the warehouse before anything else happens.
GOODS_COME_BACK = frozenset({CaseType.RETURN_REFUND, CaseType.EXCHANGE, CaseType.REPAIR})
# The types that end in money going back to the buyer.
REFUND_TYPES = frozenset({CaseType.REFUND_BEFORE_SHIPPING, CaseType.REFUND_ONLY, CaseType.RETURN_REFUND})


class CaseStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    AWAITING_RETURN = "awaiting_return", _("Awaiting the return")
    RECEIVED = "received", _("Received")
    INSPECTED = "inspected", _("Inspected")
    REPAIRING = "repairing", _("Being repaired")
    REFUNDING = "refunding", _("Refunding")
    REFUNDED = "refunded", _("Refunded")
    REPLACEMENT_SHIPPED = "replacement_shipped", _("Replacement shipped")
    CLOSED = "closed", _("Closed")
    CANCELED = "canceled", _("Canceled")
    DISPUTED = "disputed", _("Disputed")


# The statuses a case may still leave (aftersales.states.OPEN_STATUSES) and the others,
# sorted: the queue's two partial indexes and its queries use these very lists.
OPEN_QUEUE_STATUSES = [
    "approved",
    "awaiting_return",
    "disputed",
    "inspected",
    "received",
    "refunded",
    "refunding",
    "rejected",
    "repairing",
    "replacement_shipped",
    "requested",
]
FINISHED_QUEUE_STATUSES = ["canceled", "closed"]


class CaseSource(models.TextChoices):
    PORTAL = "portal", _("Buyer portal")
    AGENT = "agent", _("Entered by an agent")
    PARCEL_PROBLEM = "parcel_problem", _("Parcel problem desk")
    MARKETPLACE = "marketplace", _("Marketplace")
    API = "api", _("API")


class Reason(models.TextChoices):
    NO_REASON = "no_reason", _("No reason, within the no-reason period (七天无理由)")
    WRONG_SIZE = "wrong_size", _("Size or colour does not fit")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    QUALITY = "quality", _("Quality problem")
    DAMAGED = "damaged", _("Damaged in transit")
    WRONG_ITEM = "wrong_item", _("Wrong item sent")
    MISSING_PARTS = "missing_parts", _("Missing parts or items")
    NOT_RECEIVED = "not_received", _("Parcel not received")
    NO_LONGER_WANTED = "no_longer_wanted", _("No longer wanted (before shipping)")
    SERVICE = "service", _("Service attitude")
    OTHER = "other", _("Other")


class Payer(models.TextChoices):
    SELLER = "seller", _("Seller")
    BUYER = "buyer", _("Buyer")


class Disposition(models.TextChoices):
    RESTOCK = "restock", _("Back to sellable stock")
    DEFECTIVE = "defective", _("To defective stock")
    RETURN_TO_SUPPLIER = "return_to_supplier", _("Return to the supplier (退供)")
    SCRAP = "scrap", _("Scrap")


class InspectionResult(models.TextChoices):
    PASS = "pass", _("Passed")
    FAIL = "fail", _("Failed")
    PARTIAL = "partial", _("Partly passed")


class AfterSalesPolicy(models.Model):
    """A shop's after-sales rules. A shop without a row uses the defaults of
    settings.SELLERDESK["AFTERSALES"] (see aftersales.policies)."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="aftersales_policy")
    no_reason_days = models.PositiveSmallIntegerField(_("no-reason return days"), default=7)
    # The no-reason period runs from the carrier's delivery or from the buyer's receipt.
    no_reason_from = models.CharField(
        _("no-reason period counted from"),
        max_length=20,
        choices=[("delivery", _("Delivery")), ("receipt", _("Receipt confirmed (signing)"))],
        default="delivery",
    )
    # Days after delivery (or shipping, for refund only) a case of each type may be opened: {type: days}.
    window_days = models.JSONField(_("time limits per type (days)"), default=dict, blank=True)
    # Who pays the return postage for each reason: {reason: "seller" | "buyer"}.
    return_shipping_payer = models.JSONField(_("return postage payer per reason"), default=dict, blank=True)
    # Reasons whose returned goods are inspected (质检) before money or a replacement goes out.
    inspection_reasons = models.JSONField(_("reasons that need inspection"), default=list, blank=True)
    agent_approval_limit = models.DecimalField(
        _("amount an agent may approve alone"), max_digits=12, decimal_places=2, default=Decimal("200.00")
    )
    response_hours = models.PositiveSmallIntegerField(_("hours to answer a request"), default=48)
    return_arrival_days = models.PositiveSmallIntegerField(_("days for a return parcel to arrive"), default=10)
    replacement_working_days = models.PositiveSmallIntegerField(
        _("working days to send a replacement after the return arrives"), default=2
    )
    follow_up_days = models.PositiveSmallIntegerField(_("days to the follow-up call of a complaint"), default=3)

    class Meta:
        verbose_name = _("after-sales policy")
        verbose_name_plural = _("after-sales policies")

    def __str__(self) -> str:
        return str(self.shop)


class Case(models.Model):
    """An after-sales case (售后单) on one order; an order may have several."""

    number = models.CharField(_("case number"), max_length=20, unique=True)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="aftersales_cases")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="aftersales_cases")
    type = models.CharField(_("type"), max_length=30, choices=CaseType.choices)
    status = models.CharField(_("status"), max_length=30, choices=CaseStatus.choices, default=CaseStatus.REQUESTED)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    source = models.CharField(_("source"), max_length=20, choices=CaseSource.choices, default=CaseSource.AGENT)
    # What the buyer wrote, as written; staff notes are timeline rows.
    description = models.TextField(_("what the buyer says"), blank=True)
    # The refund the buyer asked for (may differ from what is agreed and refunded).
    requested_amount = models.DecimalField(_("amount asked"), max_digits=14, decimal_places=2, default=ZERO)
    approved_amount = models.DecimalField(_("amount agreed"), max_digits=14, decimal_places=2, default=ZERO)
    refunded_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=ZERO)
    return_shipping_payer = models.CharField(
        _("return postage paid by"), max_length=10, choices=Payer.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handled by"),
    )
    # The next deadline of whoever must act (answer, the return's arrival, the replacement).
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # 领导批示: what the supervisor wrote when approving above an agent's limit.
    approval_note = models.CharField(_("approval note"), max_length=500, blank=True)
    rejection_reason = models.CharField(_("why rejected"), max_length=500, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # The return leg: the buyer's own parcel (carrier and number typed), or a pickup booked.
    return_carrier = models.CharField(_("return carrier"), max_length=50, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=64, blank=True, db_index=True)
    return_shipment = models.ForeignKey(
        Shipment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("return parcel")
    )
    return_warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("returns to")
    )
    received_at = models.DateTimeField(_("return received at"), null=True, blank=True)
    inspected_at = models.DateTimeField(_("inspected at"), null=True, blank=True)
    inspection_result = models.CharField(
        _("inspection result"), max_length=10, choices=InspectionResult.choices, blank=True
    )
    inspection_note = models.CharField(_("inspection note"), max_length=500, blank=True)

    # Exchange, reissue and repair: the goods going out, as an order through the usual spine.
    replacement_order = models.ForeignKey(
        Order, on_delete=models.PROTECT, null=True, blank=True, related_name="replaces_case"
    )
    replacement_due_at = models.DateTimeField(_("replacement due"), null=True, blank=True)
    repair_note = models.CharField(_("repair note"), max_length=500, blank=True)

    # Complaint (投诉): the seed's procedure as a checklist, {step: ISO time done}.
    checklist = models.JSONField(_("complaint checklist"), default=dict, blank=True)

    # 复盘: every closed dispute (and any case a supervisor picks) is reviewed afterwards.
    review_cause = models.CharField(_("cause"), max_length=30, blank=True)
    review_note = models.TextField(_("review"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "due_at"], name="case_status_due_idx"),
            models.Index(fields=["shop", "status", "created_at"], name="case_shop_status_created_idx"),
            models.Index(fields=["type", "status"], name="case_type_status_idx"),
            # The queue (aftersales.queries.case_queue): open cases by deadline, then the
            # finished ones newest first, each read from its own index.
            # The conditions repeat the queries' lists word for word (PostgreSQL uses a
            # partial index only for a condition it can match); tests/test_states_aftersales.py
            # holds them to the transition table's open statuses.
            models.Index(
                fields=["due_at", "-created_at", "-id"],
                condition=models.Q(status__in=OPEN_QUEUE_STATUSES),
                name="case_open_queue_idx",
            ),
            models.Index(
                fields=["-created_at", "-id"],
                condition=models.Q(status__in=FINISHED_QUEUE_STATUSES),
                name="case_finished_queue_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(refunded_amount__gte=0), name="case_refunded_not_negative"),
            models.CheckConstraint(condition=models.Q(requested_amount__gte=0), name="case_requested_not_negative"),
            models.CheckConstraint(condition=models.Q(approved_amount__gte=0), name="case_approved_not_negative"),
        ]

    def __str__(self) -> str:
        return self.number


class CaseLine(models.Model):
    """One order line of a case: how many units were asked back, came, and in what state."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="aftersales_lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity asked"))
    received = models.PositiveIntegerField(_("received"), default=0)
    good = models.PositiveIntegerField(_("good"), default=0)
    defective = models.PositiveIntegerField(_("defective"), default=0)
    reason = models.CharField(_("reason"), max_length=30, choices=Reason.choices)
    disposition = models.CharField(_("disposition"), max_length=30, choices=Disposition.choices, blank=True)
    # Exchange (换货): the SKU sent instead (another size or colour); empty means the same SKU.
    replacement_sku = models.ForeignKey(
        Sku, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("exchange for")
    )
    # The goods' money for this line: unit price × quantity unless agreed otherwise.
    refund_amount = models.DecimalField(_("goods refund"), max_digits=14, decimal_places=2, default=ZERO)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="case_line_quantity_positive"),
            models.CheckConstraint(
                condition=models.Q(received__lte=models.F("quantity")), name="case_line_received_le_asked"
            ),
            models.CheckConstraint(
                condition=models.Q(good__lte=models.F("received") - models.F("defective")),
                name="case_line_graded_le_received",
            ),
            models.CheckConstraint(condition=models.Q(refund_amount__gte=0), name="case_line_refund_not_negative"),
            models.UniqueConstraint(fields=["case", "order_line"], name="case_line_order_line_unique"),
        ]


class CaseEvent(models.Model):
    """The case's timeline: a code and its facts, rendered in the reader's language
    (aftersales.events). `buyer_visible` rows are what the buyer sees in the portal."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    code = models.CharField(max_length=60)
    data = models.JSONField(default=dict, blank=True)
    status_before = models.CharField(max_length=30, blank=True)
    status_after = models.CharField(max_length=30, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The buyer acted (through the portal or a buyer token), not a member of staff.
    by_buyer = models.BooleanField(default=False)
    buyer_visible = models.BooleanField(default=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at_idx")]

    @property
    def text(self) -> str:
        """The sentence in the reader's language."""
        return messages.render({**self.data, "code": self.code})


class CaseMessage(models.Model):
    """A message between the buyer and the shop on a case (shown in the portal)."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="messages")
    from_buyer = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    body = models.TextField(_("message"))
    at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photo")
    VIDEO = "video", _("Video")
    CHAT = "chat", _("Chat excerpt")
    ORDER_RECORD = "order_record", _("Order record")
    TRANSFER_PROOF = "transfer_proof", _("Bank transfer proof")


class Evidence(models.Model):
    """A file or excerpt attached to a case. Files are checked by content, images
    re-encoded, stored through Django's storage API; every file's SHA-256 is kept."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    file = models.FileField(_("file"), upload_to="aftersales/%Y/%m/", max_length=255, blank=True)
    thumbnail = models.FileField(upload_to="aftersales/thumbs/%Y/%m/", max_length=255, blank=True)
    content_type = models.CharField(max_length=50, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    # A chat excerpt or an order record is text, attached as it was.
    text = models.TextField(blank=True)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    from_buyer = models.BooleanField(default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")


class RefundStatus(models.TextChoices):
    # Written with the case's move, before the gateway is asked (intent → commit → call).
    PENDING = "pending", _("Waiting for the gateway")
    # COD and bank remittance: staff transfer the money and upload the proof.
    AWAITING_TRANSFER = "awaiting_transfer", _("Bank transfer to make")
    SUCCEEDED = "succeeded", _("Refunded")
    FAILED = "failed", _("Failed")


class RefundMethod(models.TextChoices):
    GATEWAY = "gateway", _("Back through the payment gateway")
    BANK_TRANSFER = "bank_transfer", _("Bank transfer")


class Refund(models.Model):
    """Money going back for a case, as typed amounts. amount = goods + shipping
    − return postage the buyer bears + price difference (补差价, either way) + compensation."""

    number = models.CharField(_("refund number"), max_length=20, unique=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="refunds")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="aftersales_refunds")
    status = models.CharField(_("status"), max_length=20, choices=RefundStatus.choices)
    method = models.CharField(_("method"), max_length=20, choices=RefundMethod.choices)
    goods_amount = models.DecimalField(_("goods"), max_digits=14, decimal_places=2, default=ZERO)
    shipping_amount = models.DecimalField(_("shipping"), max_digits=14, decimal_places=2, default=ZERO)
    buyer_postage = models.DecimalField(
        _("return postage borne by the buyer (买家承担邮费)"), max_digits=14, decimal_places=2, default=ZERO
    )
    price_difference = models.DecimalField(
        _("price difference (补差价)"), max_digits=14, decimal_places=2, default=ZERO
    )
    compensation = models.DecimalField(_("compensation (补偿)"), max_digits=14, decimal_places=2, default=ZERO)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    # Sent to the gateway with every attempt: it refunds once per key.
    idempotency_key = models.CharField(max_length=100, unique=True)
    gateway = models.CharField(max_length=40, blank=True)
    gateway_reference = models.CharField(_("gateway reference"), max_length=100, blank=True)
    transfer_reference = models.CharField(_("bank transfer reference"), max_length=100, blank=True)
    proof = models.ForeignKey(Evidence, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The payments ledger's refund row, written when the money has gone.
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.PROTECT, null=True, blank=True, related_name="aftersales_refund"
    )
    failure = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When the last call to the gateway began: the worker asks again for a refund still
    # pending a while after it (the process that called died), claiming it under a row lock.
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            models.CheckConstraint(
                condition=models.Q(
                    goods_amount__gte=0, shipping_amount__gte=0, buyer_postage__gte=0, compensation__gte=0
                ),
                name="refund_parts_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["status", "requested_at"], name="refund_status_requested_idx")]


class RefundLine(models.Model):
    """The goods of one case line in a refund. A line is refunded at most once:
    `active` is cleared only when its refund fails, and the constraint holds the rest."""

    refund = models.ForeignKey(Refund, on_delete=models.CASCADE, related_name="lines")
    case_line = models.ForeignKey(CaseLine, on_delete=models.PROTECT, related_name="refund_lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField()
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case_line"], condition=models.Q(active=True), name="refund_line_once_per_case_line"
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="refund_line_amount_not_negative"),
        ]


class Dispute(models.Model):
    """A case the buyer and the shop do not agree on (纠纷): its frozen evidence bundle,
    the supervisor's ruling, the marketplace's mediation."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="dispute")
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    by_buyer = models.BooleanField(default=False)
    reason = models.TextField(_("what is disputed"))
    # Chat logs, the order, payments, tracking and the evidence files with their hashes,
    # as they were when frozen; bundle_sha256 is the hash of the bundle's canonical JSON.
    bundle = models.JSONField(default=dict, blank=True)
    bundle_sha256 = models.CharField(max_length=64, blank=True)
    frozen_at = models.DateTimeField(null=True, blank=True)
    ruling = models.TextField(_("ruling"), blank=True)
    ruling_outcome = models.CharField(
        _("ruled for"),
        max_length=10,
        choices=[("buyer", _("The buyer")), ("seller", _("The seller")), ("partial", _("Partly each"))],
        blank=True,
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    mediation_platform = models.CharField(_("mediated by"), max_length=50, blank=True)
    mediation_reference = models.CharField(_("mediation reference"), max_length=100, blank=True)
    mediation_outcome = models.TextField(_("mediation outcome"), blank=True)
    mediated_at = models.DateTimeField(null=True, blank=True)


class FollowUp(models.Model):
    """A follow-up call (回访) after a complaint, due some days after it is solved."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="follow_ups")
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    outcome = models.TextField(_("what the buyer said"), blank=True)
    satisfied = models.BooleanField(_("satisfied"), null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["done_at", "due_at"], name="follow_up_open_due_idx")]
