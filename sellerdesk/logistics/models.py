from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.addresses import canonical_division


class Carrier(models.Model):
    """An express company the seller ships with (顺丰速运, 中通快递…)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    supports_cod = models.BooleanField(_("collects cash on delivery"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("carrier")
        verbose_name_plural = _("carriers")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class CarrierCoverage(models.Model):
    """One area a carrier serves, or with `is_excluded` does not serve (超区) inside a
    served area. A blank city means the whole province, a blank district the whole city;
    the most specific rule matching an address decides."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="coverage")
    province = models.CharField(_("province"), max_length=20)
    city = models.CharField(_("city"), max_length=30, blank=True)
    district = models.CharField(_("district"), max_length=30, blank=True)
    is_excluded = models.BooleanField(_("not served (超区)"), default=False)

    class Meta:
        verbose_name = _("carrier coverage")
        verbose_name_plural = _("carrier coverage")
        ordering = ["carrier", "province", "city", "district"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "province", "city", "district"], name="carrier_coverage_area_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(city="", district__gt=""), name="carrier_coverage_district_needs_city"
            ),
        ]

    def __str__(self) -> str:
        return f"{'-' if self.is_excluded else '+'} {self.area}"

    @property
    def area(self) -> str:
        return " ".join(part for part in (self.province, self.city, self.district) if part)

    def clean(self) -> None:
        """The admin's check: real divisions, written in full."""
        if self.district and not self.city:
            raise ValidationError({"city": _("Give the city of the district.")})
        area = canonical_division(self.province, self.city, self.district)
        if area is None:
            raise ValidationError(_("%(area)s is not a real area of China.") % {"area": self.area})
        self.province, self.city, self.district = area.province, area.city, area.district


class CarrierEventType(models.TextChoices):
    CREATED = "created", _("Carrier added")
    COVERAGE_REPLACED = "coverage_replaced", _("Coverage replaced")


class CarrierEvent(models.Model):
    """The audit trail of carrier settings: who changed what, when, before and after."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="events")
    type = models.CharField(max_length=30, choices=CarrierEventType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
