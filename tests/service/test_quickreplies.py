"""Quick replies: placeholders filled from the buyer's current order, scopes, shortcuts,
usage counts, spreadsheet import and export, the starter set."""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.logistics.models import Carrier, Shipment, ShipmentStatus
from sellerdesk.orders.models import Order
from sellerdesk.service import quickreplies
from sellerdesk.service.models import AgentProfile, Conversation, ConversationChannel, QuickReply, Team
from sellerdesk.shops.models import Shop, default_shop
from tests.factories import make_sku, make_user, place

SHANGHAI = ZoneInfo("Asia/Shanghai")
AT = datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI)


def conversation_for(order: Order | None = None, **fields: Any) -> Conversation:
    values: dict[str, Any] = {
        "shop": order.shop if order is not None else default_shop(),
        "customer": order.customer if order is not None else None,
        "order": order,
        "channel": ConversationChannel.WEB,
        "created_at": AT,
        "last_message_at": AT,
    }
    values.update(fields)
    return Conversation.objects.create(**values)


@pytest.fixture
def dress_order(db: Any) -> Order:
    dress = make_sku("DRESS-XS", price="128.00", name="吊带裙", attributes={"尺码": "XS", "颜色": "玫红"})
    tee = make_sku("TEE", price="59.00", name="T恤", attributes={})
    return place((dress.code, 1), (tee.code, 2))


def test_fill_every_placeholder_from_the_order(dress_order: Order) -> None:
    Order.objects.filter(pk=dress_order.pk).update(
        carrier="顺丰速运", tracking_number="SF1234567890", promised_ship_date=date(2026, 11, 8)
    )
    dress_order.refresh_from_db()
    agent = make_user("hua", "agent", "阿华")
    conversation = conversation_for(dress_order, assignee=agent)
    body = (
        "{buyer_name}您好，订单{order_number}：\n{goods}\n共¥{total}，{carrier} {tracking_number}，"
        "预计{promised_ship_date}发货。{shop_name} {agent_name} {{不是占位符}}"
    )
    assert quickreplies.fill(body, conversation) == (
        f"张三您好，订单{dress_order.number}：\n吊带裙 玫红/XS ×1\nT恤 ×2\n共¥246.00，顺丰速运 SF1234567890，"
        f"预计11月8日发货。{dress_order.shop.name} 阿华 {{不是占位符}}"
    )


def test_pay_by_in_shanghai_time_and_in_english(dress_order: Order) -> None:
    deadline = datetime(2026, 11, 10, 8, 30, tzinfo=ZoneInfo("UTC"))
    Order.objects.filter(pk=dress_order.pk).update(pay_deadline=deadline)
    dress_order.refresh_from_db()
    assert quickreplies.fill("{pay_by}", conversation_for(dress_order)) == "11月10日 16:30"
    assert quickreplies.fill("{pay_by}", conversation_for(dress_order, language="en")) == "10 Nov 16:30"


def test_the_buyers_newest_order_when_the_conversation_names_none(dress_order: Order) -> None:
    conversation = conversation_for(None, customer=dress_order.customer)
    assert quickreplies.fill("{order_number}", conversation) == dress_order.number


def test_carrier_and_tracking_from_the_shipment_by_the_carriers_name(dress_order: Order) -> None:
    carrier = Carrier.objects.create(code="zto", name="中通快递")
    Shipment.objects.create(
        order=dress_order, carrier=carrier, tracking_number="ZT778899", status=ShipmentStatus.values[0], created_at=AT
    )
    Order.objects.filter(pk=dress_order.pk).update(carrier="zto")
    assert quickreplies.fill("{carrier}:{tracking_number}", conversation_for(dress_order)) == "中通快递:ZT778899"


def test_agent_who_inserts_the_reply_signs_it(dress_order: Order) -> None:
    agent = make_user("mei", "agent", "小美")
    assert quickreplies.fill("客服{agent_name}", conversation_for(dress_order), agent=agent) == "客服小美"


