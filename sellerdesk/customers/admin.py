from django.contrib import admin

from sellerdesk.customers.models import Customer, CustomerEvent, CustomerLevel

admin.site.register(
    Customer,
    list_display=(
        "shop",
        "nickname",
        "name",
        "phone",
        "level",
        "is_b2b",
        "credit_limit",
        "payment_terms_days",
        "order_count",
        "total_spent",
    ),
    list_filter=("shop", "level", "is_b2b"),
    search_fields=("nickname", "name", "phone"),
    raw_id_fields=("agent",),
)


@admin.register(CustomerLevel)
class CustomerLevelAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "rank", "shop")
    list_filter = ("shop",)
    search_fields = ("code", "name")


@admin.register(CustomerEvent)
class CustomerEventAdmin(admin.ModelAdmin):
    """The audit trail is read-only."""

    list_display = ("customer", "type", "actor", "at")
    list_filter = ("type",)
    raw_id_fields = ("customer",)

    def has_add_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
