from django.contrib import admin

from sellerdesk.catalog.models import PriceList, PriceListItem, Product, Sku


class SkuInline(admin.TabularInline):
    model = Sku
    extra = 0


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ("name", "category")
    search_fields = ("name",)
    inlines = [SkuInline]


@admin.register(Sku)
class SkuAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "price", "barcode", "is_active")
    search_fields = ("code", "name", "barcode")


class PriceListItemInline(admin.TabularInline):
    model = PriceListItem
    extra = 0
    raw_id_fields = ("sku",)


@admin.register(PriceList)
class PriceListAdmin(admin.ModelAdmin):
    list_display = ("name", "shop", "level", "valid_from", "valid_to", "is_active")
    list_filter = ("is_active", "shop", "level")
    search_fields = ("name",)
    inlines = [PriceListItemInline]
