from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.shops.models import Shop


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
