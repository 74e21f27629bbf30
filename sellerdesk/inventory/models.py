from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.catalog.models import Sku


class Warehouse(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_default = models.BooleanField(_("default warehouse"), default=False)

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


class StockLevel(models.Model):
    """Stock of one SKU in one warehouse. available = on_hand - reserved, never below 0.

    Written only by inventory.actions, with conditional UPDATEs so that concurrent
    orders cannot oversell; the database constraints are the last line of defence.
    """

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="stock_levels")
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.IntegerField(_("on hand"), default=0)
    reserved = models.IntegerField(_("reserved"), default=0)

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["sku", "warehouse"], name="stock_sku_warehouse_unique"),
            models.CheckConstraint(condition=models.Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(
                condition=models.Q(on_hand__gte=models.F("reserved")), name="stock_available_not_negative"
            ),
        ]

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class MovementKind(models.TextChoices):
    RESERVE = "reserve", _("Reserved")
    RELEASE = "release", _("Released")
    SHIP = "ship", _("Shipped")
    ADJUST = "adjust", _("Stock count adjustment")
    RECEIVE = "receive", _("Received")


class StockMovement(models.Model):
    """The stock ledger: every change of on-hand or reserved, with the document behind it."""

    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="movements", db_index=False)  # (sku, at) index
    warehouse = models.ForeignKey(Warehouse, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind.choices)
    on_hand_delta = models.IntegerField(default=0)
    reserved_delta = models.IntegerField(default=0)
    document = models.CharField(_("document"), max_length=64, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [models.Index(fields=["sku", "at"])]
