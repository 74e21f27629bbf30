from __future__ import annotations

from datetime import timedelta

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


def default_shop() -> Shop:
    """The shop an order goes to when it names none; created on first use if missing."""
    shop = Shop.objects.filter(is_default=True).first()
    if shop is None:
        shop, _created = Shop.objects.get_or_create(
            code="main", defaults={"name": str(_("Main shop")), "platform": Platform.WEB, "is_default": True}
        )
    return shop
