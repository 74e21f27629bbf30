from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from sellerdesk.core import messages
from sellerdesk.core.addresses import canonical_division


class Carrier(models.Model):
    """An express company the seller ships with (顺丰速运, 中通快递…)."""

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    supports_cod = models.BooleanField(_("collects cash on delivery"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    # Which adapter (logistics.carriers) talks to the carrier's system.
    adapter = models.CharField(_("adapter"), max_length=30, default="simulated")
    max_weight_grams = models.PositiveIntegerField(_("heaviest parcel (g)"), null=True, blank=True)
    transit_days = models.PositiveSmallIntegerField(_("usual days in transit"), default=3)

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
    RATES_REPLACED = "rates_replaced", _("Cost table replaced")
    UPDATED = "updated", _("Carrier changed")


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


# --- carrier choice: cost table and per-shop rules -------------------------------------


class CarrierRate(models.Model):
    """What a carrier charges to one province (blank: everywhere not listed): the first
    weight (首重) for a fixed price, then a price per additional kilogram or part (续重)."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="rates")
    province = models.CharField(_("province"), max_length=20, blank=True)
    first_weight_grams = models.PositiveIntegerField(_("first weight (g)"), default=1000)
    first_price = models.DecimalField(_("first weight price"), max_digits=8, decimal_places=2)
    additional_price_per_kg = models.DecimalField(_("price per additional kg"), max_digits=8, decimal_places=2)

    class Meta:
        verbose_name = _("carrier rate")
        verbose_name_plural = _("carrier rates")
        ordering = ["carrier", "province"]
        constraints = [models.UniqueConstraint(fields=["carrier", "province"], name="carrier_rate_province_unique")]


class ChoiceStrategy(models.TextChoices):
    CHEAPEST = "cheapest", _("Cheapest")
    FASTEST = "fastest", _("Fastest")


class LogisticsSettings(models.Model):
    """How one shop chooses carriers and watches parcels; one row per shop, made on first use."""

    shop = models.OneToOneField("shops.Shop", on_delete=models.CASCADE, related_name="logistics_settings")
    strategy = models.CharField(
        _("prefer"), max_length=20, choices=ChoiceStrategy.choices, default=ChoiceStrategy.CHEAPEST
    )
    honour_requested_carrier = models.BooleanField(_("use the carrier the buyer asked for"), default=True)
    disabled_carriers = models.JSONField(_("carriers not used by this shop"), default=list, blank=True)
    stale_after_days = models.PositiveSmallIntegerField(
        _("no tracking update for (days)"), default=2, help_text=_("Seed 002: two days without an update.")
    )

    class Meta:
        verbose_name = _("logistics settings")
        verbose_name_plural = _("logistics settings")


# --- shipments and tracking -------------------------------------------------------------


class ShipmentStatus(models.TextChoices):
    # Asked of the carrier and not answered yet: the intent is committed before the call,
    # so a booking cut short by a crash is found and retried (logistics.booking).
    BOOKING_REQUESTED = "booking_requested", _("Booking requested")
    # The order was closed while its booking waited for the carrier: no label is printed
    # for it, and a parcel the carrier answers it booked is voided (logistics.booking).
    BOOKING_WITHDRAWN = "booking_withdrawn", _("Booking withdrawn")
    BOOKING_FAILED = "booking_failed", _("Booking failed")
    CREATED = "created", _("Label created")
    HANDED_OVER = "handed_over", _("Handed over")
    IN_TRANSIT = "in_transit", _("In transit")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    RETURNING = "returning", _("Returning to the seller")
    RETURNED = "returned", _("Returned")
    LOST = "lost", _("Lost")
    CANCELLED = "cancelled", _("Cancelled")
    INTERCEPTED = "intercepted", _("Intercepted")
    # An order shipped elsewhere, its parcel to be tracked: the carrier is asked for its
    # route data after the shipping commits (logistics.shipped_elsewhere).
    TRACKING_REQUESTED = "tracking_requested", _("Tracking requested")


class ShipmentDirection(models.TextChoices):
    OUTBOUND = "outbound", _("To the buyer")
    # An after-sales return coming back to the warehouse: tracked like any parcel, but its
    # delivery is the warehouse's receipt, never the order's.
    RETURN = "return", _("Back from the buyer")


class Shipment(models.Model):
    """One parcel of an order with one carrier (运单): its tracking number and the label
    data the carrier returned."""

    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="shipments")
    direction = models.CharField(
        _("direction"), max_length=10, choices=ShipmentDirection.choices, default=ShipmentDirection.OUTBOUND
    )
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="shipments")
    # Blank until the carrier answers a booking.
    tracking_number = models.CharField(_("tracking number"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=ShipmentStatus.choices)
    label = models.JSONField(_("label data"), default=dict, blank=True)
    # What the carrier returned for its own use (its order id, route); passed back to it.
    carrier_data = models.JSONField(default=dict, blank=True)
    cod_amount = models.DecimalField(_("cash on delivery"), max_digits=12, decimal_places=2, default=0)
    weight_grams = models.PositiveIntegerField(_("weight (g)"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    handed_over_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    is_intercepted = models.BooleanField(_("intercepted (截单)"), default=False)
    last_event_at = models.DateTimeField(_("last tracking update"), null=True, blank=True)
    # The booking: the key sent to the carrier with every attempt (the carrier books once
    # per key), what was asked (a retry asks the same), when the current attempt began
    # (a booking left requested longer than the grace period is retried by the worker),
    # and why the carrier refused, if it did ({"code", "message"}). A tracking request
    # keeps its request to the carrier and its attempt's start in the same fields.
    idempotency_key = models.CharField(max_length=100, unique=True, null=True, blank=True)
    booking_request = models.JSONField(default=dict, blank=True)
    booking_requested_at = models.DateTimeField(null=True, blank=True)
    booking_error = models.JSONField(default=dict, blank=True)
    # Stopping an intercepted parcel at the carrier, after the commit that intercepted it:
    # set while the carrier is still to be told (a worker tells it if the process died
    # first), cleared when it confirmed (carrier_stopped_at) or refused (in the log).
    carrier_stop_requested_at = models.DateTimeField(null=True, blank=True)
    carrier_stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["carrier", "tracking_number"],
                condition=~models.Q(tracking_number=""),
                name="shipment_tracking_unique",
            )
        ]
        indexes = [
            models.Index(fields=["status", "last_event_at"], name="shipment_status_last_idx"),
            # The order search by a parcel's tracking number, whatever its carrier (the
            # unique constraint leads with the carrier).
            models.Index(fields=["tracking_number"], name="shipment_tracking_idx"),
            # The dashboards' parcels delivered per day (analytics.facts).
            models.Index(
                fields=["delivered_at"],
                condition=models.Q(delivered_at__isnull=False),
                name="shipment_delivered_at_idx",
            ),
            models.Index(
                fields=["booking_requested_at"],
                condition=models.Q(status__in=["booking_requested", "booking_withdrawn", "tracking_requested"]),
                name="shipment_carrier_pending_idx",
            ),
            models.Index(
                fields=["carrier_stop_requested_at"],
                condition=models.Q(carrier_stop_requested_at__isnull=False),
                name="shipment_stop_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.tracking_number}"

    @property
    def booking_error_text(self) -> str:
        """Why the booking was refused, in the reader's language (a carrier's words as they came)."""
        if not self.booking_error:
            return ""
        return messages.stored_text(str(self.booking_error.get("message", "")), self.booking_error.get("message_data"))


class SimulatedBooking(models.Model):
    """The simulated carrier's own books (carriers.simulated): each parcel it booked, by
    the idempotency key its client sent. A key seen again answers with the same parcel
    instead of booking a second one, as a real carrier's system does."""

    carrier = models.ForeignKey(Carrier, on_delete=models.CASCADE, related_name="+")
    idempotency_key = models.CharField(max_length=100)
    tracking_number = models.CharField(max_length=64)
    label = models.JSONField(default=dict)
    carrier_data = models.JSONField(default=dict)
    # How many times the key was sent (1: booked and never asked again).
    requests = models.PositiveIntegerField(default=1)
    booked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["carrier", "idempotency_key"], name="simulated_booking_key_unique")
        ]


