"""Bookings withdrawn with their closed order (a status and a log entry), and tracking
requested for orders shipped elsewhere (a status); the index of what awaits the carrier
covers all three statuses."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("logistics", "0006_carrier_stop"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="shipment",
            name="shipment_booking_pending_idx",
        ),
        migrations.AlterField(
            model_name="shipment",
            name="status",
            field=models.CharField(
                choices=[
                    ("booking_requested", "Booking requested"),
                    ("booking_withdrawn", "Booking withdrawn"),
                    ("booking_failed", "Booking failed"),
                    ("created", "Label created"),
                    ("handed_over", "Handed over"),
                    ("in_transit", "In transit"),
                    ("out_for_delivery", "Out for delivery"),
                    ("delivered", "Delivered"),
                    ("returning", "Returning to the seller"),
                    ("returned", "Returned"),
                    ("lost", "Lost"),
                    ("cancelled", "Cancelled"),
                    ("intercepted", "Intercepted"),
                    ("tracking_requested", "Tracking requested"),
                ],
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="shipmentlog",
            name="type",
            field=models.CharField(
                choices=[
                    ("booking_failed", "Booking failed"),
                    ("booking_withdrawn", "Booking withdrawn"),
                    ("created", "Shipment created"),
                    ("carrier_refused_stop", "The carrier refused to stop it"),
                    ("handed_over", "Handed over"),
                    ("cancelled", "Cancelled"),
                    ("intercepted", "Intercepted"),
                    ("status_changed", "Status changed"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="shipment",
            index=models.Index(
                condition=models.Q(("status__in", ["booking_requested", "booking_withdrawn", "tracking_requested"])),
                fields=["booking_requested_at"],
                name="shipment_carrier_pending_idx",
            ),
        ),
    ]
