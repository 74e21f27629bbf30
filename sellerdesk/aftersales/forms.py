"""The forms of the after-sales staff screens. They parse what was typed; the actions
decide (they check the transition, the permission, the amounts and the windows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sellerdesk.aftersales.models import CaseLine, CaseType, Disposition, Reason
from sellerdesk.core.forms import BusinessDateField, MoneyField
from sellerdesk.core.models import User
from sellerdesk.logistics.models import Carrier
from sellerdesk.orders.models import OrderLine
from sellerdesk.shops.access import visible_shops

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.00")}


def _money(label: Any, *, required: bool = False) -> forms.DecimalField:
    return MoneyField(
        label=label,
        required=required,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8, "autocomplete": "off"}),
        **MONEY,  # type: ignore[arg-type]
    )


def _choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def _shops(actor: User | None) -> list[tuple[str, str]]:
    """The shops to filter by: those `actor` may see (shops.access), by name."""
    return [(str(shop.pk), shop.name) for shop in visible_shops(actor)[0]]


class QueueFilterForm(forms.Form):
    status = forms.CharField(required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Case, order, phone, name or return tracking number")}
        ),
    )
    type = forms.ChoiceField(label=_("Type"), required=False)
    shop = forms.ChoiceField(label=_("Shop"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "type", [("", _("All types")), *CaseType.choices])
        _choices(self, "shop", [("", _("All shops")), *_shops(actor)])


class IdListField(forms.Field):
    """The ticked cases' ids (any number: the actions say which is refused and why)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, (list, tuple)) else [value]
        try:
            return [int(item) for item in values]
        except (TypeError, ValueError):
            raise forms.ValidationError(_("Tick the cases.")) from None


class BulkForm(forms.Form):
    ids = IdListField(error_messages={"required": _("Tick the cases.")})
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Why rejected"), required=False, max_length=500)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the cases are rejected."))
        return data


class ApproveForm(forms.Form):
    amount = _money(_("Amount agreed"))
    note = forms.CharField(label=_("Approval note (领导批示)"), required=False, max_length=500)


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Why rejected"), max_length=500)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Reply to the buyer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class AssignForm(forms.Form):
    assignee = forms.CharField(label=_("Handled by"), required=False, max_length=150)


