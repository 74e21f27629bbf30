from django.contrib import admin

from sellerdesk.shops.models import Shop, ShopAccess

admin.site.register(Shop, list_display=("code", "name", "platform", "is_default", "payment_window_days"))
# Which shops a staff user is limited to (the owner's Staff page edits them too).
admin.site.register(ShopAccess, list_display=("user", "shop"), list_filter=("shop",))

# A shop's ReviewSettings are edited with the review rules they switch: orders/admin.py.
