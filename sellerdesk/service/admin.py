from django.contrib import admin

from sellerdesk.service.models import Mailbox

# The shops' inbound email addresses (`sellerdesk mailin` receives for them).
admin.site.register(Mailbox, list_display=("address", "shop"), list_filter=("shop",), search_fields=("address",))
