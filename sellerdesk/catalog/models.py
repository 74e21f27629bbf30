from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# How sellers list a variant's attributes: colour before size, as on Taobao's SKU picker.
ATTRIBUTE_ORDER = {name: index for index, name in enumerate(["颜色", "色号", "尺码", "规格", "款式"])}


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
    # 预售: sold ahead of stock, reserved against units in transit, shipped by this date.
    is_presale = models.BooleanField(_("presale"), default=False)
    presale_ship_by = models.DateField(_("presale ships by"), null=True, blank=True)
    # Fulfilled by a supplier (分销/代销): no stock of ours is reserved; see purchasing.dropship.
    is_dropship = models.BooleanField(_("dropship"), default=False)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
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
        """The attributes as people read them ("颜色:红 尺码:M"): the usual ones first, in the
        order sellers write them, then the rest by name (PostgreSQL's jsonb does not keep the
        order keys were written in)."""
        keys = sorted(self.attributes, key=lambda key: (ATTRIBUTE_ORDER.get(key, len(ATTRIBUTE_ORDER)), key))
        return " ".join(f"{key}:{self.attributes[key]}" for key in keys)


class PriceList(models.Model):
    """Prices for a customer level and/or a shop, in quantity tiers (阶梯价).

    An empty shop means every shop, an empty level every customer. The quote for a line
    comes from the most specific list that prices its SKU at its quantity (see
    catalog.pricing.queries). Valid from `valid_from` (inclusive) until `valid_to`
    (exclusive); either may be open.
    """

    name = models.CharField(_("name"), max_length=100)
    shop = models.ForeignKey(
        "shops.Shop",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="price_lists",
        verbose_name=_("shop"),
    )
    level = models.ForeignKey(
        "customers.CustomerLevel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="price_lists",
        verbose_name=_("customer level"),
    )
    valid_from = models.DateTimeField(_("valid from"), null=True, blank=True)
    valid_to = models.DateTimeField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("price list")
        verbose_name_plural = _("price lists")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gt=models.F("valid_from")),
                name="price_list_valid_to_after_from",
            )
        ]

    def __str__(self) -> str:
        return self.name


class PriceListItem(models.Model):
    """One tier: from `min_quantity` up to the next tier's min_quantity - 1, `unit_price` each."""

    # Indexed by the (price_list, sku, min_quantity) unique constraint.
    price_list = models.ForeignKey(PriceList, on_delete=models.CASCADE, related_name="items", db_index=False)
    sku = models.ForeignKey(Sku, on_delete=models.PROTECT, related_name="price_list_items", verbose_name=_("SKU"))
    min_quantity = models.PositiveIntegerField(_("from quantity"), default=1, validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(
        _("unit price"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("price tier")
        verbose_name_plural = _("price tiers")
        ordering = ["price_list", "sku", "min_quantity"]
        constraints = [
            models.UniqueConstraint(fields=["price_list", "sku", "min_quantity"], name="price_list_item_tier_unique"),
            models.CheckConstraint(condition=models.Q(min_quantity__gte=1), name="price_list_item_min_quantity_1"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="price_list_item_price_not_negative"),
        ]
