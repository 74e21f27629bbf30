from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sellerdesk.orders.models import Order, OrderEvent, OrderLine, OrderNote
from sellerdesk.orders.review.rules import RULES
from sellerdesk.shops.models import ReviewSettings


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


# A shop's review settings (a shops model) switch orders' review rules on and off.


def _rule_choices() -> list[tuple[str, str]]:
    return [(code, str(rule.label)) for code, rule in RULES.items()]


class ReviewSettingsForm(forms.ModelForm):
    """The rules are switched on and off with checkboxes; stored as the list switched off."""

    enabled_rules = forms.MultipleChoiceField(
        label=_("rules that run"), required=False, widget=forms.CheckboxSelectMultiple, choices=_rule_choices
    )

    class Meta:
        model = ReviewSettings
        fields = [
            "shop",
            "hold_buffer_minutes",
            "auto_approve",
            "max_order_total",
            "max_total_quantity",
            "cod_orders_per_day_new_buyer",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        codes = [code for code, _label in _rule_choices()]
        self.fields["enabled_rules"].initial = [code for code in codes if self.instance.is_enabled(code)]

    def save(self, commit: bool = True) -> ReviewSettings:
        enabled = set(self.cleaned_data["enabled_rules"])
        self.instance.disabled_rules = [code for code, _label in _rule_choices() if code not in enabled]
        return super().save(commit=commit)  # type: ignore[no-any-return]


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ReviewSettingsForm
    list_display = ("shop", "hold_buffer_minutes", "auto_approve", "max_order_total", "max_total_quantity")