def test_unknown_placeholder_is_named(dress_order: Order) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.fill("{buyer_name} {coupon_code} {order_no", conversation_for(dress_order))
    message = caught.value.fields["body"]
    assert "{coupon_code}" in message
    assert "{order_no" in message
    assert "{buyer_name}" not in message.split("(")[0]


def test_values_the_conversation_lacks_are_refused_not_left_blank(db: Any) -> None:
    conversation = conversation_for(None, contact_name="小李")
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.fill("{buyer_name} {order_number} {agent_name}", conversation)
    message = caught.value.fields["body"]
    assert "{order_number}: the conversation has no order" in message
    assert "{agent_name}: no agent is answering the conversation" in message
    assert quickreplies.fill("{buyer_name}您好", conversation) == "小李您好"


def test_not_yet_shipped_order_has_no_tracking_number(dress_order: Order) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.fill("{tracking_number}", conversation_for(dress_order))
    assert (
        caught.value.fields["body"] == f"{{tracking_number}}: the order {dress_order.number} has no tracking number yet"
    )


def test_an_unknown_buyer_is_addressed_as_taobao_does(db: Any) -> None:
    assert quickreplies.fill("{buyer_name}", conversation_for(None, language="en")) == "dear customer"


def test_total_has_two_places(dress_order: Order) -> None:
    Order.objects.filter(pk=dress_order.pk).update(total=Decimal("99.5"))
    dress_order.refresh_from_db()
    assert quickreplies.fill("{total}", conversation_for(dress_order)) == "99.50"
    assert timezone.is_aware(AT)


# --- scopes, shortcuts, usage ---------------------------------------------------------------


@pytest.fixture
def people(db: Any) -> dict[str, Any]:
    supervisor = make_user("boss", "supervisor", "主管")
    hua = make_user("hua", "agent", "阿华")
    mei = make_user("mei", "agent", "小美")
    presale = Team.objects.create(name="售前组", supervisor=supervisor)
    aftersale = Team.objects.create(name="售后组")
    AgentProfile.objects.create(user=hua, team=presale)
    AgentProfile.objects.create(user=mei, team=aftersale)
    return {"supervisor": supervisor, "hua": hua, "mei": mei, "presale": presale, "aftersale": aftersale}


def draft(title: str, shortcut: str = "", **fields: Any) -> quickreplies.ReplyDraft:
    return quickreplies.ReplyDraft(title=title, body=fields.pop("body", title + "。"), shortcut=shortcut, **fields)


def test_an_agent_sees_the_shops_their_teams_and_their_own(people: dict[str, Any]) -> None:
    boss, hua, mei = people["supervisor"], people["hua"], people["mei"]
    other_shop = Shop.objects.create(code="jd", name="京东店")
    shop_wide = quickreplies.save_reply(actor=boss, draft=draft("问候", "hi", scope="shop"))
    jd_only = quickreplies.save_reply(actor=boss, draft=draft("京东问候", "jdhi", scope="shop", shop_id=other_shop.pk))
    team = quickreplies.save_reply(
        actor=boss, draft=draft("售前话术", "pre", scope="team", team_id=people["presale"].pk)
    )
    own = quickreplies.save_reply(actor=hua, draft=draft("我的", "mine"))
    quickreplies.save_reply(actor=mei, draft=draft("她的", "hers"))

    assert set(quickreplies.visible_replies(actor=hua)) == {shop_wide, jd_only, team, own}
    main = default_shop()
    assert set(quickreplies.visible_replies(actor=hua, shop_id=main.pk)) == {shop_wide, team, own}
    assert {reply.title for reply in quickreplies.visible_replies(actor=mei)} == {"问候", "京东问候", "她的"}


def test_shortcuts_find_the_most_specific_reply(people: dict[str, Any]) -> None:
    boss, hua = people["supervisor"], people["hua"]
    quickreplies.save_reply(actor=boss, draft=draft("全店问候", "hi", scope="shop"))
    en = quickreplies.save_reply(actor=boss, draft=draft("Hello", "hi", scope="shop", language="en"))
    own = quickreplies.save_reply(actor=hua, draft=draft("我的问候", ";HI"))

    assert own.shortcut == "hi"
    assert quickreplies.find_by_shortcut(actor=hua, shortcut=";hi") == own
    assert quickreplies.find_by_shortcut(actor=hua, shortcut="hi", language="en") == en
    assert quickreplies.find_by_shortcut(actor=people["mei"], shortcut="Hi").title == "全店问候"
    assert quickreplies.find_by_shortcut(actor=hua, shortcut="nothing") is None


