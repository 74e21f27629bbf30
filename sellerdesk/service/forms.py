"""The desk's forms (owner H5): the inbox filters, the composer, and one small form per
order action taken from a conversation. They parse and bound what is typed; the actions
decide (service.conversations, service.order_actions)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from sellerdesk.aftersales.models import CaseType, Reason
from sellerdesk.orders.actions import MAX_RECEIPT_EXTENSION_DAYS
from sellerdesk.orders.changes import NewAddress
from sellerdesk.orders.models import Order
from sellerdesk.reminders.models import ReminderChannel
from sellerdesk.service.models import (
    INTENTS,
    UNCLASSIFIED,
    ConversationChannel,
    ConversationStatus,
    Priority,
    SlaState,
)
from sellerdesk.shops.models import Shop

MAX_REASON = 300


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


class InboxFilterForm(forms.Form):
    """The inbox's filters (GET): a search, channel, shop, intent, SLA state, status."""

    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": gettext_lazy("Buyer, contact, subject, #id")}),
    )
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), required=False)
    shop = forms.TypedChoiceField(label=gettext_lazy("Shop"), required=False, coerce=int, empty_value=None)
    intent = forms.ChoiceField(label=gettext_lazy("Intent"), required=False)
    sla_state = forms.ChoiceField(label=gettext_lazy("SLA"), required=False)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False)

    def __init__(self, *args: Any, intent_labels: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = gettext_lazy("All")
        self.fields["channel"].choices = _blank(everything) + list(ConversationChannel.choices)  # type: ignore[attr-defined]
        self.fields["shop"].choices = _blank(everything) + [  # type: ignore[attr-defined]
            (str(shop.pk), shop.name) for shop in Shop.objects.order_by("name")
        ]
        self.fields["intent"].choices = _blank(everything) + [  # type: ignore[attr-defined]
            (value, intent_labels.get(value, value)) for value in (*INTENTS, UNCLASSIFIED)
        ]
        self.fields["sla_state"].choices = _blank(everything) + [  # type: ignore[attr-defined]
            (value, label) for value, label in SlaState.choices if value
        ]
        self.fields["status"].choices = _blank(gettext_lazy("Active")) + list(ConversationStatus.choices)  # type: ignore[attr-defined]


class ReplyForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Reply"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    # Why the reply is sent with a forbidden phrase in it (recorded); empty: check first.
    override_reason = forms.CharField(label=gettext_lazy("Why send it anyway"), required=False, max_length=MAX_REASON)
    # The quick replies inserted into the draft, comma-separated ids (their usage counts).
    quick_reply_ids = forms.CharField(required=False, widget=forms.HiddenInput, max_length=500)

    def reply_ids(self) -> list[int]:
        raw = self.cleaned_data.get("quick_reply_ids") or ""
        return sorted({int(part) for part in raw.split(",") if part.strip().isdigit()})


class NoteForm(forms.Form):
    body = forms.CharField(label=gettext_lazy("Private note"), widget=forms.Textarea(attrs={"rows": 2}))


class SnoozeForm(forms.Form):
    hours = forms.IntegerField(label=gettext_lazy("Snooze for (hours)"), min_value=1, max_value=24 * 90, initial=2)


# --- order actions -------------------------------------------------------------------------------


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Why cancelled"), max_length=200)


class AddressForm(forms.Form):
    province = forms.CharField(label=gettext_lazy("Province"), max_length=20)
    city = forms.CharField(label=gettext_lazy("City"), max_length=30)
    district = forms.CharField(label=gettext_lazy("District"), max_length=30, required=False)
    detail = forms.CharField(label=gettext_lazy("Street address"), max_length=200)

    def address(self) -> NewAddress:
        data = self.cleaned_data
        return NewAddress(data["province"], data["city"], data["district"], data["detail"])


class ChangeItemForm(forms.Form):
    line = forms.TypedChoiceField(label=gettext_lazy("Line"), coerce=int)
    sku = forms.CharField(label=gettext_lazy("New SKU (colour/size)"), max_length=64)

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [  # type: ignore[attr-defined]
            (str(line.position), f"{line.position}. {line.sku_code} × {line.quantity}") for line in order.lines.all()
        ]


class RemindForm(forms.Form):
    channel = forms.ChoiceField(label=gettext_lazy("Channel"), choices=ReminderChannel.choices, initial="im")


class ExtendReceiptForm(forms.Form):
    days = forms.IntegerField(label=gettext_lazy("Days"), min_value=1, max_value=MAX_RECEIPT_EXTENSION_DAYS, initial=3)
    reason = forms.CharField(label=gettext_lazy("Why"), max_length=200)


class OpenCaseForm(forms.Form):
    type = forms.ChoiceField(label=gettext_lazy("Type"), choices=CaseType.choices)
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=Reason.choices)
    line = forms.TypedChoiceField(label=gettext_lazy("Line"), coerce=int)
    quantity = forms.IntegerField(label=gettext_lazy("Quantity"), min_value=1, initial=1)
    description = forms.CharField(
        label=gettext_lazy("What the buyer says"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [  # type: ignore[attr-defined]
            (str(line.pk), f"{line.position}. {line.sku_code} × {line.quantity}") for line in order.lines.all()
        ]


class OrderNoteForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("Note on the order"), max_length=500)


class CallForm(forms.Form):
    """A phone call the agent had: the number, how long (seconds, or minutes:seconds), what was said."""

    number = forms.CharField(label=gettext_lazy("Number"), max_length=32)
    duration = forms.CharField(
        label=gettext_lazy("Duration (m:ss)"), max_length=8, widget=forms.TextInput(attrs={"placeholder": "3:20"})
    )
    summary = forms.CharField(
        label=gettext_lazy("What was said"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    inbound = forms.BooleanField(label=gettext_lazy("The buyer called"), required=False, initial=True)
    shop = forms.TypedChoiceField(label=gettext_lazy("Shop"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].choices = [(str(shop.pk), shop.name) for shop in Shop.objects.order_by("name")]  # type: ignore[attr-defined]

    def clean_duration(self) -> int:
        raw = self.cleaned_data["duration"].strip().replace("：", ":")
        minutes, _colon, seconds = raw.rpartition(":")
        if not seconds.isdigit() or (minutes and not minutes.isdigit()) or (minutes and int(seconds) >= 60):
            raise forms.ValidationError(gettext_lazy("seconds, or minutes:seconds (3:20)"))
        return int(minutes or 0) * 60 + int(seconds)


class PriorityForm(forms.Form):
    priority = forms.TypedChoiceField(label=gettext_lazy("Priority"), coerce=int, choices=Priority.choices)


class IntentForm(forms.Form):
    intent = forms.ChoiceField(
        label=gettext_lazy("Intent"), choices=[(value, value) for value in (*INTENTS, UNCLASSIFIED)]
    )
