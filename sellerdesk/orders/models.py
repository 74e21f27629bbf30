from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import messages
from sellerdesk.customers.models import Customer
from sellerdesk.inventory.models import Warehouse
from sellerdesk.orders.expressions import PhoneTail
from sellerdesk.orders.instructions import Instructions
from sellerdesk.orders.states import OrderStatus, PaymentStatus
from sellerdesk.shops.models import Shop

ZERO = Decimal("0.00")


class OrderSource(models.TextChoices):
    INQUIRY = "inquiry", _("Inquiry then order (询单拍下)")
    SILENT = "silent", _("Silent order (静默下单)")
    COD = "cod", _("Cash on delivery (货到付款)")
    REMITTANCE = "remittance", _("Bank remittance (汇款)")
    PHONE = "phone", _("Phone order (电话下单)")
    MANUAL = "manual", _("Entered by an agent")
    MARKETPLACE = "marketplace", _("Marketplace (export file or connector)")
    API = "api", _("API")


class PaymentMethod(models.TextChoices):
    ONLINE = "online", _("Online")
    COD = "cod", _("Cash on delivery")
    REMITTANCE = "remittance", _("Bank remittance")


class ShippingMethod(models.TextChoices):
    EXPRESS = "express", _("Express (快递)")
    POST = "post", _("Post (平邮)")


class FlagColor(models.TextChoices):
    NONE = "", _("No flag")
    RED = "red", _("Red")
    ORANGE = "orange", _("Orange")
    YELLOW = "yellow", _("Yellow")
    GREEN = "green", _("Green")
    BLUE = "blue", _("Blue")
    PURPLE = "purple", _("Purple")


