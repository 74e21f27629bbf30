"""Forms of the customer list and the customer page: they parse what was typed; the
actions (customers.actions, customers.book) decide what is allowed."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sellerdesk.core.forms import MoneyField
from sellerdesk.core.models import User
from sellerdesk.core.permissions import Role
from sellerdesk.customers.models import Customer, CustomerGroup, CustomerLevel, CustomerTag, TransportMode
from sellerdesk.shops.models import Shop


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search customers"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, nickname, phone, last 4 digits or customer number")}
        ),
    )
    shop = forms.ChoiceField(label=_("Shop"), required=False)
    level = forms.ChoiceField(label=_("Level"), required=False)
    tag = forms.TypedChoiceField(label=_("Tag"), required=False, coerce=int, empty_value=None)
    group = forms.TypedChoiceField(label=_("Buyer group"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        cast(forms.ChoiceField, self.fields["shop"]).choices = everything + list(
            Shop.objects.order_by("name").values_list("code", "name")
        )
        levels = CustomerLevel.objects.order_by("rank", "code").values_list("code", "name").distinct()
        cast(forms.ChoiceField, self.fields["level"]).choices = everything + list(dict(levels).items())
        cast(forms.ChoiceField, self.fields["tag"]).choices = everything + list(
            CustomerTag.objects.values_list("pk", "name")
        )
        cast(forms.ChoiceField, self.fields["group"]).choices = everything + list(
            CustomerGroup.objects.values_list("pk", "name")
        )


class AgentChoiceField(forms.ModelChoiceField):
    """Staff by the name they sign with (阿华), not their login."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.signature)


class ProfileForm(forms.Form):
    """The profile and terms (seed 000's 客户档案) an owner or supervisor edits."""

    number = forms.CharField(label=_("Customer number"), required=False, max_length=30)
    level = forms.ModelChoiceField(label=_("Level"), queryset=CustomerLevel.objects.none(), required=False)
    agent = AgentChoiceField(label=_("Agent in charge"), queryset=User.objects.none(), required=False)
    is_b2b = forms.BooleanField(label=_("Business customer"), required=False)
    credit_limit = MoneyField(label=_("Credit limit"), min_value=0, max_digits=10, decimal_places=2)
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), min_value=0, max_value=365)
    discount_note = forms.CharField(label=_("Discount terms"), required=False, max_length=200)
    delivery_area = forms.CharField(label=_("Delivery area"), required=False, max_length=100)
    route_order = forms.IntegerField(label=_("Route order"), required=False, min_value=0, max_value=999_999)
    transport_mode = forms.ChoiceField(label=_("Transport mode"), required=False)
    vehicle = forms.CharField(label=_("Vehicle"), required=False, max_length=50)
    unloading_notes = forms.CharField(
        label=_("Unloading notes"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    delivery_requirements = forms.CharField(
        label=_("Delivery requirements"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    delayed_order_handling = forms.CharField(
        label=_("If an order is delayed"), required=False, max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, customer: Customer, with_level: bool = True, **kwargs: Any) -> None:
        if not args or args[0] is None:
            kwargs.setdefault("initial", {name: getattr(customer, name) for name in self.base_fields})
        super().__init__(*args, **kwargs)
        self.customer = customer
        if with_level:
            cast(forms.ModelChoiceField, self.fields["level"]).queryset = CustomerLevel.objects.filter(
                Q(shop__isnull=True) | Q(shop_id=customer.shop_id)
            ).order_by("rank", "code")
        else:  # the level has its own form (with a reason), see crm/_level_form.html
            del self.fields["level"]
        agents = User.objects.filter(is_active=True, role__in=[Role.OWNER, Role.SUPERVISOR, Role.AGENT])
        if customer.agent_id:  # someone no longer active stays selectable until changed
            agents = agents | User.objects.filter(pk=customer.agent_id)
        cast(forms.ModelChoiceField, self.fields["agent"]).queryset = agents.order_by("username")
        cast(forms.ChoiceField, self.fields["transport_mode"]).choices = [("", "—"), *TransportMode.choices]

    def changes(self) -> dict[str, Any]:
        """The cleaned values as customers.actions.update_customer takes them."""
        return dict(self.cleaned_data)


class AddressForm(forms.Form):
    """An address as typed; customers.book checks it (every bad field named at once), so
    the fields the book requires are marked for the browser only."""

    label = forms.CharField(
        label=_("Label"), required=False, max_length=40, widget=forms.TextInput(attrs={"placeholder": _("e.g. shop")})
    )
    name = forms.CharField(label=_("Recipient"), required=False, widget=forms.TextInput(attrs={"required": True}))
    phone = forms.CharField(
        label=_("Phone"), required=False, widget=forms.TextInput(attrs={"inputmode": "tel", "required": True})
    )
    province = forms.CharField(label=_("Province"), required=False, widget=forms.TextInput(attrs={"required": True}))
    city = forms.CharField(label=_("City"), required=False, widget=forms.TextInput(attrs={"required": True}))
    district = forms.CharField(label=_("District"), required=False)
    detail = forms.CharField(
        label=_("Street address"), required=False, widget=forms.TextInput(attrs={"required": True})
    )
    is_default = forms.BooleanField(label=_("Default address"), required=False)


class TagForm(forms.Form):
    tag = forms.CharField(
        label=_("Tag"),
        max_length=40,
        widget=forms.TextInput(attrs={"list": "known-tags", "placeholder": _("Type a tag, new or known")}),
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))
    pinned = forms.BooleanField(label=_("Pin it to the top"), required=False)
