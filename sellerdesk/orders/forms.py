"""Forms of the staff order screens. They only parse input; the actions decide."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.forms import BusinessDateField, MoneyField
from sellerdesk.orders.models import FlagColor, Order, PaymentMethod
from sellerdesk.orders.queries import OrderFilters
from sellerdesk.orders.states import OrderStatus
from sellerdesk.shops.models import Shop

MAX_PAGE = 100_000
# Offered as suggestions only: any carrier name may be typed.
COMMON_CARRIERS = [
    "顺丰速运",
    "中通快递",
    "圆通速递",
    "韵达快递",
    "申通快递",
    "极兔速递",
    "京东物流",
    "邮政EMS",
    "中国邮政",
]


class OrderFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Order number, platform number, buyer, phone, tracking number"),
                "autofocus": True,
                "autocomplete": "off",
            }
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("All statuses"))])
    shop = forms.ChoiceField(label=_("Shop"), required=False, choices=[("", _("All shops"))])
    date_from = BusinessDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = BusinessDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All statuses")), *OrderStatus.choices]  # type: ignore[attr-defined]
        self.fields["shop"].choices = [  # type: ignore[attr-defined]
            ("", _("All shops")),
            *Shop.objects.order_by("pk").values_list("code", "name"),
        ]

    def filters(self, page: str | None) -> OrderFilters:
        """The valid part of the input as OrderFilters; a bad field is ignored (and shown)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        try:
            page_number = min(max(int(page or 1), 1), MAX_PAGE)
        except ValueError:
            page_number = 1
        return OrderFilters(
            q=data.get("q") or "",
            status=data.get("status") or None,
            shop=data.get("shop") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            page=page_number,
        )


class PaymentForm(forms.Form):
    amount = MoneyField(label=_("Amount"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2, localize=False)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=100,
        help_text=_("Bank slip or transaction number; required for remittances."),
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"amount": order.balance_due, "method": order.payment_method})
        super().__init__(*args, **kwargs)


class PricesForm(forms.Form):
    """One price field per line, named by the line's position."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines = list(order.lines.all())
        for line in self.lines:
            self.fields[f"price_{line.position}"] = MoneyField(
                label=f"{line.sku_code} {line.name}",
                initial=line.unit_price,
                min_value=Decimal("0.00"),
                max_value=settings.SELLERDESK["MAX_UNIT_PRICE"],
                max_digits=12,
                decimal_places=2,
                localize=False,
            )
        # Reason last, under the prices.
        self.order_fields([*[f"price_{line.position}" for line in self.lines], "reason"])

    def price_fields(self) -> list[tuple[Any, forms.BoundField]]:
        return [(line, self[f"price_{line.position}"]) for line in self.lines]

    def prices(self) -> dict[int, Decimal]:
        return {line.position: self.cleaned_data[f"price_{line.position}"] for line in self.lines}


class ShipForm(forms.Form):
    carrier = forms.CharField(
        label=_("Carrier"), max_length=50, widget=forms.TextInput(attrs={"list": "carriers", "autocomplete": "off"})
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"), max_length=64, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. buyer asked to cancel")}),
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 已催付"), "autocomplete": "off"}),
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class FlagForm(forms.Form):
    color = forms.ChoiceField(label=_("Flag"), required=False, choices=FlagColor.choices, widget=forms.RadioSelect)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"color": order.flag_color, "reason": order.flag_reason})
        super().__init__(*args, **kwargs)


class EmptyForm(forms.Form):
    """For moves that take no input (approve, deliver, confirm receipt)."""

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class HoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. buyer will change the address")}),
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class ReleaseForm(forms.Form):
    note = forms.CharField(label=_("Note"), required=False, max_length=500)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


class QueueBulkForm(forms.Form):
    """Approve (release) or cancel the selected held orders."""

    action = forms.ChoiceField(choices=[("release", _("Approve")), ("cancel", _("Cancel"))])
    orders = forms.MultipleChoiceField(label=_("Orders"), choices=[])
    reason = forms.CharField(label=_("Reason or note"), required=False, max_length=200)

    def __init__(self, *args: Any, numbers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["orders"].choices = [(number, number) for number in numbers]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "cancel" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("say why the orders are cancelled"))
        return data
