"""Forms of the stockout screens: they parse; the actions decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.forms import BusinessDateField
from sellerdesk.orders.models import ShortageOption


class StockoutFilterForm(forms.Form):
    OPEN_CHOICES = [("open", _("Open")), ("closed", _("Resolved")), ("all", _("All"))]
    OPTION_CHOICES = [("", _("Any handling")), ("none", _("Not handled yet")), *ShortageOption.choices]

    sku = forms.CharField(label=_("SKU"), required=False, max_length=64)
    shop = forms.CharField(label=_("Shop"), required=False, max_length=40)
    option = forms.ChoiceField(label=_("Handling"), required=False, choices=OPTION_CHOICES)
    state = forms.ChoiceField(label=_("State"), required=False, choices=OPEN_CHOICES)

    def is_open(self) -> bool | None:
        state = self.cleaned_data.get("state") or "open"
        return {"open": True, "closed": False}.get(state)


class ResolveForm(forms.Form):
    option = forms.ChoiceField(label=_("Handling"), choices=ShortageOption.choices)
    buyer_answer = forms.CharField(label=_("Buyer's answer"), max_length=500)
    promised_date = BusinessDateField(label=_("Promised date"), required=False)
    from_warehouse = forms.CharField(label=_("Transfer from"), required=False, max_length=40)


class PlanForm(forms.Form):
    sku = forms.CharField(label=_("SKU"), max_length=64)
