from django.contrib import admin

from sellerdesk.orders.models import Order, OrderEvent, OrderLine, OrderNote


class LineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = [field.name for field in OrderLine._meta.fields]


class EventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    readonly_fields = ("type", "at", "actor", "data")


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Raw data, read-only: orders change only through actions (and the staff UI)."""

    list_display = ("number", "shop", "status", "payment_status", "buyer_name", "total", "created_at")
    list_filter = ("status", "payment_status", "shop")
    search_fields = ("number", "external_id", "buyer_name", "buyer_phone", "tracking_number")
    inlines = [LineInline, EventInline]

    def get_readonly_fields(self, request, obj=None):  # type: ignore[no-untyped-def]
        return [field.name for field in Order._meta.fields]


admin.site.register(OrderNote, list_display=("order", "author", "text", "at"))
