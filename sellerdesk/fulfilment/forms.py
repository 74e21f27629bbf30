"""Forms of the warehouse screens. They parse; the actions validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.forms import BusinessDateTimeField
from sellerdesk.fulfilment.waves import MAX_WAVE_ORDERS, WaveRules
from sellerdesk.inventory.models import Warehouse
from sellerdesk.logistics.models import Carrier


def _warehouse_choices() -> list[tuple[str, str]]:
    return [(w.code, w.name) for w in Warehouse.objects.filter(is_active=True).order_by("priority", "code")]


class WaveRulesForm(forms.Form):
    warehouse = forms.ChoiceField(label=_("Warehouse"))
    carrier = forms.ChoiceField(label=_("Carrier"), required=False)
    cutoff = BusinessDateTimeField(
        label=_("Paid by (cut-off)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    single_item = forms.ChoiceField(
        label=_("Single-item orders"),
        choices=[
            ("any", _("With the others")),
            ("only", _("Only single-item orders")),
            ("exclude", _("Only multi-item orders")),
        ],
        initial="any",
    )
    zone = forms.CharField(label=_("Zone"), required=False, max_length=20)
    max_orders = forms.IntegerField(label=_("At most orders"), min_value=1, max_value=MAX_WAVE_ORDERS, initial=50)
    max_items = forms.IntegerField(label=_("At most items"), min_value=1, max_value=100_000, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["warehouse"].choices = _warehouse_choices()  # type: ignore[attr-defined]
        self.fields["carrier"].choices = [  # type: ignore[attr-defined]
            ("", _("Any carrier")),
            *((c.code, c.name) for c in Carrier.objects.filter(is_active=True).order_by("code")),
        ]

    def wave_rules(self) -> WaveRules:
        data = self.cleaned_data
        return WaveRules(
            carrier=data["carrier"] or "",
            cutoff=data["cutoff"],
            single_item=data["single_item"],
            zone=(data["zone"] or "").strip(),
            max_orders=data["max_orders"],
            max_items=data["max_items"],
        )

    def chosen_warehouse(self) -> Warehouse:
        return Warehouse.objects.get(code=self.cleaned_data["warehouse"])
