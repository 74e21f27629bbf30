from django.contrib import admin

from sellerdesk.customers.models import Customer

admin.site.register(
    Customer,
    list_display=("shop", "nickname", "name", "phone", "order_count", "total_spent"),
    search_fields=("nickname", "name", "phone"),
)
