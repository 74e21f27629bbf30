"""Buyer messages read for packaging, privacy and delivery wishes (seed 000's story of
the student whose parents saw the price)."""

from typing import Any

import pytest
from django.test import Client

from sellerdesk.orders.instructions import Instructions, read_instructions
from tests.factories import make_sku, place

CASES = [
    ("不要放价格单", {"no_price_slip": True}),
    ("送礼 不要价格", {"no_price_slip": True, "is_gift": True}),
    ("亲，是送女朋友的生日礼物，里面不要有价格哦", {"no_price_slip": True, "is_gift": True}),
    ("不要发票", {"no_invoice": True}),
    ("易碎 加固包装", {"fragile": True, "reinforced_packaging": True}),
    ("玻璃瓶，小心轻放", {"fragile": True, "reinforced_packaging": True}),
    ("多包几层，防压", {"reinforced_packaging": True}),
    ("请发顺丰，谢谢", {"preferred_carrier": "SF"}),
    ("不要发票 走EMS", {"no_invoice": True, "preferred_carrier": "EMS"}),
    ("周末送货", {"delivery_notes": ("周末送货",)}),
    ("送货前电话，放门卫", {"delivery_notes": ("送货前电话", "放门卫")}),
    ("麻烦尽快发货，谢谢亲", {}),
    ("帮我换成蓝色的", {"unrecognised": "换成蓝色"}),
    ("明天能到吗", {"unrecognised": "明天能到吗"}),
    ("", {}),
]


@pytest.mark.parametrize(("message", "expected"), CASES)
def test_a_message_becomes_flags(message: str, expected: dict[str, Any]) -> None:
    assert read_instructions(message) == Instructions(**expected)


def test_only_an_unrecognised_rest_needs_a_person() -> None:
    assert read_instructions("帮我换成蓝色的").needs_reading is True
    assert read_instructions("不要放价格单，谢谢").needs_reading is False


def test_flags_survive_the_round_trip_through_json() -> None:
    wishes = read_instructions("送礼 易碎 请发顺丰 周末送货")

    assert Instructions.from_dict(wishes.as_dict()) == wishes


def test_intake_records_the_flags_and_the_api_returns_them(api: Any) -> None:
    make_sku("GIFT-1", stock=5)

    response = api.post(
        "/api/v1/orders",
        {
            "buyer": {"name": "王芳", "phone": "13700001111"},
            "address": "浙江省杭州市西湖区文三路90号",
            "lines": [{"sku": "GIFT-1", "quantity": 1}],
            "buyer_message": "不要放价格单",
        },
    )

    assert response.status_code == 201
    assert response.json()["instructions"] == {
        "no_price_slip": True,
        "no_invoice": False,
        "is_gift": False,
        "fragile": False,
        "reinforced_packaging": False,
        "preferred_carrier": "",
        "delivery_notes": [],
        "unrecognised": "",
    }


def test_the_order_page_shows_the_flags(agent: Any) -> None:
    make_sku("GIFT-2", stock=5)
    order = place(("GIFT-2", 1), buyer_message="送礼 不要价格")
    client = Client()
    client.force_login(agent)

    page = client.get(f"/orders/{order.number}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert order.instructions["no_price_slip"] is True
    assert 'class="instruction instruction-privacy"' in page