def test_who_may_write_which_scope(people: dict[str, Any]) -> None:
    hua = people["hua"]
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.save_reply(actor=hua, draft=draft("全店", "x", scope="shop"))
    assert caught.value.fields == {"scope": "Only a supervisor or the owner may write shop-wide quick replies."}
    with pytest.raises(ValidationFailed):
        quickreplies.save_reply(actor=hua, draft=draft("组", "y", scope="team", team_id=people["presale"].pk))
    led = Team.objects.create(name="夜班", supervisor=hua)
    assert quickreplies.save_reply(actor=hua, draft=draft("夜班", "night", scope="team", team_id=led.pk)).team == led
    others = quickreplies.save_reply(actor=people["mei"], draft=draft("她的", "hers"))
    with pytest.raises(PermissionDenied):
        quickreplies.save_reply(actor=hua, draft=draft("改她的"), reply=others)
    assert QuickReply.objects.count() == 2


def test_a_reply_is_checked_field_by_field_and_nothing_is_saved(people: dict[str, Any]) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.save_reply(
            actor=people["hua"],
            draft=quickreplies.ReplyDraft(title="", body="{buyer} 您好", shortcut="a b", language="fr"),
        )
    assert set(caught.value.fields) == {"title", "body", "shortcut", "language"}
    assert "{buyer}" in caught.value.fields["body"]
    assert not QuickReply.objects.exists()


def test_a_shortcut_is_unique_in_its_place(people: dict[str, Any]) -> None:
    hua = people["hua"]
    quickreplies.save_reply(actor=hua, draft=draft("一", "one"))
    with pytest.raises(ValidationFailed) as caught:
        quickreplies.save_reply(actor=hua, draft=draft("二", "ONE"))
    assert set(caught.value.fields) == {"shortcut"}
    quickreplies.save_reply(actor=people["mei"], draft=draft("二", "one"))  # another agent's place


def test_usage_is_counted_per_insertion(people: dict[str, Any]) -> None:
    one = quickreplies.save_reply(actor=people["hua"], draft=draft("一", "one"))
    two = quickreplies.save_reply(actor=people["hua"], draft=draft("二", "two"))
    quickreplies.record_use([one.pk, two.pk, one.pk])
    quickreplies.record_use([one.pk])
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.usage_count, two.usage_count) == (3, 1)


# --- spreadsheets and the starter set -------------------------------------------------------


def test_export_opens_in_openpyxl_and_imports_back_unchanged(people: dict[str, Any]) -> None:
    boss = people["supervisor"]
    quickreplies.save_reply(actor=boss, draft=draft("问候", "hi", scope="shop", body="{buyer_name}您好，\n欢迎光临"))
    quickreplies.save_reply(actor=boss, draft=draft("售前", "pre", scope="team", team_id=people["presale"].pk))
    mine = quickreplies.save_reply(actor=people["hua"], draft=draft("我的", "mine"))
    quickreplies.record_use([mine.pk])

    data = quickreplies.export_xlsx(QuickReply.objects.all())

    sheet = load_workbook(io.BytesIO(data)).active
    rows = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == list(quickreplies.COLUMNS)
    assert ["问候", "hi", "", "zh-hans", "shop", "", "", "", "{buyer_name}您好，\n欢迎光临", 0] in rows
    assert ["我的", "mine", "", "zh-hans", "personal", "", "", "hua", "我的。", 1] in rows
    assert ["售前", "pre", "", "zh-hans", "team", "", "售前组", "", "售前。", 0] in rows

    before = list(QuickReply.objects.order_by("pk").values())
    for _attempt in range(2):
        result = quickreplies.import_file(data=data, filename="replies.xlsx", actor=boss)
        assert result == quickreplies.ImportResult(created=0, updated=0, unchanged=3)
    assert list(QuickReply.objects.order_by("pk").values()) == before