class Order(models.Model):
    number = models.CharField(_("order number"), max_length=20, unique=True)
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="orders")
    external_id = models.CharField(_("platform order number"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=20, choices=OrderSource.choices, default=OrderSource.API)
    status = models.CharField(_("status"), max_length=20, choices=OrderStatus.choices)
    payment_status = models.CharField(_("payment status"), max_length=20, choices=PaymentStatus.choices)
    payment_method = models.CharField(_("payment method"), max_length=20, choices=PaymentMethod.choices)
    shipping_method = models.CharField(_("shipping method"), max_length=20, choices=ShippingMethod.choices)

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="orders")
    # Searched exactly and as a prefix (orders.queries.matching_order_ids): db_index gives
    # PostgreSQL its varchar_pattern_ops index too, which LIKE 'x%' needs.
    buyer_name = models.CharField(_("buyer name"), max_length=100, db_index=True)
    buyer_phone = models.CharField(_("buyer phone"), max_length=32, db_index=True)
    buyer_nickname = models.CharField(_("buyer nickname"), max_length=100, blank=True, db_index=True)
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address_detail = models.CharField(_("street address"), max_length=300)

    # What the buyer wrote (买家留言) is never mixed with staff notes (OrderNote).
    buyer_message = models.TextField(_("buyer message"), blank=True)
    # What the message asks for, read by orders.instructions: later stages obey it.
    instructions = models.JSONField(_("instructions"), default=dict, blank=True)
    flag_color = models.CharField(_("flag"), max_length=10, choices=FlagColor.choices, blank=True, default="")
    flag_reason = models.CharField(_("flag reason"), max_length=200, blank=True)

    subtotal = models.DecimalField(_("goods"), max_digits=14, decimal_places=2)
    shipping_fee = models.DecimalField(_("shipping fee"), max_digits=10, decimal_places=2, default=ZERO)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    paid_amount = models.DecimalField(_("paid"), max_digits=14, decimal_places=2, default=ZERO)
    refunded_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=ZERO)

    pay_deadline = models.DateTimeField(_("pay by"), null=True, blank=True)
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True, db_index=True)
    auto_confirm_at = models.DateTimeField(_("receipt auto-confirms at"), null=True, blank=True)
    # Where the order ships from, once allocated (see allocation).
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("warehouse")
    )
    allocated_at = models.DateTimeField(_("allocated at"), null=True, blank=True)
    # A date promised to the buyer: presale ship-by, or a stockout delayed with the buyer's consent.
    promised_ship_date = models.DateField(_("promised ship date"), null=True, blank=True)

    created_at = models.DateTimeField(_("placed at"), default=timezone.now, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Set once the review rules have run, so the sweep never reviews an order twice.
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # A reason a person typed stays as typed in close_reason; a reason the system gives
    # is its code and parameters in close_reason_data, rendered when read (core.messages).
    close_reason = models.CharField(_("close reason"), max_length=200, blank=True)
    close_reason_data = models.JSONField(default=dict, blank=True)
    # 合单 / 拆单: an original closed by a merge points at the merged order; a part of a
    # split points at the order it was split from (see orders.merging).
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )
    split_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="split_parts",
        verbose_name=_("split from"),
    )
    # The agent who looks after the order (assigned from the order list); nobody by default.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "external_id"],
                condition=~models.Q(external_id=""),
                name="order_shop_external_id_unique",
            ),
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_not_negative"),
        ]
        indexes = [
            models.Index(fields=["status", "pay_deadline"], name="order_status_deadline_idx"),
            models.Index(fields=["status", "auto_confirm_at"], name="order_status_autoconfirm_idx"),
            models.Index(fields=["shop", "status", "created_at"], name="order_shop_status_created_idx"),
            models.Index(fields=["external_id"], name="order_external_id_idx"),
            # The search by the last 4 digits of a phone (same expression as the query's).
            models.Index(PhoneTail("buyer_phone"), name="order_phone_tail_idx"),
            # A search's page sorted, and the order list's status tabs counted, from the
            # index alone (orders.queries._IdsFirstPaginator, orders.views.order_list):
            # thousands of orders found by a SKU code are not read to sort or count them.
            models.Index(fields=["id", "created_at", "status"], name="order_search_page_idx"),
            # The dashboards' daily facts read orders by the day they were paid, shipped and
            # completed (analytics.facts); partial, so orders not there yet cost no entry.
            models.Index(fields=["paid_at"], condition=models.Q(paid_at__isnull=False), name="order_paid_at_idx"),
            models.Index(
                fields=["shipped_at"], condition=models.Q(shipped_at__isnull=False), name="order_shipped_at_idx"
            ),
            models.Index(
                fields=["completed_at"], condition=models.Q(completed_at__isnull=False), name="order_completed_at_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def address_text(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.address_detail}"

    @property
    def buyer_instructions(self) -> Instructions:
        return Instructions.from_dict(self.instructions or {})

    @property
    def balance_due(self) -> Decimal:
        return max(self.total - self.paid_amount, ZERO)

    @property
    def amount_owed(self) -> Decimal:
        """What the buyer of a paid order still owes, net of refunds (its lines changed
        and cost more, orders.changes); nothing for cash on delivery, collected on delivery."""
        if self.payment_status in (PaymentStatus.UNPAID, PaymentStatus.COD):
            return ZERO
        return max(self.total - (self.paid_amount - self.refunded_amount), ZERO)

    @property
    def is_paid(self) -> bool:
        return self.payment_status == PaymentStatus.PAID

    @property
    def close_reason_text(self) -> str:
        """Why it closed, in the reader's language (a typed reason as typed)."""
        return messages.stored_text(self.close_reason, self.close_reason_data)


class OrderLine(models.Model):
    # Indexed by the (order, position) unique constraint; a second index only slows inserts.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines", db_index=False)
    position = models.PositiveSmallIntegerField()
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    # What the buyer bought, as it was then: later catalogue edits do not rewrite orders.
    sku_code = models.CharField(max_length=64)
    name = models.CharField(max_length=200)
    attributes = models.JSONField(default=dict, blank=True)
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    list_price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    reserved_quantity = models.PositiveIntegerField(default=0)
    # A presale (预售) line is reserved against units in transit until they are received.
    presale_pending = models.BooleanField(default=False)
    # Where a line of a merged order or a split part came from: the original order and position.
    origin_order_number = models.CharField(_("from order"), max_length=20, blank=True)
    origin_position = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "position"], name="order_line_position_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="order_line_quantity_positive"),
        ]
        # The order search by SKU code (orders.queries.matching_order_ids): the order id in
        # the index answers it from the index alone.
        indexes = [models.Index(fields=["sku_code", "order"], name="order_line_sku_order_idx")]

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def short_quantity(self) -> int:
        return self.quantity - self.reserved_quantity


class OrderEventType(models.TextChoices):
    PLACED = "placed", _("Order placed")
    PRICE_CHANGED = "price_changed", _("Price changed")
    PAYMENT_RECORDED = "payment_recorded", _("Payment recorded")
    PAID = "paid", _("Paid in full")
    APPROVED = "approved", _("Approved")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    RECEIPT_CONFIRMED = "receipt_confirmed", _("Receipt confirmed")
    CLOSED = "closed", _("Closed")
    REFUND_RECORDED = "refund_recorded", _("Refund recorded")
    NOTE_ADDED = "note_added", _("Note")
    FLAGGED = "flagged", _("Flag set")
    HELD = "held", _("Held for review")
    REVIEWED = "reviewed", _("Reviewed")
    MERGED = "merged", _("Merged from other orders")
    MERGED_INTO = "merged_into", _("Merged into another order")
    UNMERGED = "unmerged", _("Split back into its originals")
    SPLIT = "split", _("Split into parts")
    LINES_CHANGED = "lines_changed", _("Goods changed")
    ADDRESS_CORRECTED = "address_corrected", _("Address corrected")
    CARRIER_CHOSEN = "carrier_chosen", _("Carrier chosen")
    ALLOCATED = "allocated", _("Allocated to a warehouse")
    STOCKOUT = "stockout", _("Out of stock")
    STOCKOUT_HANDLED = "stockout_handled", _("Stockout handled")
    DROPSHIP_ORDERED = "dropship_ordered", _("Purchase sent to the dropship supplier")
    DROPSHIP_PAID = "dropship_paid", _("Dropship purchase paid")
    DROPSHIP_SHIPPED = "dropship_shipped", _("Shipped by the dropship supplier")
    DROPSHIP_SETTLED = "dropship_settled", _("Dropship supplier settled")
    DROPSHIP_CANCELLED = "dropship_cancelled", _("Dropship purchase cancelled")
    SHIPMENT = "shipment", _("Shipment")
    TRACKING = "tracking", _("Tracking update")
    LOGISTICS_EXCEPTION = "logistics_exception", _("Logistics exception")
    AUTO_CONFIRM_EXTENDED = "auto_confirm_extended", _("Receipt confirmation extended")
    PICKING_STARTED = "picking_started", _("Picking started")
    PACKING_CHECKED = "packing_checked", _("Packing check passed")
    PACKED = "packed", _("Packed and labelled")
    PAYMENT_REMINDED = "payment_reminded", _("Reminded to pay")
    REFUSED = "refused", _("Parcel refused or returned")
    RESTOCKED = "restocked", _("Returned goods back in stock")
    ASSIGNED = "assigned", _("Assigned")