class TrackingKind(models.TextChoices):
    PICKED_UP = "picked_up", _("Picked up")
    DEPARTED = "departed", _("Left a sorting centre")
    ARRIVED = "arrived", _("Arrived at a sorting centre")
    OUT_FOR_DELIVERY = "out_for_delivery", _("Out for delivery")
    DELIVERED = "delivered", _("Delivered")
    DELAYED_WEATHER = "delayed_weather", _("Delayed by weather")
    DELAYED_ACCIDENT = "delayed_accident", _("Delayed by an accident")
    OVERLOAD = "overload", _("Sorting centre overloaded (爆仓)")
    OUT_OF_AREA = "out_of_area", _("Outside the service area (超区)")
    LOST = "lost", _("Lost")
    DAMAGED = "damaged", _("Damaged")
    REFUSED = "refused", _("Refused by the buyer (拒收)")
    RETURNING = "returning", _("Returning to the seller")
    RETURNED = "returned", _("Returned to the seller")


class TrackingEvent(models.Model):
    """One scan the carrier reported, by webhook or polling; the carrier's id makes a repeat harmless."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="tracking_events")
    carrier = models.ForeignKey(Carrier, on_delete=models.PROTECT, related_name="+")
    carrier_event_id = models.CharField(max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=TrackingKind.choices)
    at = models.DateTimeField(_("at"))
    location = models.CharField(_("where"), max_length=100, blank=True)
    description = models.CharField(_("description"), max_length=300, blank=True)
    source = models.CharField(max_length=10)  # webhook | poll | demo
    received_at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "carrier_event_id"], name="tracking_event_carrier_id_unique")
        ]


class ShipmentLogType(models.TextChoices):
    BOOKING_FAILED = "booking_failed", _("Booking failed")
    BOOKING_WITHDRAWN = "booking_withdrawn", _("Booking withdrawn")
    CREATED = "created", _("Shipment created")
    CARRIER_REFUSED_STOP = "carrier_refused_stop", _("The carrier refused to stop it")
    HANDED_OVER = "handed_over", _("Handed over")
    CANCELLED = "cancelled", _("Cancelled")
    INTERCEPTED = "intercepted", _("Intercepted")
    STATUS_CHANGED = "status_changed", _("Status changed")


class ShipmentLog(models.Model):
    """The audit trail of a shipment: who did what, when, before and after."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="log")
    type = models.CharField(max_length=20, choices=ShipmentLogType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # data["reason"]: what a person (or a carrier) wrote, or the code and parameters of a
    # reason the system gives (an order's close reason), rendered when read (core.messages).
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]

    @property
    def reason_text(self) -> str:
        """Why, in the reader's language (a typed or a carrier's reason as written)."""
        return messages.text(self.data.get("reason"))


