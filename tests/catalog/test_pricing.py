"""Which price a line should have: tiers, specificity, validity, inactive lists."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from sellerdesk.catalog.models import PriceList, PriceListItem, Sku
from sellerdesk.catalog.pricing.queries import (
    PriceQuote,
    PriceRequest,
    expected_unit_price,
    expected_unit_prices,
    price_matches,
)
from sellerdesk.core.errors import NotFound
from sellerdesk.customers.models import CustomerLevel
from sellerdesk.shops.models import Shop
from tests.factories import make_sku
from tests.support.clock import TEST_NOW

NOW = TEST_NOW


def price_list(*tiers: tuple[Sku, int, str], **fields: Any) -> PriceList:
    created = PriceList.objects.create(name=fields.pop("name", "价目表"), **fields)
    PriceListItem.objects.bulk_create(
        PriceListItem(price_list=created, sku=sku, min_quantity=quantity, unit_price=Decimal(price))
        for sku, quantity, price in tiers
    )
    return created


@pytest.fixture
def tee(db: Any) -> Sku:
    return make_sku("TEE", price="59.00", stock=0)


@pytest.fixture
def gold(default_shop: Shop) -> CustomerLevel:
    return CustomerLevel.objects.create(code="gold", name="金卡", rank=3)


@pytest.fixture
def other_shop(db: Any) -> Shop:
    return Shop.objects.create(code="jd", name="京东店")


@pytest.mark.parametrize(
    ("quantity", "unit_price", "min_quantity"),
    [(1, "55.00", 1), (9, "55.00", 1), (10, "50.00", 10), (49, "50.00", 10), (50, "45.00", 50), (1000, "45.00", 50)],
)
def test_the_highest_tier_reached_by_the_quantity_applies(
    tee: Sku, default_shop: Shop, quantity: int, unit_price: str, min_quantity: int
) -> None:
    # given tiers from 1, 10 and 50 in a list for everyone
    tiers = price_list((tee, 50, "45.00"), (tee, 1, "55.00"), (tee, 10, "50.00"))
    # when a line of `quantity` is quoted
    quote = expected_unit_price(sku=tee, quantity=quantity, level_id=None, shop_id=default_shop.pk, at=NOW)
    # then the tier from min_quantity up to the next tier - 1 gives the price
    assert quote == PriceQuote(Decimal(unit_price), "price_list", tiers.pk, min_quantity)


@pytest.mark.parametrize(("quantity", "expected"), [(1, "59.00"), (9, "59.00"), (10, "50.00"), (50, "45.00")])
def test_below_the_lowest_tier_the_list_price_applies(
    tee: Sku, default_shop: Shop, quantity: int, expected: str
) -> None:
    # given tiers from 10 and 50 only
    price_list((tee, 10, "50.00"), (tee, 50, "45.00"))
    # when quoted
    quote = expected_unit_price(sku=tee, quantity=quantity, level_id=None, shop_id=default_shop.pk, at=NOW)
    # then below 10 it is the SKU's list price
    assert quote.unit_price == Decimal(expected)
    assert quote.source == ("list" if quantity < 10 else "price_list")


def test_without_price_lists_the_quote_is_the_list_price(tee: Sku, default_shop: Shop) -> None:
    quote = expected_unit_price(sku=tee, quantity=3, level_id=None, shop_id=default_shop.pk, at=NOW)
    assert quote == PriceQuote(Decimal("59.00"), "list", None, None)


@pytest.fixture
def four_lists(tee: Sku, gold: CustomerLevel, default_shop: Shop) -> dict[str, PriceList]:
    """One list per scope, each pricing TEE from 1: everyone 58, shop 57, level 56, level + shop 55."""
    return {
        "everyone": price_list((tee, 1, "58.00")),
        "shop": price_list((tee, 1, "57.00"), shop=default_shop),
        "level": price_list((tee, 1, "56.00"), level=gold),
        "level_shop": price_list((tee, 1, "55.00"), level=gold, shop=default_shop),
    }


@pytest.mark.parametrize(
    ("has_level", "in_default_shop", "expected_list", "expected_price"),
    [
        (True, True, "level_shop", "55.00"),
        (True, False, "level", "56.00"),
        (False, True, "shop", "57.00"),
        (False, False, "everyone", "58.00"),
    ],
)
def test_the_most_specific_list_wins(
    tee: Sku,
    gold: CustomerLevel,
    default_shop: Shop,
    other_shop: Shop,
    four_lists: dict[str, PriceList],
    has_level: bool,
    in_default_shop: bool,
    expected_list: str,
    expected_price: str,
) -> None:
    # given lists for everyone, the shop, the gold level and gold in the shop
    # when a gold (or level-less) customer buys in the default (or another) shop
    quote = expected_unit_price(
        sku=tee,
        quantity=1,
        level_id=gold.pk if has_level else None,
        shop_id=default_shop.pk if in_default_shop else other_shop.pk,
        at=NOW,
    )
    # then the most specific list that applies prices the line
    assert quote == PriceQuote(Decimal(expected_price), "price_list", four_lists[expected_list].pk, 1)


def test_a_list_of_another_level_does_not_apply(tee: Sku, gold: CustomerLevel, default_shop: Shop) -> None:
    # given a list for gold customers only
    price_list((tee, 1, "40.00"), level=gold)
    silver = CustomerLevel.objects.create(code="silver", name="银卡", rank=2)
    # when a silver customer buys
    quote = expected_unit_price(sku=tee, quantity=1, level_id=silver.pk, shop_id=default_shop.pk, at=NOW)
    # then the list price applies
    assert quote == PriceQuote(Decimal("59.00"), "list")


def test_a_specific_list_without_a_tier_for_the_quantity_falls_back_to_the_next_list(
    tee: Sku, gold: CustomerLevel, default_shop: Shop
) -> None:
    # given a gold wholesale list from 10 and a list for everyone from 1
    everyone = price_list((tee, 1, "58.00"))
    wholesale = price_list((tee, 10, "40.00"), level=gold)
    # when a gold customer buys 5, then 10
    small = expected_unit_price(sku=tee, quantity=5, level_id=gold.pk, shop_id=default_shop.pk, at=NOW)
    large = expected_unit_price(sku=tee, quantity=10, level_id=gold.pk, shop_id=default_shop.pk, at=NOW)
    # then 5 comes from the list for everyone, 10 from the wholesale list
    assert small == PriceQuote(Decimal("58.00"), "price_list", everyone.pk, 1)
    assert large == PriceQuote(Decimal("40.00"), "price_list", wholesale.pk, 10)


def test_between_equally_specific_lists_the_newest_wins(tee: Sku, default_shop: Shop) -> None:
    price_list((tee, 1, "58.00"), name="旧")
    newer = price_list((tee, 1, "57.50"), name="新")
    quote = expected_unit_price(sku=tee, quantity=1, level_id=None, shop_id=default_shop.pk, at=NOW)
    assert quote == PriceQuote(Decimal("57.50"), "price_list", newer.pk, 1)


@pytest.mark.parametrize(
    ("valid_from", "valid_to", "applies"),
    [
        (None, None, True),
        (NOW, None, True),  # from is inclusive
        (NOW + timedelta(seconds=1), None, False),  # not yet
        (None, NOW + timedelta(seconds=1), True),
        (None, NOW, False),  # until is exclusive
        (NOW - timedelta(days=7), NOW - timedelta(days=1), False),  # over
        (NOW - timedelta(days=1), NOW + timedelta(days=1), True),
    ],
)
def test_a_list_applies_only_within_its_validity(
    tee: Sku, default_shop: Shop, valid_from: datetime | None, valid_to: datetime | None, applies: bool
) -> None:
    # given a promotion list with these validity bounds
    price_list((tee, 1, "49.00"), valid_from=valid_from, valid_to=valid_to)
    # when quoted at NOW
    quote = expected_unit_price(sku=tee, quantity=1, level_id=None, shop_id=default_shop.pk, at=NOW)
    # then the list applies only within [valid_from, valid_to)
    assert quote.unit_price == (Decimal("49.00") if applies else Decimal("59.00"))


def test_an_inactive_list_does_not_apply(tee: Sku, gold: CustomerLevel, default_shop: Shop) -> None:
    # given an inactive, very specific list and an active one for everyone
    everyone = price_list((tee, 1, "58.00"))
    price_list((tee, 1, "10.00"), level=gold, shop=default_shop, is_active=False)
    # when a gold customer of the shop buys
    quote = expected_unit_price(sku=tee, quantity=1, level_id=gold.pk, shop_id=default_shop.pk, at=NOW)
    # then the inactive list is ignored
    assert quote == PriceQuote(Decimal("58.00"), "price_list", everyone.pk, 1)


def test_bulk_quotes_every_line_in_one_query(
    tee: Sku, gold: CustomerLevel, default_shop: Shop, django_assert_num_queries: Any
) -> None:
    # given three SKUs, two of them in lists of several scopes, one in none
    mug = make_sku("MUG", price="25.50", stock=0)
    cap = make_sku("CAP", price="30.00", stock=0)
    everyone = price_list((tee, 1, "58.00"), (tee, 10, "50.00"), (mug, 1, "25.00"))
    gold_list = price_list((mug, 5, "20.00"), level=gold, shop=default_shop)
    price_list((tee, 1, "1.00"), is_active=False)
    requests = [PriceRequest(tee.pk, 12), PriceRequest(mug.pk, 6), PriceRequest(cap.pk, 1), PriceRequest(mug.pk, 2)]
    # when all four lines are quoted at once
    with django_assert_num_queries(1):
        quotes = expected_unit_prices(requests, level_id=gold.pk, shop_id=default_shop.pk, at=NOW)
    # then each line has its own quote, in order
    assert quotes == [
        PriceQuote(Decimal("50.00"), "price_list", everyone.pk, 10),
        PriceQuote(Decimal("20.00"), "price_list", gold_list.pk, 5),
        PriceQuote(Decimal("30.00"), "list"),
        PriceQuote(Decimal("25.00"), "price_list", everyone.pk, 1),
    ]


def test_bulk_of_nothing_asks_nothing(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert expected_unit_prices([], level_id=None, shop_id=None, at=NOW) == []


def test_an_unknown_sku_is_not_found(tee: Sku) -> None:
    with pytest.raises(NotFound):
        expected_unit_prices([PriceRequest(tee.pk + 1000, 1)], level_id=None, shop_id=None, at=NOW)


@pytest.mark.parametrize(
    ("line_price", "matches"),
    [(Decimal("50"), True), (Decimal("50.00"), True), (Decimal("49.99"), False), (Decimal("50.01"), False)],
)
def test_price_matches_to_the_cent(line_price: Decimal, matches: bool) -> None:
    quote = PriceQuote(Decimal("50.00"), "price_list", 1, 10)
    assert price_matches(line_price, quote) is matches
