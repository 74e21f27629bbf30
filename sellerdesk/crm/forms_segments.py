"""Forms of the segment, buyer group and import pages. A segment's form is the rules as
fields a person fills in; `rules()` turns them into the JSON crm.segments.parse_rules
checks, and `field_of()` puts each of its errors back on the field it came from."""

from __future__ import annotations

import re
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from sellerdesk.crm import excel, segments
from sellerdesk.customers.models import CustomerGroup, CustomerLevel, CustomerTag
from sellerdesk.shops.models import Shop

# Where each rule lives in the JSON → the form's field.
_FIELDS: dict[str, str] = {
    "recency.within_days": "within_days",
    "recency.not_within_days": "not_within_days",
    "recency": "not_within_days",
    "orders.min": "orders_min",
    "orders.max": "orders_max",
    "orders": "orders_max",
    "spent.min": "spent_min",
    "spent.max": "spent_max",
    "spent": "spent_max",
    "tags.any": "tags_any",
    "tags.all": "tags_all",
    "shops": "shops",
    "levels": "levels",
    "groups": "groups",
    "purchase": "purchase",
}


def field_of(path: str) -> str | None:
    """The form field for an error of parse_rules ("rules.tags.any[1]" → "tags_any")."""
    key = re.sub(r"\[\d+\]", "", path.removeprefix("rules").lstrip("."))
    return _FIELDS.get(key)


def _number(label: Any, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=0, help_text=help_text)


class SegmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    shop = forms.ChoiceField(label=_("Shop"), required=False)
    within_days = _number(_("Ordered within the last … days"))
    not_within_days = _number(_("No order in the last … days"))
    orders_min = _number(_("Orders at least"))
    orders_max = _number(_("Orders at most"))
    spent_min = forms.CharField(label=_("Spent at least (¥)"), required=False, max_length=20)
    spent_max = forms.CharField(label=_("Spent at most (¥)"), required=False, max_length=20)
    tags_any = forms.MultipleChoiceField(label=_("Any of these tags"), required=False)
    tags_all = forms.MultipleChoiceField(label=_("All of these tags"), required=False)
    shops = forms.MultipleChoiceField(label=_("In these shops"), required=False)
    levels = forms.MultipleChoiceField(label=_("At these levels"), required=False)
    groups = forms.MultipleChoiceField(label=_("In these buyer groups"), required=False)
    purchase = forms.ChoiceField(label=_("Has bought or not"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        shops = list(Shop.objects.order_by("name").values_list("code", "name"))
        cast(forms.ChoiceField, self.fields["shop"]).choices = [("", _("Every shop")), *shops]
        cast(forms.ChoiceField, self.fields["shops"]).choices = shops
        tags = [(name, name) for name in CustomerTag.objects.order_by("name").values_list("name", flat=True)]
        cast(forms.ChoiceField, self.fields["tags_any"]).choices = tags
        cast(forms.ChoiceField, self.fields["tags_all"]).choices = tags
        levels = dict(CustomerLevel.objects.order_by("rank", "code").values_list("code", "name"))
        cast(forms.ChoiceField, self.fields["levels"]).choices = list(levels.items())
        names = CustomerGroup.objects.order_by("name").values_list("name", flat=True)
        cast(forms.ChoiceField, self.fields["groups"]).choices = [(name, name) for name in names]
        cast(forms.ChoiceField, self.fields["purchase"]).choices = [
            ("", _("Any customer")),
            *((code, label) for code, label in segments.PURCHASE_GROUPS.items()),
        ]

    def rules(self) -> dict[str, Any]:
        """The filled-in fields as segment rules (unchecked: parse_rules checks them)."""
        data = self.cleaned_data
        rules: dict[str, Any] = {}

        def pair(key: str, first: tuple[str, str], second: tuple[str, str]) -> None:
            part = {name: data[field] for name, field in (first, second) if data.get(field) not in (None, "")}
            if part:
                rules[key] = part

        pair("recency", ("within_days", "within_days"), ("not_within_days", "not_within_days"))
        pair("orders", ("min", "orders_min"), ("max", "orders_max"))
        pair("spent", ("min", "spent_min"), ("max", "spent_max"))
        tags = {name: data[field] for name, field in (("any", "tags_any"), ("all", "tags_all")) if data.get(field)}
        if tags:
            rules["tags"] = tags
        for key in ("shops", "levels", "groups"):
            if data.get(key):
                rules[key] = list(data[key])
        if data.get("purchase"):
            rules["purchase"] = data["purchase"]
        return rules

    @staticmethod
    def initial_from(segment: Any) -> dict[str, Any]:
        rules = segment.rules or {}
        initial: dict[str, Any] = {
            "name": segment.name,
            "description": segment.description,
            "shop": segment.shop.code if segment.shop else "",
        }
        for path, field in _FIELDS.items():
            if "." not in path and path not in ("shops", "levels", "groups", "purchase"):
                continue
            value: Any = rules
            for part in path.split("."):
                value = value.get(part) if isinstance(value, dict) else None
            if value is not None:
                initial[field] = value
        return initial


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=60)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class MembersForm(forms.Form):
    customers = forms.CharField(
        label=_("Customers"),
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Customer numbers, nicknames or phones, one a line or separated by commas."),
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"), widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}))
    dry_run = forms.BooleanField(label=_("Check only, import nothing"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Formatted here, in the request's language (a lazy text formatted at import is not).
        self.fields["file"].help_text = _(
            "An .xlsx or .csv file (UTF-8 or GBK), at most %(mb)s MB and %(rows)s rows."
        ) % {
            "mb": excel.MAX_BYTES // (1024 * 1024),
            "rows": excel.MAX_ROWS,
        }
