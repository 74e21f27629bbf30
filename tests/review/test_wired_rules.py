"""The rules that read the address tables, carrier coverage, customer credit and price
lists: each on its own, with the suggestion or detail a person needs to decide."""

from __future__ import annotations

from decimal import Decimal

from sellerdesk.catalog.models import PriceList, PriceListItem, Sku
from sellerdesk.customers.models import Customer
from sellerdesk.logistics.models import Carrier, CarrierCoverage
from sellerdesk.orders import actions
from sellerdesk.orders.models import Order
from sellerdesk.orders.review.engine import build_context, evaluate
from sellerdesk.orders.review.rules import Finding
from tests.review.conftest import AFTER_BUFFER, paid, place


def _findings(order: Order, code: str) -> list[Finding]:
    order = Order.objects.get(pk=order.pk)
    verdict = evaluate(order, build_context([order], now=AFTER_BUFFER))
    return [finding for finding in verdict.findings if finding.code == code]


def test_a_district_not_in_the_city_is_held_with_the_corrected_address(tee: Sku) -> None:
    order = paid(("TEE-RED-M", 1), address=actions.Address("浙江省", "杭州市", "朝阳区", "西湖区文三路90号"))

    found = _findings(order, "address")

    assert [finding.suggestion["problem"] for finding in found if finding.suggestion] == ["district_not_in_city"]
    assert found[0].suggestion is not None
    assert found[0].suggestion["address"]["district"] == "西湖区"


def test_a_real_address_passes(tee: Sku) -> None:
    assert _findings(paid(("TEE-RED-M", 1)), "address") == []


def _carrier(code: str, *provinces: str, cod: bool = False) -> Carrier:
    carrier = Carrier.objects.create(code=code, name=code, supports_cod=cod)
    for province in provinces:
        CarrierCoverage.objects.create(carrier=carrier, province=province)
    return carrier


def test_an_address_no_carrier_reaches_is_held(tee: Sku) -> None:
    _carrier("SF", "广东省")

    found = _findings(paid(("TEE-RED-M", 1)), "carrier")

    assert [finding.suggestion for finding in found] == [None]
    assert "浙江省杭州市西湖区" in found[0].message


def test_the_buyers_carrier_must_reach_the_address(tee: Sku) -> None:
    _carrier("SF", "广东省")
    _carrier("ZTO", "浙江省")

    found = _findings(paid(("TEE-RED-M", 1), buyer_message="请发顺丰"), "carrier")
    assert [finding.suggestion for finding in found] == [{"carriers": ["ZTO"]}]
    assert _findings(paid(("TEE-RED-M", 1), buyer_message="请发中通"), "carrier") == []


def test_a_cod_order_needs_a_carrier_that_collects_cash(tee: Sku) -> None:
    _carrier("ZTO", "浙江省", cod=False)

    order = place(("TEE-RED-M", 1), placed_at=AFTER_BUFFER, payment_method="cod", source="cod")

    assert len(_findings(order, "carrier")) == 1


def test_an_order_over_the_remaining_credit_is_held(tee: Sku) -> None:
    order = place(("TEE-RED-M", 2), payment_method="remittance", source="remittance")  # 118.00 owed
    Customer.objects.filter(pk=order.customer_id).update(is_b2b=True, credit_limit=Decimal("100.00"))

    found = _findings(order, "credit")

    assert [finding.suggestion for finding in found] == [{"over_by": "18.00"}]


def test_an_order_within_credit_passes(tee: Sku) -> None:
    order = place(("TEE-RED-M", 1), payment_method="remittance", source="remittance")
    Customer.objects.filter(pk=order.customer_id).update(is_b2b=True, credit_limit=Decimal("100.00"))

    assert _findings(order, "credit") == []


def test_a_price_off_the_price_list_is_held_with_the_expected_price(tee: Sku) -> None:
    price_list = PriceList.objects.create(name="批发价")
    PriceListItem.objects.create(price_list=price_list, sku=tee, min_quantity=10, unit_price=Decimal("50.00"))

    retail = paid(("TEE-RED-M", 2))  # 59.00 each, the list price below 10 units
    wholesale = paid(("TEE-RED-M", 12))  # 59.00 each, but 10+ units cost 50.00

    assert _findings(retail, "price") == []
    assert [finding.suggestion for finding in _findings(wholesale, "price")] == [{"position": 1, "unit_price": "50.00"}]


def test_a_marketplace_order_is_not_held_for_its_marketplace_price(tee: Sku) -> None:
    price_list = PriceList.objects.create(name="批发价")
    PriceListItem.objects.create(price_list=price_list, sku=tee, min_quantity=10, unit_price=Decimal("50.00"))
    wholesale = paid(("TEE-RED-M", 12))  # off the list: held, as above
    Order.objects.filter(pk=wholesale.pk).update(source="marketplace")

    assert _findings(Order.objects.get(pk=wholesale.pk), "price") == []
