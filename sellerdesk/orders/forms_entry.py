"""Parsing for the manual order entry screen (views_entry): the order's fields, its lines
as posted, and an address pasted as one line. They only parse; place_order decides."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.addresses import normalize_phone, normalize_province, parse_address
from sellerdesk.core.forms import MoneyField
from sellerdesk.core.money import NotMoney, parse_money
from sellerdesk.orders.actions import MAX_SHIPPING_FEE
from sellerdesk.orders.models import OrderSource, PaymentMethod, ShippingMethod
from sellerdesk.shops.models import Shop

# The sources an agent enters by hand (the API and the marketplaces bring the others).
ENTRY_SOURCES = [OrderSource.PHONE, OrderSource.INQUIRY, OrderSource.SILENT, OrderSource.COD, OrderSource.REMITTANCE]
# A source that says how the buyer pays; the others are paid online unless the agent says otherwise.
PAYMENT_OF_SOURCE = {
    OrderSource.COD.value: PaymentMethod.COD.value,
    OrderSource.REMITTANCE.value: PaymentMethod.REMITTANCE.value,
}
MEMO_MAX_LENGTH = 500  # orders.actions.add_note's limit
MAX_LINES: int = settings.SELLERDESK["MAX_ORDER_LINES"]
MAX_QUANTITY: int = settings.SELLERDESK["MAX_LINE_QUANTITY"]
MAX_UNIT_PRICE: Decimal = settings.SELLERDESK["MAX_UNIT_PRICE"]


def payment_of_source(source: str) -> str:
    """The payment method a source implies: COD and remittance orders are paid that way."""
    return PAYMENT_OF_SOURCE.get(source, PaymentMethod.ONLINE.value)


class EntryForm(forms.Form):
    """Everything of a manually entered order but its lines (see posted_lines)."""

    shop = forms.ChoiceField(label=gettext_lazy("Shop"), choices=[])
    source = forms.ChoiceField(
        label=gettext_lazy("Source"), choices=[(source.value, source.label) for source in ENTRY_SOURCES]
    )
    payment_method = forms.ChoiceField(label=gettext_lazy("Payment"), choices=PaymentMethod.choices, required=False)
    shipping_method = forms.ChoiceField(label=gettext_lazy("Shipping"), choices=ShippingMethod.choices)
    shipping_fee = MoneyField(
        label=gettext_lazy("Shipping fee"),
        required=False,
        min_value=Decimal("0.00"),
        max_value=MAX_SHIPPING_FEE,
        max_digits=7,
        decimal_places=2,
        localize=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 7, "placeholder": "0.00"}),
    )
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    nickname = forms.CharField(label=gettext_lazy("Nickname"), required=False, max_length=100)
    name = forms.CharField(label=gettext_lazy("Recipient"), max_length=50)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=32)
    province = forms.CharField(label=gettext_lazy("Province"), max_length=20)
    city = forms.CharField(label=gettext_lazy("City"), max_length=30)
    district = forms.CharField(label=gettext_lazy("District"), required=False, max_length=30)
    detail = forms.CharField(label=gettext_lazy("Street address"), max_length=200)
    buyer_message = forms.CharField(
        label=gettext_lazy("Buyer message (买家留言)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    memo = forms.CharField(
        label=gettext_lazy("Seller memo (卖家备注)"),
        required=False,
        max_length=MEMO_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("For staff only; kept as a note on the order."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["shop"].choices = list(Shop.objects.order_by("pk").values_list("code", "name"))  # type: ignore[attr-defined]
        for name in ("nickname", "name", "phone", "province", "city", "district", "detail"):
            self.fields[name].widget.attrs.setdefault("autocomplete", "off")
        self.fields["phone"].widget.attrs["inputmode"] = "tel"

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data["phone"])
        if phone is None:
            raise forms.ValidationError(_("enter a mainland mobile or landline number"))
        return phone

    def clean_province(self) -> str:
        province = normalize_province(self.cleaned_data["province"])
        if province is None:
            raise forms.ValidationError(_("not a province of China"))
        return province

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        source = str(data.get("source") or "")
        if source and not data.get("payment_method"):
            data["payment_method"] = payment_of_source(source)
        # A COD or remittance order is paid that way by definition.
        implied = PAYMENT_OF_SOURCE.get(source)
        if implied and data.get("payment_method") and data["payment_method"] != implied:
            self.add_error(
                "payment_method",
                _("a “%(source)s” order is paid by %(method)s")
                % {"source": OrderSource(source).label, "method": PaymentMethod(implied).label},
            )
        if data.get("shipping_fee") is None:
            data["shipping_fee"] = Decimal("0.00")
        return data


@dataclass
class PostedLine:
    """One line as posted, its values kept as typed so that nothing is lost on an error."""

    sku: str
    quantity: str
    unit_price: str
    quoted: str = ""  # the price list's price when the line was shown: an untouched price follows it
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def quantity_value(self) -> int | None:
        text = self.quantity.strip()
        return int(text) if re.fullmatch(r"\d{1,9}", text) else None

    @property
    def price_value(self) -> Decimal | None:
        # The shared reader (core.money): "1e3" or NaN is no price; the range is
        # checked by check_lines against MAX_UNIT_PRICE.
        try:
            return parse_money(self.unit_price, maximum=Decimal("1e12"))
        except NotMoney:
            return None


def posted_lines(data: QueryDict) -> list[PostedLine]:
    """The lines of a posted entry form (parallel lists line_sku, line_quantity, line_price,
    line_quoted), in order; blank rows are dropped."""
    skus = data.getlist("line_sku")[:MAX_LINES]
    quantities = data.getlist("line_quantity")
    prices = data.getlist("line_price")
    quoted = data.getlist("line_quoted")

    def at(values: list[str], index: int) -> str:
        return values[index] if index < len(values) else ""

    return [
        PostedLine(sku.strip()[:64], at(quantities, index)[:20], at(prices, index)[:20], at(quoted, index)[:20])
        for index, sku in enumerate(skus)
        if sku.strip()
    ]


def check_lines(lines: list[PostedLine]) -> bool:
    """Mark each line's bad quantity or price (on the line); True when all are good."""
    for line in lines:
        line.errors.clear()
        quantity = line.quantity_value
        if quantity is None or not 1 <= quantity <= MAX_QUANTITY:
            line.errors["quantity"] = _("between 1 and %(max)s") % {"max": MAX_QUANTITY}
        price = line.price_value
        if price is None or price > MAX_UNIT_PRICE:
            line.errors["unit_price"] = _("a price such as 59.00 (at most %(max)s)") % {"max": MAX_UNIT_PRICE}
    return not any(line.errors for line in lines)


