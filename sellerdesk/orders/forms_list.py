"""Forms of the staff order list: its filters (a search box that also takes a pasted
list of numbers, an assignee), its bulk moves and its saved views."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sellerdesk.orders.assignment import assignable_staff
from sellerdesk.orders.bulk import BULK_LABELS, BULK_MAX, BulkAction
from sellerdesk.orders.forms import MAX_PAGE, OrderFilterForm
from sellerdesk.orders.queries import NUMBERS_MAX, NUMBERS_MAX_CHARS, UNASSIGNED, OrderFilters, number_list

# A single search term is at most this long (OrderFilters.q); a pasted list may be longer.
TERM_MAX_CHARS = 100


def _staff_choices() -> list[tuple[str, str]]:
    return [(user.username, user.signature) for user in assignable_staff()]


class OrderListForm(OrderFilterForm):
    """The order list's filters. The search box takes one term, or a pasted list of order,
    platform order or tracking numbers (separated by newlines, commas, Chinese
    punctuation, or spaces between numbers): see `queries.number_list`."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=NUMBERS_MAX_CHARS,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Order number, platform number, buyer, phone, tracking number — or paste many"),
                "autofocus": True,
                "autocomplete": "off",
                "data-number-list": "",
            }
        ),
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            (UNASSIGNED, _("Nobody")),
            *_staff_choices(),
        ]

    def clean_q(self) -> str:
        text: str = self.cleaned_data.get("q") or ""
        listed = number_list(text)
        if listed is None and len(text.strip()) > TERM_MAX_CHARS:
            raise ValidationError(
                _("Ensure this value has at most %(n)s characters, or paste a list of numbers."),
                params={"n": TERM_MAX_CHARS},
            )
        if listed is not None and len(listed) > NUMBERS_MAX:
            raise ValidationError(_("At most %(n)s numbers at once."), params={"n": NUMBERS_MAX})
        return text

    def filters(self, page: str | None) -> OrderFilters:
        """The valid part of the input as OrderFilters: a pasted list goes to `numbers`,
        one term to `q`; a bad field is ignored (and shown)."""
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        try:
            page_number = min(max(int(page or 1), 1), MAX_PAGE)
        except ValueError:
            page_number = 1
        text = data.get("q") or ""
        is_list = number_list(text) is not None
        return OrderFilters(
            q="" if is_list else text,
            numbers=text if is_list else "",
            status=data.get("status") or None,
            shop=data.get("shop") or "",
            assignee=data.get("assignee") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            page=page_number,
        )


class BulkForm(forms.Form):
    """A bulk move on the ticked orders of the list."""

    action = forms.ChoiceField(
        label=_("Action"), choices=[(action.value, label) for action, label in BULK_LABELS.items()]
    )
    orders = forms.CharField(required=False)  # read with getlist in `numbers`
    reason = forms.CharField(label=_("Reason or note"), required=False, max_length=200)
    assignee = forms.ChoiceField(label=_("Assign to"), required=False)
    # Every order the list's filters select, not only the ticked ones of this page.
    all_matching = forms.BooleanField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = [("", "—"), (UNASSIGNED, _("Nobody")), *_staff_choices()]  # type: ignore[attr-defined]

    def numbers(self) -> list[str]:
        # One more than a bulk move takes, so that run_bulk refuses too many by name.
        # self.data is a QueryDict here (a POST).
        ticked: list[str] = self.data.getlist("orders")  # type: ignore[attr-defined]
        return [number for number in ticked if number.strip()][: BULK_MAX + 1]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.numbers() and not data.get("all_matching"):
            self.add_error(None, _("Tick the orders first."))
        if data.get("action") == BulkAction.ASSIGN and not data.get("assignee"):
            self.add_error("assignee", _("Choose who looks after them."))
        return data
