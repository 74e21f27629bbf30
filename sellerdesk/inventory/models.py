from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.catalog.models import Sku
from sellerdesk.core import messages
from sellerdesk.inventory import availability


class Warehouse(models.Model):
    """A place stock is kept and shipped from.

    `regions` lists the provinces it serves (empty: everywhere); allocation prefers a
    warehouse serving the address, then the lowest `priority`. The address is the
    sender's on shipping labels.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default warehouse"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    priority = models.PositiveSmallIntegerField(_("priority"), default=100, help_text=_("Lower is tried first."))
    regions = models.JSONField(_("provinces served"), default=list, blank=True)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    province = models.CharField(_("province"), max_length=30, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    district = models.CharField(_("district"), max_length=30, blank=True)
    address_detail = models.CharField(_("address"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("warehouse")
        verbose_name_plural = _("warehouses")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_warehouse"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def serves(self, province: str) -> bool:
        return not self.regions or province in self.regions


class Bin(models.Model):
    """A location (库位) in a warehouse. Pickers walk bins in `route_order`."""

    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="bins")
    code = models.CharField(_("code"), max_length=40)
    zone = models.CharField(_("zone"), max_length=20, blank=True)
    route_order = models.PositiveIntegerField(_("pick route order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("bin")
        verbose_name_plural = _("bins")
        ordering = ["warehouse", "route_order", "code"]
        constraints = [models.UniqueConstraint(fields=["warehouse", "code"], name="bin_warehouse_code_unique")]

    def __str__(self) -> str:
        return self.code


class BinStock(models.Model):
    """Units of one SKU in one bin. Summed over a warehouse's bins it is the warehouse's on-hand."""

    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, related_name="stock")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="bin_stock")
    quantity = models.IntegerField(_("quantity"), default=0)

    class Meta:
        verbose_name = _("bin stock")
        verbose_name_plural = _("bin stock")
        constraints = [
            models.UniqueConstraint(fields=["bin", "sku"], name="bin_stock_bin_sku_unique"),
            models.CheckConstraint(condition=models.Q(quantity__gte=0), name="bin_stock_not_negative"),
        ]


class StockLevel(models.Model):
    """Stock of one SKU in one warehouse. available = on_hand - reserved, never below 0
    (the figures derived from these columns are defined once, in `inventory.availability`).

    Written only by inventory.actions, with conditional UPDATEs so that concurrent
    orders cannot oversell; the database constraints are the last line of defence.
    """

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)
    # Not sellable and not part of on-hand: units found damaged, waiting to go back or out.
    defective = models.IntegerField(_("defective"), default=0)
    # Ordered from suppliers or transferred here, not yet received.
    in_transit = models.IntegerField(_("in transit"), default=0)
    # Presale (预售) lines reserve against units in transit, never against on-hand.
    presale_reserved = models.IntegerField(_("reserved for presale"), default=0)
    reorder_point = models.IntegerField(_("reorder point"), null=True, blank=True)
    reorder_quantity = models.IntegerField(_("reorder quantity"), null=True, blank=True)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="stock_sku_warehouse_unique"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=models.F("reserved")), name="stock_available_not_negative"
            ),
            models.CheckConstraint(condition=models.Q(defective__gte=0), name="stock_defective_not_negative"),
            models.CheckConstraint(condition=models.Q(in_transit__gte=0), name="stock_in_transit_not_negative"),
            models.CheckConstraint(
                condition=models.Q(presale_reserved__gte=0), name="stock_presale_reserved_not_negative"
            ),
        ]

    @property
    def available(self) -> int:
        return availability.available_units(on_hand=self.on_hand, reserved=self.reserved)

    @property
    def free(self) -> int:
        """Units an ordinary order may reserve here (see `availability.free_units`)."""
        return availability.free_units(
            on_hand=self.on_hand,
            reserved=self.reserved,
            in_transit=self.in_transit,
            presale_reserved=self.presale_reserved,
        )


class MovementKind(models.TextChoices):
    RESERVE = "reserve", _("Reserved")
    RELEASE = "release", _("Released")
    SHIP = "ship", _("Shipped")
    ADJUST = "adjust", _("Stock count adjustment")
    RECEIVE = "receive", _("Received")
    PICK = "pick", _("Picked")
    TRANSFER_OUT = "transfer_out", _("Transferred out")
    TRANSFER_IN = "transfer_in", _("Transferred in")
    RETURN = "return", _("Returned")
    DEFECTIVE = "defective", _("Moved to defective")
    IN_TRANSIT = "in_transit", _("In transit")
    PRESALE_RESERVE = "presale_reserve", _("Reserved for presale")
    PRESALE_RELEASE = "presale_release", _("Presale reservation released")
    ALLOCATE = "allocate", _("Allocated")
    PUTAWAY = "putaway", _("Moved between bins")


class StockMovement(models.Model):
    """The stock ledger: every change of on-hand or reserved, with the document behind it."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="movements", db_index=False)  # (sku, at) index
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, null=True, blank=True, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    defective_delta = models.IntegerField(default=0)
    in_transit_delta = models.IntegerField(default=0)
    presale_delta = models.IntegerField(default=0)
    document = models.CharField(_("document"), max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    # A note the system writes is a code and parameters, rendered when read (core.messages);
    # `note` keeps what a person typed.
    note_data = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["sku", "at"])]

    @property
    def note_text(self) -> str:
        """The note in the reader's language (a typed note as typed)."""
        return messages.stored_text(self.note, self.note_data)


