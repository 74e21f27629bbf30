from django.contrib import admin

from sellerdesk.payments.models import Payment

admin.site.register(
    Payment,
    list_display=("order", "kind", "amount", "method", "reference", "received_at"),
    search_fields=("order__number", "reference"),
)
