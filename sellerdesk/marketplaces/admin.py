from django.contrib import admin

from sellerdesk.marketplaces.models import Connection, PlatformCarrier


@admin.register(PlatformCarrier)
class PlatformCarrierAdmin(admin.ModelAdmin):
    list_display = ("platform", "carrier", "code")
    list_filter = ("platform",)


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("shop", "adapter", "is_active", "pulls_orders", "pushes_shipments", "pulled_until")