class StockCountStatus(models.TextChoices):
    OPEN = "open", _("Counting")
    POSTED = "posted", _("Posted")
    CANCELLED = "cancelled", _("Cancelled")


class StockCount(models.Model):
    """A stock count (盘点): expected quantities are snapshotted, counted ones entered,
    and posting writes every difference to the ledger."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="counts")
    status = models.CharField(
        _("status"), max_length=20, choices=StockCountStatus.choices, default=StockCountStatus.OPEN
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    posted_at = models.DateTimeField(_("posted at"), null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


class StockCountLine(models.Model):
    count = models.ForeignKey(StockCount, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey(Bin, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    expected = models.IntegerField(_("expected"))
    counted = models.IntegerField(_("counted"), null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(counted__isnull=True) | models.Q(counted__gte=0), name="count_line_not_negative"
            )
        ]

    @property
    def difference(self) -> int | None:
        return None if self.counted is None else self.counted - self.expected


class TransferStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SHIPPED = "shipped", _("In transit")
    RECEIVED = "received", _("Received")
    CANCELLED = "cancelled", _("Cancelled")


class Transfer(models.Model):
    """A transfer (调拨) of stock between warehouses; in transit between ship and receive."""

    number = models.CharField(_("number"), max_length=20, unique=True)
    from_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="transfers_out")
    to_warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="transfers_in")
    status = models.CharField(_("status"), max_length=20, choices=TransferStatus.choices, default=TransferStatus.DRAFT)
    # The order number it was made for, when a stockout is solved by a transfer.
    for_order = models.CharField(_("for order"), max_length=20, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # A note the system writes (a stockout's transfer) is a code and parameters, rendered
    # when read (core.messages); `note` keeps what a person typed.
    note_data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_warehouse=models.F("to_warehouse")), name="transfer_between_two_warehouses"
            )
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def note_text(self) -> str:
        """The note in the reader's language (a typed note as typed)."""
        return messages.stored_text(self.note, self.note_data)


class TransferLine(models.Model):
    transfer = models.ForeignKey(Transfer, on_delete=models.CASCADE, related_name="lines")
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    received = models.PositiveIntegerField(_("received"), default=0)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gt=0), name="transfer_line_quantity_positive")
        ]
