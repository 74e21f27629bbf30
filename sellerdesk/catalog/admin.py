from django.contrib import admin

from sellerdesk.catalog.models import Product, Sku


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
