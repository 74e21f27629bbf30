"""Why an order is held: the review rules' sentences (and the balance-due and dropship
ones) were stored finished, in the writer's language, in OrderHold.message and in the
HELD events' reasons. They become a code and parameters (rendered when read,
core.messages); a reason a person typed stays as typed.

Templates frozen as they were written; read in English and Chinese (the .po catalogue).
"""

from typing import Any

from django.db import migrations

from sellerdesk.core import legacy_text

RULES = [
    ("finding_stock_short", "Line %(position)s (%(sku)s): %(reserved)s of %(quantity)s reserved."),
    ("finding_message_not_understood", "The buyer wrote something no rule understood: “%(text)s”."),
    ("finding_total_above_limit", "The total ¥%(total)s is above the shop's limit of ¥%(limit)s."),
    ("finding_quantity_above_limit", "%(quantity)s items is above the shop's limit of %(limit)s."),
    ("finding_other_open_orders", "The same buyer has other open orders: %(numbers)s."),
    (
        "finding_cod_cap",
        "A buyer without a completed order placed %(count)s cash-on-delivery orders today; the shop allows %(cap)s.",
    ),
    ("finding_requested_carrier_out_of_area", "The buyer asked for %(carrier)s, which does not deliver there%(cod)s."),
    ("finding_no_carrier", "No carrier delivers to %(area)s%(cod)s (超区)."),
    ("finding_over_credit", "¥%(due)s on credit is more than the ¥%(remaining)s of credit the customer has left."),
    ("finding_price_off_list", "Line %(position)s (%(sku)s) is sold at ¥%(price)s; the price list says ¥%(expected)s."),
    ("hold_balance_due", "The buyer owes ¥%(due)s after the order changed."),
    # core.addresses' problems, found by the address rule
    ("address_detail_missing", "The street address is missing."),
    ("address_province_missing", "The province is missing."),
    ("address_province_unknown", "%(province)s is not a province of China."),
    ("address_city_missing", "The city is missing."),
    ("address_city_not_in_province", "%(city)s is not a city of %(province)s."),
    ("address_district_missing", "The district or county is missing."),
    ("address_district_not_in_city", "%(district)s is not a district of %(city)s."),
    ("address_phone_missing", "The phone number is missing."),
    ("address_phone_invalid", "%(phone)s is not a valid mainland China mobile or landline number."),
    (
        "hold_dropship_no_supplier",
        "No supplier ships the dropship SKU(s) %(skus)s: add a dropship supplier for them, "
        "then create the dropship purchase on the dropship screen.",
    ),
]


def code_of(text: Any, suggestion: Any = None) -> dict[str, Any] | None:
    if not isinstance(text, str) or not text:
        return None
    # Two address sentences read alike in Chinese ("X 不属于Y。"): the problem's field,
    # kept in the hold's suggestion, says which it is.
    field = suggestion.get("field", "") if isinstance(suggestion, dict) else ""
    field = field.removeprefix("buyer.")
    rules = sorted(RULES, key=lambda rule: not (field and rule[0].startswith(f"address_{field}_")))
    # "%(cod)s" was " with cash on delivery" (in the writer's language) or nothing.
    found: dict[str, Any] | None = legacy_text.coded(
        text, rules, choices={"cod": legacy_text.translations(" with cash on delivery")}
    )
    if found is None:
        return None
    if "cod" in found:
        found["cod"] = bool(found["cod"])
    if found["code"] == "hold_dropship_no_supplier":
        found["skus"] = found["skus"].split(", ")
    return found


def messages_to_codes(apps: Any, schema_editor: Any) -> None:
    OrderHold = apps.get_model("orders", "OrderHold")
    OrderEvent = apps.get_model("orders", "OrderEvent")
    holds = []
    for hold in OrderHold.objects.exclude(message="").only("pk", "message", "suggestion").iterator(chunk_size=2000):
        found = code_of(hold.message, hold.suggestion)
        if found:
            hold.message, hold.message_data = "", found
            holds.append(hold)
    OrderHold.objects.bulk_update(holds, ["message", "message_data"], batch_size=1000)
    events = []
    for event in OrderEvent.objects.filter(type="held").only("pk", "data").iterator(chunk_size=2000):
        reasons = (event.data or {}).get("reasons") or []
        converted = [
            {**reason, "message": code_of(reason.get("message"), reason.get("suggestion")) or reason.get("message")}
            for reason in reasons
        ]
        if converted != reasons:
            event.data = {**event.data, "reasons": converted}
            events.append(event)
    OrderEvent.objects.bulk_update(events, ["data"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0015_texts_as_codes"),
    ]

    operations = [
        migrations.RunPython(messages_to_codes, migrations.RunPython.noop, elidable=True),
    ]
