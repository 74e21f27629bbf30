"""Marketplace order files (imports), what each marketplace last said of an order,
pushed order messages, shipments owed back to the marketplace, and how a platform names
each carrier."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.logistics.models import Carrier
from sellerdesk.marketplaces.records import MarketRefund, MarketStatus
from sellerdesk.orders.models import Order
from sellerdesk.shops.models import Platform, Shop


class Layout(models.TextChoices):
    """The column layouts of the marketplaces' order exports (docs/marketplaces.md)."""

    TAOBAO = "taobao", _("Taobao / Tmall order report")
    JD = "jd", _("JD order export")
    PINDUODUO = "pinduoduo", _("Pinduoduo order export")


class ImportStatus(models.TextChoices):
    CHECKING = "checking", _("Checking the file")
    PREVIEWED = "previewed", _("Ready to import")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")


class OrderImport(models.Model):
    """One marketplace export (an orders file, and an items file where the platform
    splits them) imported into one shop: checked into a preview first, written only
    when someone commits it, by the worker, with its progress recorded."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", verbose_name=_("shop"))
    layout = models.CharField(_("layout"), max_length=20, choices=Layout.choices)
    status = models.CharField(_("status"), max_length=20, choices=ImportStatus.choices, default=ImportStatus.CHECKING)
    file = models.FileField(_("orders file"), upload_to="marketplace-imports/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=200)
    items_file = models.FileField(_("items file"), upload_to="marketplace-imports/%Y/%m/", blank=True)
    items_file_name = models.CharField(_("items file name"), max_length=200, blank=True)
    # SHA-256 of the files: the same file imported again is recognised (and is harmless).
    digest = models.CharField(max_length=64, db_index=True)
    # Checking: data rows read so far of all rows; committing: orders written of all to write.
    rows_total = models.PositiveIntegerField(_("rows"), default=0)
    rows_checked = models.PositiveIntegerField(_("rows checked"), default=0)
    orders_total = models.PositiveIntegerField(_("orders"), default=0)
    orders_done = models.PositiveIntegerField(_("orders written"), default=0)
    # The preview's counts, then the commit's outcome.
    to_create = models.PositiveIntegerField(_("new orders"), default=0)
    to_update = models.PositiveIntegerField(_("changed orders"), default=0)
    unchanged = models.PositiveIntegerField(_("unchanged orders"), default=0)
    skipped = models.PositiveIntegerField(_("skipped orders"), default=0)
    refused = models.PositiveIntegerField(_("refused rows"), default=0)
    created = models.PositiveIntegerField(_("orders created"), default=0)
    updated = models.PositiveIntegerField(_("orders updated"), default=0)
    # Each refused row: {"line", "file", "external_id", "field", "code", "params"}
    # (records.RefusedRow.as_json), rendered in the reader's language.
    refused_rows = models.JSONField(default=list, blank=True)
    # The planned change of each order (importing.plan): {"external_id", "action", ...}.
    plan = models.JSONField(default=list, blank=True)
    # Why the whole file failed: a core.messages code and its parameters.
    error = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The worker holding the job renews this; a job whose lease ran out was left by a
    # worker that died, and is taken up again (every write is idempotent).
    lease_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order file import")
        verbose_name_plural = _("order file imports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "lease_until"], name="market_import_status_idx")]

    def __str__(self) -> str:
        return self.file_name

    @property
    def percent(self) -> int:
        if self.status in (ImportStatus.CHECKING,):
            done, total = self.rows_checked, self.rows_total
        else:
            done, total = self.orders_done, self.orders_total
        return 100 if not total else min(100, done * 100 // total)


class Source(models.TextChoices):
    FILE = "file", _("Export file")
    PUSH = "push", _("Pushed message")
    PULL = "pull", _("Pulled by the connector")
    ENTRY = "entry", _("Entered by hand")


class MarketplaceOrder(models.Model):
    """What the marketplace last said of one of our orders: its status there, its
    refund, when it last changed there and a fingerprint of the rest, so that the same
    file or message again changes nothing and an older message never undoes a newer."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="marketplace_record")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(_("marketplace order id"), max_length=64)
    status = models.CharField(_("status on the marketplace"), max_length=20, choices=MarketStatus.choices)
    refund = models.CharField(_("refund on the marketplace"), max_length=20, choices=MarketRefund.choices, blank=True)
    fingerprint = models.CharField(max_length=64)
    modified_at = models.DateTimeField(_("last changed on the marketplace"), null=True, blank=True)
    source = models.CharField(_("came by"), max_length=10, choices=Source.choices)
    last_import = models.ForeignKey(OrderImport, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("marketplace order")
        verbose_name_plural = _("marketplace orders")
        constraints = [
            models.UniqueConstraint(fields=["shop", "external_id"], name="marketplace_order_shop_external_unique")
        ]


class PushedOrderMessage(models.Model):
    """A signed order message a marketplace pushed (as 淘宝 TMC does): kept by its
    message id, so the same message pushed again is answered without doing anything."""

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=64)
    external_id = models.CharField(max_length=64, db_index=True)
    topic = models.CharField(max_length=40)
    modified_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField()
    # What handling it did: "created", "updated", "unchanged", "stale", "refused".
    outcome = models.CharField(max_length=20)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["shop", "message_id"], name="pushed_order_message_unique")]


class NoticeStatus(models.TextChoices):
    PENDING = "pending", _("To send")
    SENT = "sent", _("Sent")
    DEAD = "dead", _("Failed")


class ShipmentNotice(models.Model):
    """A shipment to tell the order's marketplace (发货回传): written when the order
    ships, sent by the worker after the commit through the shop's connector, retried."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+")
    external_id = models.CharField(max_length=64)
    carrier_code = models.CharField(_("carrier code on the marketplace"), max_length=40)
    tracking_number = models.CharField(_("tracking number"), max_length=64)
    status = models.CharField(max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "tracking_number"], name="shipment_notice_once_per_parcel")
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="shipment_notice_due_idx")]


class PlatformCarrier(models.Model):
    """How one platform names one of our carriers in its bulk-ship file and API
    (淘宝: ZTO, 拼多多: 中通快递…); defaults in marketplaces.carriers, editable here."""

    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="+", verbose_name=_("carrier"))
    code = models.CharField(_("code on the platform"), max_length=40)

    class Meta:
        verbose_name = _("carrier code on a platform")
        verbose_name_plural = _("carrier codes on platforms")
        constraints = [models.UniqueConstraint(fields=["platform", "carrier"], name="platform_carrier_unique")]


class Connection(models.Model):
    """A shop's marketplace connector: which adapter pulls its orders and takes its
    shipments, and how far the last pull got. Secrets come from settings, never here."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="marketplace_connection")
    adapter = models.CharField(_("connector"), max_length=30, default="simulated")
    is_active = models.BooleanField(_("in use"), default=True)
    pulls_orders = models.BooleanField(_("pull orders"), default=True)
    pushes_shipments = models.BooleanField(_("send shipments back"), default=True)
    pulled_until = models.DateTimeField(_("orders pulled up to"), null=True, blank=True)

    class Meta:
        verbose_name = _("marketplace connection")
        verbose_name_plural = _("marketplace connections")

    def __str__(self) -> str:
        return f"{self.shop} · {self.adapter}"
