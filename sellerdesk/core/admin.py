from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from sellerdesk.core.models import ApiToken, User


@admin.register(User)
class SellerdeskUserAdmin(UserAdmin):
    list_display = ("username", "display_name", "role", "is_active", "is_staff")
    list_filter = ("role", "is_active")
    fieldsets = (*UserAdmin.fieldsets, ("sellerdesk", {"fields": ("role", "display_name")}))  # type: ignore[misc]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "created_at", "revoked_at")
    readonly_fields = ("key_hash", "prefix")
