"""Read-only admin of purchasing: every change goes through the actions (and the
/purchasing/ screens), so that stock in transit and the receipts stay consistent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from sellerdesk.purchasing.models import PurchaseOrder, PurchaseOrderLine, Receipt, ReceiptLine, Supplier, SupplierSku


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False


class SupplierSkuInline(ReadOnlyInline):
    model = SupplierSku
    fields = ("sku", "supplier_code", "cost", "min_order_quantity", "is_preferred", "is_dropship", "restock_date")


@admin.register(Supplier)
class SupplierAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "contact_name", "phone", "lead_time_days", "is_overseas", "is_active")
    list_filter = ("is_overseas", "is_active")
    search_fields = ("code", "name")
    inlines = [SupplierSkuInline]


class LineInline(ReadOnlyInline):
    model = PurchaseOrderLine
    fields = ("sku", "quantity", "unit_cost", "received_good", "received_damaged")


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(ReadOnlyAdmin):
    list_display = ("number", "supplier", "kind", "status", "warehouse", "expected_at", "created_at")
    list_filter = ("status", "kind", "supplier")
    search_fields = ("number",)
    inlines = [LineInline]


class ReceiptLineInline(ReadOnlyInline):
    model = ReceiptLine
    fields = ("line", "good", "damaged", "over", "reason", "bin")


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = ("number", "purchase_order", "received_at", "received_by")
    search_fields = ("number", "purchase_order__number")
    inlines = [ReceiptLineInline]