class OrderEvent(models.Model):
    """The order's audit timeline: who did what, when, with the before and after."""

    # Indexed by order_event_order_at_idx (order, at).
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=30, choices=OrderEventType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["order", "at"], name="order_event_order_at_idx")]


class OrderNote(models.Model):
    """A staff memo (卖家备注), shown as "11.22 阿华 已催付"."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("note"), max_length=500)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    @property
    def display(self) -> str:
        local = timezone.localtime(self.at)
        return f"{local.month}.{local.day} {self.author.signature} {self.text}"


class OrderHold(models.Model):
    """One reason an order waits in the exception queue; resolved when it is released."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="holds")
    reason = models.CharField(_("reason"), max_length=40)
    message = models.CharField(_("message"), max_length=500)
    suggestion = models.JSONField(_("suggestion"), null=True, blank=True)
    created_at = models.DateTimeField(_("held at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution = models.CharField(_("resolution"), max_length=500, blank=True)
    # Texts the system gives are a code and parameters, rendered when read (core.messages);
    # message and resolution keep what a person typed, as typed.
    message_data = models.JSONField(default=dict, blank=True)
    resolution_data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("order hold")
        verbose_name_plural = _("order holds")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["reason", "resolved_at"], name="order_hold_reason_open_idx")]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def message_text(self) -> str:
        """Why it is held, in the reader's language (a typed reason as typed)."""
        return messages.stored_text(self.message, self.message_data)

    @property
    def resolution_text(self) -> str:
        return messages.stored_text(self.resolution, self.resolution_data)


class ShortageOption(models.TextChoices):
    """What the buyer agreed to when a line is short (缺货处理)."""

    TRANSFER = "transfer", _("Transfer from another warehouse (调拨)")
    BACKORDER = "backorder", _("Ship what is there, send the rest later (补送)")
    DROP = "drop", _("Drop the short line and refund it")
    DELAY = "delay", _("Wait until a promised date")
    CANCEL = "cancel", _("Cancel the order")


class Shortage(models.Model):
    """A line that could not be allocated: the stockout (缺货) an agent resolves with the buyer."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="shortages")
    # Kept when the short line is dropped from the order (the "drop" option).
    line = models.ForeignKey(OrderLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="shortages")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    short_quantity = models.PositiveIntegerField(_("short"))
    detected_at = models.DateTimeField(_("detected at"))
    option = models.CharField(_("handling"), max_length=20, choices=ShortageOption.choices, blank=True)
    buyer_answer = models.CharField(_("buyer's answer"), max_length=500, blank=True)
    promised_date = models.DateField(_("promised date"), null=True, blank=True)
    refund_amount = models.DecimalField(_("refund"), max_digits=12, decimal_places=2, null=True, blank=True)
    document = models.CharField(_("document"), max_length=20, blank=True)
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("stockout")
        verbose_name_plural = _("stockouts")
        ordering = ["detected_at", "pk"]
        indexes = [models.Index(fields=["resolved_at", "sku"], name="shortage_open_sku_idx")]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ReviewRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ReviewRun(models.Model):
    """A review of the whole queue of reviewable orders as a background job, with its progress."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    status = models.CharField(max_length=20, choices=ReviewRunStatus.choices, default=ReviewRunStatus.QUEUED)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    approved = models.PositiveIntegerField(default=0)
    held = models.PositiveIntegerField(default=0)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    @property
    def percent(self) -> int:
        return 100 if not self.total else min(100, self.done * 100 // self.total)


class SavedView(models.Model):
    """A set of order-list filters a staff user named (保存的视图), shown as a link on their
    order list; `query` is the list's query string (without the page)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=40)
    query = models.CharField(_("filters"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="saved_view_user_name_uniq")]

    def __str__(self) -> str:
        return self.name
