"""Forms of the supplier portal and the staff dropship screen."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sellerdesk.purchasing.dropship import MAX_CARRIER
from sellerdesk.purchasing.models import PurchaseStatus
from sellerdesk.purchasing.states import DROPSHIP_STATUSES

COMMON_CARRIERS = ["顺丰速运", "中通快递", "圆通速递", "申通快递", "韵达快递", "京东物流", "EMS", "极兔速递"]


class ShipForm(forms.Form):
    carrier = forms.CharField(
        label=_("Carrier"),
        max_length=MAX_CARRIER,
        widget=forms.TextInput(attrs={"list": "carriers", "autocomplete": "off"}),
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


def _status_choices(statuses: Sequence[PurchaseStatus]) -> list[tuple[str, Any]]:
    return [("", _("All statuses")), *[(status.value, status.label) for status in statuses]]


class SupplierFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        shown = [s for s in PurchaseStatus if s != PurchaseStatus.DRAFT]
        self.fields["status"].choices = _status_choices(shown)  # type: ignore[attr-defined]


class DropshipFilterForm(forms.Form):
    supplier = forms.ChoiceField(label=_("Supplier"), required=False, choices=[])
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[])

    def __init__(self, *args: object, suppliers: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["supplier"].choices = [("", _("All suppliers")), *suppliers]  # type: ignore[attr-defined]
        shown = [status for status in PurchaseStatus if status in DROPSHIP_STATUSES]
        self.fields["status"].choices = _status_choices(shown)  # type: ignore[attr-defined]


class CreateDropshipForm(forms.Form):
    number = forms.CharField(label=_("Order number"), max_length=20)
