"""Waves (波次), pick lists, sort lists and the packing check (验货).

A wave is a batch of allocated orders of one warehouse released to the floor together;
picking by order (按单拣货) is a wave of one order. Building a wave writes its pick lines:
which units of which order line come out of which bin, in the bins' route order. The
pick list sums them per bin and SKU; the sort list groups them per order (its slot).
The packing check counts every unit scanned at the desk against the order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PickMode(models.TextChoices):
    WAVE = "wave", _("Wave (波次)")
    ORDER = "order", _("By order (按单)")


class WaveStatus(models.TextChoices):
    PICKING = "picking", _("Picking")
    PICKED = "picked", _("Picked")
    DONE = "done", _("Done")


class Wave(models.Model):
    number = models.CharField(_("number"), max_length=20, unique=True)
    warehouse = models.ForeignKey("inventory.Warehouse", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("picking mode"), max_length=10, choices=PickMode.choices, default=PickMode.WAVE)
    status = models.CharField(_("status"), max_length=10, choices=WaveStatus.choices, default=WaveStatus.PICKING)
    # The rules it was built by, as given (see fulfilment.waves.WaveRules.as_dict).
    rules = models.JSONField(_("rules"), default=dict, blank=True)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    picked_at = models.DateTimeField(_("picked at"), null=True, blank=True)
    picked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("wave")
        verbose_name_plural = _("waves")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="wave_status_created_idx")]

    def __str__(self) -> str:
        return self.number


class WaveOrder(models.Model):
    """An order in a wave, with its slot (the basket it is sorted into) and its packing check."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="entries")
    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="wave_entries")
    slot = models.PositiveIntegerField(_("slot"))
    carrier = models.CharField(_("carrier"), max_length=20, blank=True)
    item_count = models.PositiveIntegerField(_("items"), default=0)
    expected_weight_grams = models.PositiveIntegerField(_("expected weight (g)"), default=0)
    # The packing check: units scanned per SKU id ({"12": 2}), the weight entered, when complete.
    scanned = models.JSONField(_("scanned"), default=dict, blank=True)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    packed_at = models.DateTimeField(_("packed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order in a wave")
        verbose_name_plural = _("orders in waves")
        ordering = ["wave", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["wave", "order"], name="wave_order_unique"),
            models.UniqueConstraint(fields=["wave", "slot"], name="wave_slot_unique"),
        ]


class PickLine(models.Model):
    """Units of one order line to take from one bin (bin None: not put away in a bin)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="pick_lines", db_index=False)
    entry = models.ForeignKey(WaveOrder, on_delete=models.CASCADE, related_name="pick_lines")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    sku = models.ForeignKey("catalog.Sku", on_delete=models.PROTECT, related_name="+")
    bin = models.ForeignKey("inventory.Bin", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # Copied from the bin when the wave was built, so the list keeps its order.
    route_order = models.PositiveIntegerField(default=0)
    quantity = models.PositiveIntegerField(_("quantity"))
    picked_quantity = models.PositiveIntegerField(_("picked"), null=True, blank=True)

    class Meta:
        ordering = ["wave", "route_order", "pk"]
        indexes = [models.Index(fields=["wave", "route_order"], name="pick_line_wave_route_idx")]
        constraints = [models.CheckConstraint(condition=models.Q(quantity__gt=0), name="pick_line_quantity_positive")]


class WaveStepKind(models.TextChoices):
    PICK = "pick", _("Pick")
    SORT = "sort", _("Sort")
    PACK = "pack", _("Pack")


class WaveStep(models.Model):
    """One worker's turn at one step of a wave: when it started and finished (data to show)."""

    wave = models.ForeignKey(Wave, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(_("step"), max_length=10, choices=WaveStepKind.choices)
    worker = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["started_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["wave", "step", "worker"], name="wave_step_worker_unique")]

    @property
    def seconds(self) -> int | None:
        if self.finished_at is None:
            return None
        return int((self.finished_at - self.started_at).total_seconds())
