"""Forms of the purchasing screens. They only parse; the actions check and write."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.forms import BusinessDateField, BusinessDateTimeField
from sellerdesk.inventory.models import Warehouse
from sellerdesk.purchasing import actions
from sellerdesk.purchasing.models import PurchaseStatus, Supplier

BLANK_LINES = 8


class SupplierForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40)
    name = forms.CharField(label=_("Name"), max_length=100)
    contact_name = forms.CharField(label=_("Contact"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    lead_time_days = forms.IntegerField(
        label=_("Lead time (days)"), min_value=0, max_value=actions.MAX_LEAD_TIME_DAYS, initial=7
    )
    is_overseas = forms.BooleanField(label=_("Imports from abroad (customs clearance)"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def data_for_action(self) -> actions.SupplierData:
        return actions.SupplierData(**self.cleaned_data)

    @classmethod
    def initial_of(cls, supplier: Supplier) -> dict[str, Any]:
        return {name: getattr(supplier, name) for name in cls.base_fields}


class SupplierSkuForm(forms.Form):
    sku = forms.CharField(label=_("SKU code"), max_length=64)
    cost = forms.DecimalField(label=_("Cost"), min_value=0, max_digits=12, decimal_places=2)
    supplier_code = forms.CharField(label=_("Supplier's code"), max_length=64, required=False)
    min_order_quantity = forms.IntegerField(label=_("Minimum order"), min_value=1, initial=1)
    is_preferred = forms.BooleanField(label=_("Preferred"), required=False)
    is_dropship = forms.BooleanField(label=_("Dropship"), required=False)
    restock_date = BusinessDateField(
        label=_("Restock date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


def _warehouse_choices() -> list[tuple[str, str]]:
    return [(w.code, w.name) for w in Warehouse.objects.filter(is_active=True).order_by("priority", "pk")]


class PurchaseHeadForm(forms.Form):
    """The head of a draft; its lines come as sku_<i> / quantity_<i> / unit_cost_<i> inputs."""

    supplier = forms.ChoiceField(label=_("Supplier"))
    warehouse = forms.ChoiceField(label=_("Deliver to"))
    expected_at = BusinessDateField(label=_("Expected"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    requires_customs = forms.TypedChoiceField(
        label=_("Customs clearance"),
        choices=[("", _("As the supplier (imports from abroad)")), ("yes", _("Yes")), ("no", _("No"))],
        required=False,
        coerce=lambda value: {"yes": True, "no": False}.get(value),
        empty_value=None,
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["supplier"]).choices = [
            (s.code, s.name) for s in Supplier.objects.filter(is_active=True).order_by("name")
        ]
        cast(forms.ChoiceField, self.fields["warehouse"]).choices = _warehouse_choices()


def parse_lines(data: Any) -> tuple[list[actions.LineDraft], dict[str, str], list[dict[str, str]]]:
    """The line inputs as drafts, the errors of unparseable numbers by path, and the raw
    rows (to show the form again as typed). Empty rows are skipped."""
    from decimal import Decimal, InvalidOperation

    drafts: list[actions.LineDraft] = []
    errors: dict[str, str] = {}
    rows: list[dict[str, str]] = []
    index = 0
    while f"sku_{index}" in data and index < actions.MAX_LINES + BLANK_LINES:
        sku = data.get(f"sku_{index}", "").strip()
        quantity = data.get(f"quantity_{index}", "").strip()
        cost = data.get(f"unit_cost_{index}", "").strip()
        index += 1
        if not (sku or quantity or cost):
            continue
        path = f"lines[{len(drafts)}]"
        rows.append({"sku": sku, "quantity": quantity, "unit_cost": cost})
        number = int(quantity) if quantity.isdigit() else None
        if number is None:
            errors[f"{path}.quantity"] = str(_("enter a whole number"))
        amount = None
        if cost:
            try:
                amount = Decimal(cost)
            except InvalidOperation:
                errors[f"{path}.unit_cost"] = str(_("not an amount of money"))
        drafts.append(actions.LineDraft(sku=sku, quantity=number or 0, unit_cost=amount))
    return drafts, errors, rows


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)


class CustomsForm(forms.Form):
    documents = forms.CharField(
        label=_("Customs documents"),
        max_length=500,
        help_text=_("Packing list, invoice, declaration number…"),
    )
    prepayment = forms.DecimalField(label=_("Duties prepaid"), min_value=0, decimal_places=2, required=False)


class ClearForm(forms.Form):
    cleared_at = BusinessDateTimeField(
        label=_("Cleared at"), required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )


class ImportForm(forms.Form):
    supplier = forms.ChoiceField(label=_("Supplier"))
    purchase_order = forms.CharField(
        label=_("Add to draft"), max_length=20, required=False, help_text=_("Empty: a new draft")
    )
    warehouse = forms.ChoiceField(label=_("Deliver to"), required=False)
    file = forms.FileField(label=_("File (.xlsx or .csv)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["supplier"]).choices = [
            (s.code, s.name) for s in Supplier.objects.filter(is_active=True).order_by("name")
        ]
        cast(forms.ChoiceField, self.fields["warehouse"]).choices = [
            ("", _("Default warehouse")),
            *_warehouse_choices(),
        ]


class StatusFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", _("All")), *PurchaseStatus.choices], required=False)
    q = forms.CharField(max_length=100, required=False)
