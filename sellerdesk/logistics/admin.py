from django.contrib import admin

from sellerdesk.logistics.models import Carrier, CarrierCoverage, CarrierEvent


class CoverageInline(admin.TabularInline):
    model = CarrierCoverage
    extra = 0


@admin.register(Carrier)
class CarrierAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "supports_cod", "is_active")
    search_fields = ("code", "name")
    inlines = [CoverageInline]


@admin.register(CarrierEvent)
class CarrierEventAdmin(admin.ModelAdmin):
    list_display = ("carrier", "type", "actor", "at")
    list_filter = ("type",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
