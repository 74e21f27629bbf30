from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _


class Product(models.Model):
    """What the shop sells (a style); its SKUs are the sellable variants (colour × size)."""

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")

    def __str__(self) -> str:
        return self.name


class Sku(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, null=True, blank=True, related_name="skus")
    code = models.CharField(_("SKU code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    price = models.DecimalField(_("list price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)])
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    barcode = models.CharField(_("barcode"), max_length=64, unique=True, null=True, blank=True)
    is_active = models.BooleanField(_("on sale"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("SKU")
        verbose_name_plural = _("SKUs")
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="sku_price_not_negative")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def attributes_text(self) -> str:
        return " ".join(f"{key}:{value}" for key, value in self.attributes.items())
