"""The buyer portal's forms: signing in, rating, and the after-sales request and its case."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sellerdesk.aftersales.models import Reason
from sellerdesk.ratings.models import Score

MAX_TEXT = 2000


class SendCodeForm(forms.Form):
    order_number = forms.CharField(
        label=_("Order number"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("Phone on the order"),
        max_length=32,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


class SignInForm(SendCodeForm):
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code is 6 digits.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "maxlength": "6", "autofocus": True}
        ),
    )


class RatingForm(forms.Form):
    score = forms.ChoiceField(label=_("Your rating"), choices=Score.choices, widget=forms.RadioSelect)
    comment = forms.CharField(label=_("Comment"), max_length=500, required=False, widget=forms.Textarea)


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


class ReturnParcelForm(forms.Form):
    carrier_code = forms.CharField(
        label=_("Carrier"), max_length=50, widget=forms.TextInput(attrs={"list": "carriers", "autocomplete": "off"})
    )
    tracking_number = forms.CharField(
        label=_("Tracking number"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(label=_("Why you disagree"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 3}))


class CaseRequestForm(forms.Form):
    """The request's type, reason and words; the lines' quantities (`qty_<line id>`) and
    the exchange's SKU (`swap_<line id>`) are added per refundable line of the order."""

    type = forms.ChoiceField(label=_("What do you need?"), choices=[], widget=forms.RadioSelect)
    # No reason chosen for the buyer: a wrong default would decide who pays the postage.
    reason = forms.ChoiceField(label=_("Reason"), choices=[("", "—"), *Reason.choices])
    description = forms.CharField(
        label=_("Tell us what happened"), max_length=MAX_TEXT, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(
        self,
        *args: Any,
        types: list[tuple[str, Any]],
        lines: list[dict[str, Any]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = types  # type: ignore[attr-defined]
        self.line_rows = []
        for line in lines:
            name = f"qty_{line['id']}"
            self.fields[name] = forms.IntegerField(
                label=line["label"],
                min_value=0,
                max_value=max(line["askable"], 0),
                required=False,
                initial=0,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )
            swap_name = f"swap_{line['id']}"
            if line["swaps"]:
                self.fields[swap_name] = forms.TypedChoiceField(
                    label=_("Exchange for"),
                    choices=[("", _("The same item")), *line["swaps"]],
                    coerce=int,
                    required=False,
                    empty_value=None,
                )
            self.line_rows.append({**line, "field": self[name], "swap": self[swap_name] if line["swaps"] else None})

    def quantities(self) -> dict[int, tuple[int, int | None]]:
        """{order line id: (quantity, replacement SKU id)} for the lines asked (quantity > 0)."""
        asked = {}
        for row in self.line_rows:
            quantity = self.cleaned_data.get(f"qty_{row['id']}") or 0
            if quantity > 0:
                asked[row["id"]] = (quantity, self.cleaned_data.get(f"swap_{row['id']}"))
        return asked
