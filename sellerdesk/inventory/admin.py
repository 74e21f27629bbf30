from django.contrib import admin

from sellerdesk.inventory.models import Bin, StockCount, StockLevel, StockMovement, Transfer, Warehouse

admin.site.register(Warehouse, list_display=("code", "name", "is_default", "priority"))
admin.site.register(
    Bin, list_display=("code", "warehouse", "zone", "route_order", "is_active"), list_filter=("warehouse",)
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Stock changes only through actions (and the /stock/ screens), so that the ledger stays complete."""

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdmin):
    list_display = ("sku", "warehouse", "on_hand", "reserved", "in_transit", "defective", "presale_reserved")
    list_filter = ("warehouse",)
    search_fields = ("sku__code",)


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("at", "sku", "warehouse", "kind", "on_hand_delta", "reserved_delta", "in_transit_delta", "document")
    list_filter = ("kind", "warehouse")
    search_fields = ("sku__code", "document")


@admin.register(Transfer)
class TransferAdmin(ReadOnlyAdmin):
    list_display = ("number", "from_warehouse", "to_warehouse", "status", "created_at")
    list_filter = ("status",)
    search_fields = ("number", "for_order")


@admin.register(StockCount)
class StockCountAdmin(ReadOnlyAdmin):
    list_display = ("number", "warehouse", "status", "created_at", "posted_at")
    list_filter = ("status",)
    search_fields = ("number",)
