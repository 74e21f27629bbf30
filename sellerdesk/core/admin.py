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
    list_display = ("prefix", "user", "name", "scope", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("scope",)
    readonly_fields = ("key_hash", "prefix", "last_used_at")
