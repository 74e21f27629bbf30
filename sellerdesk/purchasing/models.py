"""Suppliers, purchase orders, receiving, customs and dropship (分销/代销)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.catalog.models import Sku
from sellerdesk.inventory.models import Warehouse

ZERO = Decimal("0.00")


class Supplier(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    lead_time_days = models.PositiveSmallIntegerField(_("lead time (days)"), default=7)
    # Goods from abroad go through customs clearance before they can be received.
    is_overseas = models.BooleanField(_("imports from abroad"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("supplier")
        verbose_name_plural = _("suppliers")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SupplierMember(models.Model):
    """A login of a supplier's: it sees only that supplier's purchase orders."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="supplier_member")
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="members")

    class Meta:
        verbose_name = _("supplier login")
        verbose_name_plural = _("supplier logins")


class SupplierSku(models.Model):
    """A SKU a supplier supplies, at a cost; `is_dropship` when the supplier ships it to buyers."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="skus")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="supplier_skus")
    supplier_code = models.CharField(_("supplier's code"), max_length=64, blank=True)
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2)
    min_order_quantity = models.PositiveIntegerField(_("minimum order"), default=1)
    is_preferred = models.BooleanField(_("preferred supplier"), default=False)
    is_dropship = models.BooleanField(_("ships to buyers (dropship)"), default=False)
    # When the supplier says the SKU is back (补货日期): what agents tell buyers.
    restock_date = models.DateField(_("restock date"), null=True, blank=True)

    class Meta:
        verbose_name = _("supplier SKU")
        verbose_name_plural = _("supplier SKUs")
        constraints = [
            models.UniqueConstraint(fields=["supplier", "sku"], name="supplier_sku_unique"),
            models.CheckConstraint(condition=models.Q(cost__gte=0), name="supplier_sku_cost_not_negative"),
        ]


class PurchaseKind(models.TextChoices):
    STOCK = "stock", _("For stock")
    DROPSHIP = "dropship", _("Dropship (supplier ships to the buyer)")


class PurchaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SENT = "sent", _("Sent to supplier")
    CUSTOMS = "customs", _("In customs clearance")
    PARTIALLY_RECEIVED = "partially_received", _("Partially received")
    RECEIVED = "received", _("Received")
    SHIPPED = "shipped", _("Shipped by supplier")
    SETTLED = "settled", _("Settled")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class PurchaseOrder(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="purchase_orders")
    kind = models.CharField(_("kind"), max_length=20, choices=PurchaseKind.choices, default=PurchaseKind.STOCK)
    status = models.CharField(_("status"), max_length=20, choices=PurchaseStatus.choices, default=PurchaseStatus.DRAFT)
    # Where the goods go; empty for dropship.
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, null=True, blank=True, related_name="purchase_orders"
    )
    expected_at = models.DateField(_("expected"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    # Imported goods: clearance must be recorded before receiving.
    requires_customs = models.BooleanField(_("needs customs clearance"), default=False)
    customs_documents = models.CharField(_("customs documents"), max_length=500, blank=True)
    customs_prepayment = models.DecimalField(
        _("duties prepaid"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    customs_cleared_at = models.DateTimeField(_("cleared customs at"), null=True, blank=True)

    # Dropship: the buyer's order it fulfils, the supplier's parcel, and the money.
    for_order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, null=True, blank=True, related_name="dropship_purchases"
    )
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    paid_at = models.DateTimeField(_("paid to supplier at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("purchase order")
        verbose_name_plural = _("purchase orders")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["supplier", "status"], name="po_supplier_status_idx")]

    def __str__(self) -> str:
        return self.number

    @property
    def total(self) -> Decimal:
        return sum((line.line_total for line in self.lines.all()), ZERO)


class PurchaseOrderLine(models.Model):
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_cost = models.DecimalField(_("unit cost"), max_digits=12, decimal_places=2)
    received_good = models.PositiveIntegerField(_("received good"), default=0)
    received_damaged = models.PositiveIntegerField(_("received damaged"), default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="po_line_quantity_positive"),
            models.CheckConstraint(condition=models.Q(unit_cost__gte=0), name="po_line_cost_not_negative"),
        ]

    @property
    def line_total(self) -> Decimal:
        return self.unit_cost * self.quantity

    @property
    def outstanding(self) -> int:
        return max(self.quantity - self.received_good - self.received_damaged, 0)


class Receipt(models.Model):
    """One delivery received against a purchase order (入库), with its differences."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="receipts")
    number = models.CharField(_("number"), max_length=20, unique=True)
    received_at = models.DateTimeField(_("received at"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("receipt")
        verbose_name_plural = _("receipts")
        ordering = ["received_at", "pk"]


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(PurchaseOrderLine, on_delete=models.PROTECT, related_name="receipt_lines")
    good = models.PositiveIntegerField(_("good"))
    damaged = models.PositiveIntegerField(_("damaged"), default=0)
    # Units beyond what was ordered, accepted only with a reason.
    over = models.PositiveIntegerField(_("over"), default=0)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    bin = models.ForeignKey("inventory.Bin", on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        ordering = ["pk"]


class PurchaseOrderEvent(models.Model):
    """The audit trail of a purchase order: who did what, when, with the facts."""

    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]


class SupplierReturnStatus(models.TextChoices):
    OPEN = "open", _("Gathering goods")
    SENT = "sent", _("Sent back to the supplier")
    CLOSED = "closed", _("Settled with the supplier")


class SupplierReturn(models.Model):
    """A return to a supplier (退供): defective units gathered from after-sales cases and
    sent back together (seed 003), each line with the document it came from and the
    buyer's photos. Sending it takes the units out of defective stock through the ledger."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="returns")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"), max_length=20, choices=SupplierReturnStatus.choices, default=SupplierReturnStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    carrier = models.CharField(_("carrier"), max_length=50, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    credit_amount = models.DecimalField(
        _("credited by the supplier"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("return to supplier")
        verbose_name_plural = _("returns to suppliers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # At most one batch gathering goods per supplier and warehouse.
            models.UniqueConstraint(
                fields=["supplier", "warehouse"],
                condition=models.Q(status="open"),
                name="supplier_return_one_open",
            )
        ]

    def __str__(self) -> str:
        return self.number


class SupplierReturnLine(models.Model):
    batch = models.ForeignKey(SupplierReturn, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    # The document the units came from (an after-sales case number) and why they are bad.
    document = models.CharField(_("from document"), max_length=64)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Storage names of the buyer's photos (printed on the back of the return form).
    photos = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="supplier_return_line_quantity_positive")
        ]


class SupplierClaimStatus(models.TextChoices):
    OPEN = "open", _("Claimed")
    ACCEPTED = "accepted", _("Accepted by the supplier")
    SETTLED = "settled", _("Money received")
    REJECTED = "rejected", _("Rejected by the supplier")


class SupplierClaim(models.Model):
    """Money claimed back from a dropship supplier for an after-sales case on goods it shipped."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="claims")
    purchase_order = models.ForeignKey(PurchaseOrder, on_delete=models.PROTECT, related_name="claims")
    document = models.CharField(_("from document"), max_length=64)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=SupplierClaimStatus.choices, default=SupplierClaimStatus.OPEN
    )
    created_at = models.DateTimeField(_("created at"))
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim on a supplier")
        verbose_name_plural = _("claims on suppliers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="supplier_claim_amount_positive"),
            models.UniqueConstraint(fields=["purchase_order", "document"], name="supplier_claim_once_per_document"),
        ]
