from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.shops.models import Shop


class CustomerLevel(models.Model):
    """A customer tier (会员等级: 普通会员, 银卡, 金卡, 批发客户) of one shop, or of every shop
    when `shop` is empty. Price lists are written per level."""

    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="customer_levels", verbose_name=_("shop")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=50)
    # Higher is better; lists and menus sort by it.
    rank = models.PositiveSmallIntegerField(_("rank"), default=0)
    # Thresholds that move a customer up to this level automatically (customers.tiers):
    # reached when the customer has spent at least `min_spent` OR placed `min_orders`.
    # Both empty: the level is given by hand only.
    min_spent = models.DecimalField(
        _("spent at least"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    min_orders = models.PositiveIntegerField(_("orders at least"), null=True, blank=True)

    class Meta:
        verbose_name = _("customer level")
        verbose_name_plural = _("customer levels")
        ordering = ["rank", "code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shop", "code"], condition=models.Q(shop__isnull=False), name="customer_level_shop_code_unique"
            ),
            models.UniqueConstraint(
                fields=["code"], condition=models.Q(shop__isnull=True), name="customer_level_global_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TransportMode(models.TextChoices):
    """How goods reach the customer (seed 000: 适合的运输方式、车辆形态)."""

    EXPRESS = "express", _("Express parcel")
    POST = "post", _("Post")
    FREIGHT = "freight", _("Freight (less than truckload)")
    TRUCK = "truck", _("Dedicated truck")
    PICKUP = "pickup", _("Picked up by the customer")


class CustomerTag(models.Model):
    """A label a seller puts on customers (会员标签): "VIP", "爱砍价", "批发意向" …"""

    name = models.CharField(_("name"), max_length=40, unique=True)
    color = models.CharField(_("colour"), max_length=7, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("customer tag")
        verbose_name_plural = _("customer tags")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    """A buyer of one shop, found or created from each order's buyer.

    Marketplace buyers are known by their nickname (旺旺名); otherwise by phone.
    """

    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="customers")
    # How the shop recognises the buyer: the nickname, or "tel:" + phone when there is none.
    identity = models.CharField(max_length=120, editable=False)
    nickname = models.CharField(_("nickname"), max_length=100, blank=True)
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32, blank=True, db_index=True)
    order_count = models.PositiveIntegerField(_("orders"), default=0)
    total_spent = models.DecimalField(_("total spent"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created_at = models.DateTimeField(auto_now_add=True)

    # Profile and B2B terms (C12). The intake hot path (actions.count_order_of_buyer) inserts
    # customers with raw SQL naming only the columns above, so every field below is
    # nullable or has a database default.
    level = models.ForeignKey(
        CustomerLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="customers",
        verbose_name=_("level"),
    )
    is_b2b = models.BooleanField(_("business customer"), default=False, db_default=False)
    # 0 means no credit: every order must be paid before it is shipped.
    credit_limit = models.DecimalField(
        _("credit limit"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        db_default=Decimal("0.00"),
        validators=[MinValueValidator(0)],
    )
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=0, db_default=0)
    discount_note = models.CharField(_("discount terms"), max_length=200, blank=True, default="", db_default="")
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agent in charge"),
    )
    delivery_area = models.CharField(_("delivery area"), max_length=100, blank=True, default="", db_default="")
    unloading_notes = models.CharField(_("unloading notes"), max_length=300, blank=True, default="", db_default="")
    delivery_requirements = models.CharField(
        _("delivery requirements"), max_length=300, blank=True, default="", db_default=""
    )
    delayed_order_handling = models.CharField(
        _("if an order is delayed"), max_length=300, blank=True, default="", db_default=""
    )

    # CRM (issue 15). Same rule as above: nullable or with a database default.
    # The seller's own customer number (客户编号); empty: shown as C + id (display_number).
    number = models.CharField(_("customer number"), max_length=30, blank=True, default="", db_default="")
    # Where the customer comes in the delivery round (客户配送路径的顺序), lowest first.
    route_order = models.PositiveIntegerField(_("route order"), null=True, blank=True)
    transport_mode = models.CharField(
        _("transport mode"), max_length=20, choices=TransportMode.choices, blank=True, default="", db_default=""
    )
    vehicle = models.CharField(_("vehicle"), max_length=50, blank=True, default="", db_default="")
    # The last order placed (intake keeps it, customers.actions.count_order_of_buyer):
    # the recency of segments ("not in 90 days").
    last_order_at = models.DateTimeField(_("last order"), null=True, blank=True)
    # A level given by hand that the automatic tiers must not move, and why.
    level_locked = models.BooleanField(_("level set by hand"), default=False, db_default=False)
    level_reason = models.CharField(_("why this level"), max_length=200, blank=True, default="", db_default="")
    tags = models.ManyToManyField(CustomerTag, blank=True, related_name="customers", verbose_name=_("tags"))
    # A duplicate merged into another customer of the same shop (crm.merging): it keeps
    # its identity so that new orders of that identity reach the customer it was merged into.
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_from",
        verbose_name=_("merged into"),
    )

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["shop", "identity"], name="customer_shop_identity_unique"),
            models.UniqueConstraint(
                fields=["shop", "number"], condition=~models.Q(number=""), name="customer_shop_number_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["shop", "last_order_at"], name="customer_shop_last_order_idx"),
            models.Index(fields=["nickname"], name="customer_nickname_idx"),
        ]

    def __str__(self) -> str:
        return self.nickname or self.name

    @property
    def display_number(self) -> str:
        """The seller's customer number, else C + the id padded to six digits."""
        return self.number or f"C{self.pk:06d}"