# --- the exception desk -------------------------------------------------------------------


class ExceptionKind(models.TextChoices):
    NO_UPDATE = "no_update", _("No tracking update")
    OUT_OF_AREA = "out_of_area", _("Outside the service area (超区)")
    OVERLOAD = "overload", _("Warehouse overload (爆仓)")
    WEATHER = "weather", _("Weather delay")
    ACCIDENT = "accident", _("Accident delay")
    LOST = "lost", _("Lost parcel")
    DAMAGED = "damaged", _("Damaged parcel")
    REFUSED = "refused", _("Refused COD parcel coming back (拒收)")


class ExceptionOutcome(models.TextChoices):
    RESHIP = "reship", _("Reship")
    FORWARD = "forward", _("Forward with another carrier (extra fee)")
    REFUND = "refund", _("Refund")
    WAIT = "wait", _("Wait for the carrier")


class LogisticsException(models.Model):
    """A parcel in trouble (疑难件) on the exception desk: detected, assigned to an agent,
    the buyer contacted, the outcome recorded, closed."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="exceptions")
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="logistics_exceptions")
    kind = models.CharField(_("kind"), max_length=20, choices=ExceptionKind.choices)
    detail = models.CharField(_("what happened"), max_length=300)
    suggestion = models.TextField(_("suggested action"))
    # What the system worded (a detail, the suggestion for the kind) is a code and
    # parameters, rendered when read (core.messages); the text fields keep a carrier's words.
    detail_data = models.JSONField(default=dict, blank=True)
    suggestion_data = models.JSONField(default=dict, blank=True)
    # The tracking event that raised it (none for "no update").
    trigger = models.OneToOneField(
        TrackingEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="exception"
    )
    detected_at = models.DateTimeField(_("detected at"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assigned to"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    contacted_at = models.DateTimeField(_("buyer contacted at"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=ExceptionOutcome.choices, blank=True)
    outcome_note = models.CharField(_("outcome note"), max_length=500, blank=True)
    extra_fee = models.DecimalField(_("extra fee"), max_digits=10, decimal_places=2, null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("logistics exception")
        verbose_name_plural = _("logistics exceptions")
        ordering = ["-detected_at", "-pk"]
        indexes = [models.Index(fields=["closed_at", "kind"], name="logistics_exc_open_kind_idx")]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def detail_text(self) -> str:
        """What happened, in the reader's language (a carrier's words as they came)."""
        return messages.stored_text(self.detail, self.detail_data)

    @property
    def suggestion_text(self) -> str:
        """The suggested action, in the reader's language."""
        return messages.stored_text(self.suggestion, self.suggestion_data)


class ExceptionLogType(models.TextChoices):
    DETECTED = "detected", _("Detected")
    ASSIGNED = "assigned", _("Assigned")
    CONTACTED = "contacted", _("Buyer contacted")
    RESOLVED = "resolved", _("Resolved")


class ExceptionLog(models.Model):
    """The audit trail of an exception."""

    exception = models.ForeignKey(LogisticsException, on_delete=models.CASCADE, related_name="log")
    type = models.CharField(max_length=20, choices=ExceptionLogType.choices)
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "pk"]
