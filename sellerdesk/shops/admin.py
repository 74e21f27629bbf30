from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sellerdesk.shops.models import ReviewSettings, Shop

admin.site.register(Shop, list_display=("code", "name", "platform", "is_default", "payment_window_days"))


def _rule_choices() -> list[tuple[str, str]]:
    from sellerdesk.orders.review.rules import RULES

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