# --- an address pasted as one line ----------------------------------------------------------

# "+86 138…", "86-138…", "138 0013 8000"; a landline "0571-88886666".
_MOBILE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(1\d{2}[\s-]?\d{4}[\s-]?\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3}-?\d{7,8})(?!\d)")
_POSTCODE = re.compile(r"(?<!\d)\d{6}(?!\d)")
# Labels people copy along with the values: 收货人：张三 手机：… 地址：…
_LABELS = re.compile(
    r"(收货人|收件人|联系人|姓名|手机号码|手机号|手机|电话|联系电话|所在地区|详细地址|收货地址|地址|邮编)\s*[:：]?"
)
_SEPARATORS = re.compile(r"[\s,，;；、|/]+")


@dataclass(frozen=True)
class PastedAddress:
    """What a pasted line was read as; `problems` names the parts that could not be read."""

    name: str = ""
    phone: str = ""
    province: str = ""
    city: str = ""
    district: str = ""
    detail: str = ""
    problems: tuple[str, ...] = ()


def split_pasted_address(text: str) -> PastedAddress:
    """Read a recipient, a phone and an address from one pasted line, in any order:
    "张三 13800138000 浙江省杭州市西湖区文三路90号", "浙江省 杭州市 西湖区 文三路90号，张三，
    86-13800138000，310000" (Taobao's copy). The address is split by core.addresses;
    the parts not found are listed in `problems` ("name", "phone", "address")."""
    text = _LABELS.sub(" ", text.strip()[:300])
    phone = ""
    match = _MOBILE.search(text) or _LANDLINE.search(text)
    if match is not None:
        phone = normalize_phone(match.group(1)) or ""
        text = text[: match.start()] + " " + text[match.end() :]
    text = _POSTCODE.sub(" ", text)
    tokens = [token for token in _SEPARATORS.split(text) if token]
    start = next(
        (index for index, token in enumerate(tokens) if parse_address("".join(tokens[index:])) is not None), None
    )
    name = ""
    parsed = None
    if start is not None:
        before, address = tokens[:start], tokens[start:]
        # The name after the address ("…文三路90号 张三"): a short last word without digits.
        if not before and len(address) > 1 and _looks_like_name(address[-1]):
            before, address = [address[-1]], address[:-1]
        parsed = parse_address("".join(address))
        name = before[0] if before else ""
    elif tokens:
        name = tokens[0] if _looks_like_name(tokens[0]) else ""
    problems = [part for part, value in (("name", name), ("phone", phone)) if not value]
    if parsed is None or len(parsed.detail) < 2:
        problems.append("address")
    return PastedAddress(
        name=name[:50],
        phone=phone,
        province=parsed.province if parsed else "",
        city=parsed.city if parsed else "",
        district=parsed.district if parsed else "",
        detail=parsed.detail[:200] if parsed else "",
        problems=tuple(problems),
    )


# Words an address ends with, so that "…西湖区 文三路" is not read as a street and a name "文三路".
_ADDRESS_ENDINGS = tuple("路街道巷弄号村镇乡区县楼栋幢室层苑园府城庄里站")


def _looks_like_name(token: str) -> bool:
    return (
        1 <= len(token) <= 12
        and not any(ch.isdigit() for ch in token)
        and not token.endswith((*_ADDRESS_ENDINGS, "单元", "小区", "大厦", "公寓", "花园"))
        and parse_address(token) is None
    )
