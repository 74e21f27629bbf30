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

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(fields=["shop", "identity"], name="customer_shop_identity_unique"),
        ]

    def __str__(self) -> str:
        return self.nickname or self.name


def customer_identity(*, nickname: str, phone: str) -> str:
    return nickname if nickname else f"tel:{phone}"


class CustomerEventType(models.TextChoices):
    PROFILE_CHANGED = "profile_changed", _("Profile or terms changed")


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