class CustomerAddress(models.Model):
    """One address of the customer's address book (收货地址): the orders' addresses are
    copies; this is what an agent picks from when entering an order."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="addresses")
    label = models.CharField(_("label"), max_length=40, blank=True)
    name = models.CharField(_("recipient"), max_length=100)
    phone = models.CharField(_("phone"), max_length=32)
    province = models.CharField(_("province"), max_length=50)
    city = models.CharField(_("city"), max_length=50)
    district = models.CharField(_("district"), max_length=50, blank=True)
    detail = models.CharField(_("street address"), max_length=300)
    is_default = models.BooleanField(_("default"), default=False)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("customer address")
        verbose_name_plural = _("customer addresses")
        ordering = ["-is_default", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=models.Q(is_default=True), name="customer_address_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.province}{self.city}{self.district}{self.detail}"


class CustomerNote(models.Model):
    """A note about the customer written by staff (对不同买家进行不同备注)."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.CharField(_("note"), max_length=1000)
    pinned = models.BooleanField(_("pinned"), default=False)
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("customer note")
        verbose_name_plural = _("customer notes")
        ordering = ["-pinned", "-at", "-pk"]


class CustomerGroup(models.Model):
    """A buyer group (买家群 / 会员群) the seller keeps by hand, e.g. the WeChat group of
    regular buyers: a named list of customers, unlike a segment, which is a rule."""

    name = models.CharField(_("name"), max_length=60, unique=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    members = models.ManyToManyField(Customer, blank=True, related_name="groups", verbose_name=_("members"))
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("buyer group")
        verbose_name_plural = _("buyer groups")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


def customer_identity(*, nickname: str, phone: str) -> str:
    return nickname if nickname else f"tel:{phone}"


class CustomerEventType(models.TextChoices):
    PROFILE_CHANGED = "profile_changed", _("Profile or terms changed")
    LEVEL_CHANGED = "level_changed", _("Level changed")
    TAGGED = "tagged", _("Tag added")
    UNTAGGED = "untagged", _("Tag removed")
    NOTE_ADDED = "note_added", _("Note added")
    ADDRESS_ADDED = "address_added", _("Address added")
    ADDRESS_CHANGED = "address_changed", _("Address changed")
    ADDRESS_REMOVED = "address_removed", _("Address removed")
    GROUP_JOINED = "group_joined", _("Added to a buyer group")
    GROUP_LEFT = "group_left", _("Removed from a buyer group")
    IMPORTED = "imported", _("Imported")
    # On the customer kept: other customers merged into it; on each duplicate: merged away.
    MERGED = "merged", _("Duplicates merged in")
    MERGED_INTO = "merged_into", _("Merged into another customer")


class CustomerEvent(models.Model):
    """The customer's audit trail, like OrderEvent: who changed what, when, before and after."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="events", db_index=False)
    type = models.CharField(max_length=30, choices=CustomerEventType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["customer", "at"], name="customer_event_customer_at_idx")]
