"""Ratings (评价) of completed orders by the buyer and by the seller."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RatingSide(models.TextChoices):
    BUYER = "buyer", _("Buyer rates the seller")
    SELLER = "seller", _("Seller rates the buyer")


class Score(models.TextChoices):
    GOOD = "good", _("Positive (好评)")
    NEUTRAL = "neutral", _("Neutral (中评)")
    BAD = "bad", _("Negative (差评)")


class Rating(models.Model):
    """One side's rating of a completed order; `is_default` when the window closed and
    only the other side had rated (the default positive rating)."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="ratings")
    side = models.CharField(_("side"), max_length=10, choices=RatingSide.choices)
    score = models.CharField(_("score"), max_length=10, choices=Score.choices)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    is_default = models.BooleanField(_("default rating"), default=False)
    rated_at = models.DateTimeField(_("rated at"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["-rated_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["order", "side"], name="rating_one_per_side")]
