from django.contrib import admin

from sellerdesk.notifications.models import OutgoingMessage

admin.site.register(
    OutgoingMessage,
    list_display=("order", "kind", "channel", "recipient", "status", "created_at"),
    list_filter=("kind", "channel", "status"),
    search_fields=("order__number", "recipient"),
)
