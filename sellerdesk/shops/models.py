from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Platform(models.TextChoices):
    TAOBAO = "taobao", _("Taobao")
    TMALL = "tmall", _("Tmall")
    JD = "jd", _("JD")
    PINDUODUO = "pinduoduo", _("Pinduoduo")
    WEB = "web", _("Own web shop")
    OTHER = "other", _("Other")


class Shop(models.Model):
    """A sales channel of the seller: one marketplace store or the own web shop.

    Time settings left empty fall back to the defaults in settings.SELLERDESK.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices, default=Platform.WEB)
    is_default = models.BooleanField(_("default shop"), default=False)
    payment_window_days = models.PositiveSmallIntegerField(_("days to pay"), null=True, blank=True)
    auto_confirm_express_days = models.PositiveSmallIntegerField(
        _("days to auto-confirm receipt (express)"), null=True, blank=True
    )
    auto_confirm_post_days = models.PositiveSmallIntegerField(
        _("days to auto-confirm receipt (post)"), null=True, blank=True
    )
    # How approved orders pick a warehouse: a name registered in allocation.
    allocation_strategy = models.CharField(_("allocation strategy"), max_length=40, default="region_priority")
    # B2B shops allocate short stock to customers by rank rather than first come, first served.
    is_b2b = models.BooleanField(_("B2B (wholesale)"), default=False)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=models.Q(is_default=True), name="one_default_shop")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def payment_window(self) -> timedelta:
        days = self.payment_window_days or settings.SELLERDESK["PAYMENT_WINDOW_DAYS"]
        return timedelta(days=days)

    def auto_confirm_after(self, shipping_method: str) -> timedelta:
        if shipping_method == "post":
            days = self.auto_confirm_post_days or settings.SELLERDESK["AUTO_CONFIRM_POST_DAYS"]
        else:
            days = self.auto_confirm_express_days or settings.SELLERDESK["AUTO_CONFIRM_EXPRESS_DAYS"]
        return timedelta(days=days)


class ReviewSettings(models.Model):
    """How a shop's orders are reviewed (审单); one row per shop, made on first use."""

    shop = models.OneToOneField(Shop, on_delete=models.CASCADE, related_name="review_settings")
    hold_buffer_minutes = models.PositiveIntegerField(
        _("hold buffer (minutes)"),
        default=30,
        help_text=_("A paid order waits this long before automatic review, so buyers' quick changes can be made."),
    )
    auto_approve = models.BooleanField(_("approve clean orders automatically"), default=True)
    disabled_rules = models.JSONField(
        _("rules switched off"), default=list, blank=True, help_text=_("Codes of the review rules not to run.")
    )
    max_order_total = models.DecimalField(
        _("hold orders above this total"), max_digits=14, decimal_places=2, default=Decimal("5000.00")
    )
    max_total_quantity = models.PositiveIntegerField(_("hold orders above this many items"), default=50)
    cod_orders_per_day_new_buyer = models.PositiveIntegerField(
        _("COD orders per day for a buyer without a completed order"), default=1
    )
    merge_automatically = models.BooleanField(
        _("merge a buyer's open orders automatically"),
        default=False,
        help_text=_("Open orders of one buyer to one address, placed within the merge window, become one order."),
    )
    merge_window_hours = models.PositiveIntegerField(
        _("merge window (hours)"),
        default=24,
        help_text=_("Orders placed this close together are offered for merging (合单)."),
    )

    class Meta:
        verbose_name = _("review settings")
        verbose_name_plural = _("review settings")

    def __str__(self) -> str:
        return str(self.shop)

    @property
    def hold_buffer(self) -> timedelta:
        return timedelta(minutes=self.hold_buffer_minutes)

    @property
    def merge_window(self) -> timedelta:
        return timedelta(hours=self.merge_window_hours)

    def is_enabled(self, rule_code: str) -> bool:
        return rule_code not in (self.disabled_rules or [])


def review_settings_for(shop_ids: list[int]) -> dict[int, ReviewSettings]:
    """The review settings of these shops, creating the missing ones with the defaults."""
    found = {row.shop_id: row for row in ReviewSettings.objects.filter(shop_id__in=shop_ids)}
    missing = [shop_id for shop_id in set(shop_ids) if shop_id not in found]
    for shop_id in missing:
        found[shop_id], _created = ReviewSettings.objects.get_or_create(shop_id=shop_id)
    return found


def default_shop() -> Shop:
    """The shop an order goes to when it names none; created on first use if missing."""
    shop = Shop.objects.filter(is_default=True).first()
    if shop is None:
        shop, _created = Shop.objects.get_or_create(
            code="main", defaults={"name": str(_("Main shop")), "platform": Platform.WEB, "is_default": True}
        )
    return shop


class ShopAccess(models.Model):
    """A staff user limited to some shops: one row per shop the user may see. A user with
    no row sees every shop (as before this table existed). See shops.access."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shop_access")
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+")

    class Meta:
        verbose_name = _("shop access")
        verbose_name_plural = _("shop access")
        constraints = [models.UniqueConstraint(fields=["user", "shop"], name="shop_access_user_shop_unique")]

    def __str__(self) -> str:
        return f"{self.user} → {self.shop}"