def test_csv_import_creates_and_changes(people: dict[str, Any]) -> None:
    hua = people["hua"]
    quickreplies.save_reply(actor=hua, draft=draft("旧", "old", body="旧的话"))
    content = "标题,快捷键,分类,内容\n新,new,接待,{buyer_name}您好\n旧,old,接待,新的话\n".encode("gb18030")

    result = quickreplies.import_file(data=content, filename="短语.csv", actor=hua)

    assert result == quickreplies.ImportResult(created=1, updated=1, unchanged=0)
    assert dict(QuickReply.objects.values_list("shortcut", "body")) == {"old": "新的话", "new": "{buyer_name}您好"}
    assert set(QuickReply.objects.values_list("owner", flat=True)) == {hua.pk}


def test_every_bad_row_by_line_number_and_nothing_imported(people: dict[str, Any]) -> None:
    content = (
        "title,shortcut,scope,team,text\n"
        "好,good,personal,,很好\n"
        ",x,personal,,没有标题\n"
        "坏占位,bad,personal,,{coupon}\n"
        "\n"
        "全店,shop1,shop,,无权\n"
        "组,t,team,没有这个组,话\n"
        "重复,good,personal,,又一个\n"
    ).encode()

    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.import_file(data=content, filename="r.csv", actor=people["hua"])

    fields = caught.value.fields
    assert set(fields) == {
        "rows[3].title",
        "rows[4].text",
        "rows[6].scope",
        "rows[7].team",
        "rows[8].shortcut",
    }
    assert "{coupon}" in fields["rows[4].text"]
    assert fields["rows[8].shortcut"] == "The same quick reply as line 2."
    assert not QuickReply.objects.exists()


def test_a_file_that_is_not_a_spreadsheet(people: dict[str, Any]) -> None:
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.import_file(data=b"PK\x03\x04 broken", filename="r.xlsx", actor=people["hua"])
    assert caught.value.fields == {"file": "not a readable XLSX workbook"}
    with pytest.raises(ValidationFailed) as caught:
        quickreplies.import_file(data=b"name,words\na,b\n", filename="r.csv", actor=people["hua"])
    assert set(caught.value.fields) == {"header"}


def test_the_starter_set_fills_from_an_order_and_seeds_once(dress_order: Order) -> None:
    added = quickreplies.seed_quick_replies()

    assert added == QuickReply.objects.count() >= 30
    assert quickreplies.seed_quick_replies() == 0
    languages = set(QuickReply.objects.values_list("language", flat=True))
    assert languages == {"zh-hans", "en"}
    Order.objects.filter(pk=dress_order.pk).update(carrier="顺丰速运", tracking_number="SF1234567890")
    dress_order.refresh_from_db()
    agent = make_user("hua2", "agent", "阿华")
    ship = QuickReply.objects.get(shortcut="ship", language="zh-hans")
    text = quickreplies.fill(ship.body, conversation_for(dress_order), agent=agent)
    assert text == f"张三您好，您的订单{dress_order.number}已经发货啦！顺丰速运，运单号SF1234567890，请注意查收哦。"
    confirm = QuickReply.objects.get(shortcut="confirm", language="en")
    assert "吊带裙 玫红/XS ×1\nT恤 ×2\nTotal ¥246.00" in quickreplies.fill(
        confirm.body, conversation_for(dress_order, language="en")
    )
    for reply in QuickReply.objects.all():
        quickreplies.check_body(reply.body)


def test_a_csv_with_a_huge_field_is_refused_naming_the_line(people: dict[str, Any]) -> None:
    """Issue 17 B: the quick-reply import reads through core.tables (bounded, names the
    line) instead of a 500 on a field over 128 KB."""
    content = b"title,text\nhi," + b"x" * (128 * 1024 + 10) + b"\n"
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        quickreplies.import_file(data=content, filename="r.csv", actor=people["hua"])
    assert caught.value.fields == {"file": "Line 2: a cell longer than 8000 characters."}
    assert not QuickReply.objects.exists()