class ReturnParcelForm(forms.Form):
    carrier_code = forms.ChoiceField(label=_("Carrier"))
    tracking_number = forms.CharField(label=_("Return tracking number"), max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        carriers = Carrier.objects.filter(is_active=True).order_by("name")
        _choices(self, "carrier_code", [(carrier.code, carrier.name) for carrier in carriers])


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("What is disputed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class RulingForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Ruled for"),
        choices=[("buyer", _("The buyer")), ("seller", _("The seller")), ("partial", _("Partly each"))],
        widget=forms.RadioSelect,
    )
    ruling = forms.CharField(label=_("Ruling"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


class MediationForm(forms.Form):
    platform = forms.CharField(label=_("Mediated by"), max_length=50)
    reference = forms.CharField(label=_("Mediation reference"), max_length=100)
    outcome = forms.CharField(label=_("Mediation outcome"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ReviewForm(forms.Form):
    cause = forms.ChoiceField(label=_("Cause"))
    note = forms.CharField(label=_("Review (复盘)"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, causes: Sequence[tuple[str, Any]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "cause", list(causes))


class EvidenceForm(forms.Form):
    upload = forms.FileField(label=_("Photo or video"))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=200)


class ResolveComplaintForm(forms.Form):
    summary = forms.CharField(label=_("How it was solved"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class FollowUpForm(forms.Form):
    outcome = forms.CharField(label=_("What the buyer said"), max_length=2000)
    satisfied = forms.TypedChoiceField(
        label=_("Satisfied"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )


class TransferForm(forms.Form):
    reference = forms.CharField(label=_("Bank transfer reference"), max_length=100)
    proof = forms.FileField(label=_("Proof (photo or PDF)"), required=False)


class RefundForm(forms.Form):
    """The typed amounts of a refund: goods per case line, then shipping, the return
    postage the buyer bears (deducted), the price difference (补差价) and compensation."""

    shipping = _money(_("Shipping"))
    buyer_postage = _money(_("Return postage borne by the buyer (买家承担邮费)"))
    price_difference = MoneyField(
        label=_("Price difference (补差价)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 8, "autocomplete": "off"}),
    )
    compensation = _money(_("Compensation (补偿)"))

    def __init__(self, *args: Any, lines: Sequence[CaseLine] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(lines)
        for line in self.lines:
            self.fields[f"goods_{line.pk}"] = _money(line.sku.code)

    def goods_fields(self) -> list[tuple[CaseLine, Any]]:
        return [(line, self[f"goods_{line.pk}"]) for line in self.lines]

    def goods(self) -> dict[int, Decimal]:
        data = self.cleaned_data
        return {line.pk: data.get(f"goods_{line.pk}") or Decimal("0.00") for line in self.lines}

    def amount(self, name: str) -> Decimal:
        return self.cleaned_data.get(name) or Decimal("0.00")


class OpenCaseForm(forms.Form):
    """A case opened by an agent from the order page: the type, the reason, what the buyer
    says, and how many units of each order line (0: not in the case)."""

    type = forms.ChoiceField(label=_("Type"), choices=CaseType.choices)
    # No reason chosen in advance: it decides who pays the return postage.
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *Reason.choices])
    description = forms.CharField(
        label=_("What the buyer says"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    requested_amount = _money(_("Amount asked"))

    def __init__(self, *args: Any, order_lines: Sequence[OrderLine] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order_lines = list(order_lines)
        for line in self.order_lines:
            self.fields[f"qty_{line.pk}"] = forms.IntegerField(
                label=line.sku_code,
                required=False,
                min_value=0,
                initial=0,
                widget=forms.NumberInput(attrs={"min": 0, "max": line.quantity, "inputmode": "numeric"}),
            )

            # An exchange (换货) may ask for another size or colour: the SKU code wanted.
            self.fields[f"swap_{line.pk}"] = forms.CharField(
                label=_("Exchange for (SKU)"), required=False, max_length=64
            )

    def line_fields(self) -> list[tuple[OrderLine, Any, Any]]:
        return [(line, self[f"qty_{line.pk}"], self[f"swap_{line.pk}"]) for line in self.order_lines]

    def replacement_codes(self) -> dict[int, str]:
        """The SKU code typed per order line for an exchange (only the lines asked about)."""
        quantities = self.quantities()
        return {
            line.pk: code
            for line in self.order_lines
            if line.pk in quantities and (code := (self.cleaned_data.get(f"swap_{line.pk}") or "").strip())
        }

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: self.cleaned_data.get(f"qty_{line.pk}") or 0
            for line in self.order_lines
            if self.cleaned_data.get(f"qty_{line.pk}")
        }


class FiguresForm(forms.Form):
    start = BusinessDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BusinessDateField(label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    shop = forms.ChoiceField(label=_("Shop"), required=False)

    def __init__(self, *args: Any, actor: User | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "shop", [("", _("All shops")), *_shops(actor)])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end must be after the start."))
        return data

    def period(self, *, today: date | None = None, days: int = 30) -> tuple[datetime, datetime]:
        """[start, end) in local time: the days chosen, both included (default: the last 30 days)."""
        today = today or timezone.localdate()
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        end_day: date = data.get("end") or today
        start_day: date = data.get("start") or end_day - timedelta(days=days - 1)
        start = timezone.make_aware(datetime.combine(start_day, time.min))
        end = timezone.make_aware(datetime.combine(end_day + timedelta(days=1), time.min))
        return start, end


DISPOSITIONS = Disposition.choices
