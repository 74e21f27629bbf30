from django.contrib import admin

from sellerdesk.inventory.models import StockLevel, StockMovement, Warehouse

admin.site.register(Warehouse, list_display=("code", "name", "is_default"))


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ("sku", "warehouse", "on_hand", "reserved")
    search_fields = ("sku__code",)
    # Stock changes only through actions, so that the ledger stays complete.
    readonly_fields = ("sku", "warehouse", "on_hand", "reserved")


@admin.register(StockMovement)
class StockMovementAdmin(admin.ModelAdmin):
    list_display = ("at", "sku", "warehouse", "kind", "on_hand_delta", "reserved_delta", "document")
    list_filter = ("kind",)
    search_fields = ("sku__code", "document")

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
