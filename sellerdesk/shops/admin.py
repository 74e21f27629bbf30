from django.contrib import admin

from sellerdesk.shops.models import Shop

admin.site.register(Shop, list_display=("code", "name", "platform", "is_default", "payment_window_days"))

# A shop's ReviewSettings are edited with the review rules they switch: orders/admin.py.
