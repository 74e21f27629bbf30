"""Forms of the stock screens. They parse; the actions validate and decide."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from django import forms
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.addresses import PROVINCES
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.inventory.actions import BinPart, LineReceipt
from sellerdesk.inventory.models import (
    Bin,
    MovementKind,
    StockCountStatus,
    TransferLine,
    TransferStatus,
    Warehouse,
)


def _warehouse_choices() -> list[tuple[str, str]]:
    return [(w.code, w.name) for w in Warehouse.objects.filter(is_active=True).order_by("priority", "code")]


class StockSearchForm(forms.Form):
    q = forms.CharField(
        label=_("SKU code, name or barcode"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "autofocus": True, "placeholder": _("SKU code, name or barcode")}
        ),
    )
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    low = forms.BooleanField(label=_("Only at or below reorder point"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["warehouse"].choices = [("", _("All warehouses")), *_warehouse_choices()]  # type: ignore[attr-defined]


class LedgerForm(forms.Form):
    sku = forms.CharField(label=_("SKU code"), required=False, max_length=64)
    warehouse = forms.ChoiceField(label=_("Warehouse"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *MovementKind.choices])
    document = forms.CharField(label=_("Document"), required=False, max_length=64)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["warehouse"].choices = [("", _("All warehouses")), *_warehouse_choices()]  # type: ignore[attr-defined]


class WarehouseForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=40, required=False)
    name = forms.CharField(label=_("Name"), max_length=100)
    priority = forms.IntegerField(
        label=_("Priority"), min_value=0, max_value=32767, help_text=_("Lower is tried first.")
    )
    regions = forms.MultipleChoiceField(
        label=_("Provinces served"),
        required=False,
        choices=[(name, name) for name in PROVINCES],
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: serves everywhere."),
    )
    is_default = forms.BooleanField(label=_("Default warehouse"), required=False)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    contact_name = forms.CharField(label=_("Contact"), max_length=50, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    province = forms.ChoiceField(
        label=_("Province"), required=False, choices=[("", "—"), *[(name, name) for name in PROVINCES]]
    )
    city = forms.CharField(label=_("City"), max_length=30, required=False)
    district = forms.CharField(label=_("District"), max_length=30, required=False)
    address_detail = forms.CharField(label=_("Address"), max_length=200, required=False)


class BinsForm(forms.Form):
    codes = forms.CharField(
        label=_("Bin code or range"),
        max_length=90,
        help_text=_("One code (A-01-05) or a range (A-01-01..A-01-20)."),
        widget=forms.TextInput(attrs={"placeholder": "A-01-01..A-01-20"}),
    )
    zone = forms.CharField(label=_("Zone"), max_length=20, required=False)
    route_order = forms.IntegerField(
        label=_("First route order"),
        min_value=0,
        max_value=10_000_000,
        required=False,
        help_text=_("Empty: after the last bin."),
    )


class PutawayForm(forms.Form):
    sku = forms.CharField(label=_("SKU code"), max_length=64)
    bin = forms.CharField(label=_("Into bin"), max_length=40)
    from_bin = forms.CharField(
        label=_("From bin"), max_length=40, required=False, help_text=_("Empty: units not in a bin.")
    )
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000_000)


class StartCountForm(forms.Form):
    warehouse = forms.ChoiceField(label=_("Warehouse"))
    skus = forms.CharField(
        label=_("SKU codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "TEE-RED-M\nTEE-RED-L"}),
        help_text=_("One per line or separated by spaces. Empty: every SKU with stock."),
    )
    bins = forms.CharField(
        label=_("Bins"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "A-01-01 A-01-02"}),
        help_text=_("Count these bins, bin by bin. Empty: count per SKU."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["warehouse"].choices = _warehouse_choices()  # type: ignore[attr-defined]


class TransferForm(forms.Form):
    # "From"/"To" alone are a date range's words (起始日期): a transfer's are warehouses.
    from_warehouse = forms.ChoiceField(label=pgettext_lazy("warehouse", "From"))
    to_warehouse = forms.ChoiceField(label=pgettext_lazy("warehouse", "To"))
    lines = forms.CharField(
        label=_("Lines"),
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": "TEE-RED-M 5\nCAP-BLK 2"}),
        help_text=_("One line each: SKU code and quantity."),
    )
    for_order = forms.CharField(label=_("For order"), max_length=20, required=False)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        choices = _warehouse_choices()
        self.fields["from_warehouse"].choices = choices  # type: ignore[attr-defined]
        self.fields["to_warehouse"].choices = choices  # type: ignore[attr-defined]

    def clean_lines(self) -> list[tuple[str, int]]:
        parsed: list[tuple[str, int]] = []
        for number, raw in enumerate(str(self.cleaned_data["lines"]).splitlines(), start=1):
            parts = raw.replace(",", " ").replace("\t", " ").split()
            if not parts:
                continue
            if len(parts) != 2 or not parts[1].isdigit():
                raise forms.ValidationError(
                    _("Line %(number)s: write the SKU code and the quantity, e.g. TEE-RED-M 5."),
                    params={"number": number},
                )
            parsed.append((parts[0], int(parts[1])))
        if not parsed:
            raise forms.ValidationError(_("Add at least one line."))
        return parsed


STATUS_FILTERS = {"counts": StockCountStatus.choices, "transfers": TransferStatus.choices}


# --- a transfer received in part, into bins (issue 17 C) -----------------------------------

_BIN_PART = re.compile(r"^(?P<bin>[^:×*]+?)\s*(?:[:×*]\s*(?P<quantity>\d+))?$")


def transfer_receipts(
    data: Mapping[str, str], lines: Sequence[TransferLine], warehouse: Warehouse
) -> list[LineReceipt]:
    """The receipts the transfer page posts: per line `received-<line id>` (units that
    arrived now) and `bins-<line id>` ("GZ-A:4, GZ-B:2"; a bin without a number takes the
    units not put elsewhere). ValidationFailed naming the bad fields; the action checks
    the rest (what is still in transit, the bins' warehouse)."""
    bad: dict[str, str] = {}
    receipts = []
    bins = {bin.code: bin for bin in Bin.objects.filter(warehouse=warehouse)}
    for line in lines:
        raw = (data.get(f"received-{line.pk}") or "").strip()
        if not raw.isdigit() or len(raw) > 8:
            bad[f"received-{line.pk}"] = gettext("%(sku)s: enter the units that arrived") % {"sku": line.sku.code}
            continue
        quantity, parts, rest_bin = int(raw), [], None
        for token in re.split(r"[,，、;；\s]+", (data.get(f"bins-{line.pk}") or "").strip()):
            if not token:
                continue
            match = _BIN_PART.match(token)
            bin = bins.get(match.group("bin")) if match else None
            if match is None or bin is None:
                bad[f"bins-{line.pk}"] = gettext("%(sku)s: no bin %(bin)s here") % {"sku": line.sku.code, "bin": token}
                break
            if match.group("quantity") is None:
                rest_bin = bin
            else:
                parts.append(BinPart(bin, int(match.group("quantity"))))
        if rest_bin is not None:
            rest = quantity - sum(part.quantity for part in parts)
            if rest > 0:
                parts.append(BinPart(rest_bin, rest))
        receipts.append(LineReceipt(line.sku_id, quantity, tuple(parts)))
    if bad:
        raise ValidationFailed(bad)
    return receipts
