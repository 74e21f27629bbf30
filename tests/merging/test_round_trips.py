"""Merge then unmerge, split then check: money, lines and stock always add up (hypothesis)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sellerdesk.orders import actions
from sellerdesk.orders.merging import PartLine, merge_orders, split_order, unmerge_order
from sellerdesk.orders.models import Order
from sellerdesk.payments.actions import record_payment
from tests.factories import make_sku, place
from tests.merging.conftest import held_units, ledger_by_document, rolled_back, stock_figures

PROPERTY = settings(
    max_examples=25,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SKUS = ["A-1", "B-2", "C-3"]
BUYER = actions.Buyer("李四", "13900139000", "lisi")

cents = st.integers(min_value=1, max_value=99_999).map(lambda c: Decimal(c) / 100)
line_drafts = st.lists(
    st.tuples(st.sampled_from(SKUS), st.integers(min_value=1, max_value=5), cents), min_size=1, max_size=3
)
order_specs = st.tuples(line_drafts, st.integers(min_value=0, max_value=2000).map(lambda c: Decimal(c) / 100))


@pytest.fixture
def skus(db: Any) -> None:
    for code in SKUS:
        make_sku(code, price="10.00", stock=100)


def _place(spec: Any, kind: str, partial_cents: int) -> Order:
    lines, fee = spec
    order = place(
        buyer=BUYER,
        payment_method="cod" if kind == "cod" else "online",
        shipping_fee=fee,
        lines=[actions.LineDraft(sku, quantity, price) for sku, quantity, price in lines],
    )
    if kind == "paid":
        record_payment(order=order, amount=order.total, method="online", reference="", actor=None)
    elif kind == "unpaid" and partial_cents > 0 and Decimal(partial_cents) / 100 < order.total:
        record_payment(order=order, amount=Decimal(partial_cents) / 100, method="online", reference="", actor=None)
    return Order.objects.get(pk=order.pk)


def _line_facts(orders: list[Order]) -> Counter[tuple[str, int, Decimal, str, int]]:
    return Counter(
        (line.sku_code, line.quantity, line.unit_price, order.number, line.position)
        for order in orders
        for line in order.lines.all()
    )


@PROPERTY
@given(
    specs=st.lists(order_specs, min_size=2, max_size=4),
    kind=st.sampled_from(["unpaid", "paid", "cod"]),
    partial_cents=st.integers(min_value=0, max_value=5000),
)
def test_merge_then_unmerge_adds_up_and_round_trips(skus: None, specs: Any, kind: str, partial_cents: int) -> None:
    with rolled_back():
        # given open orders of one buyer to one address, all of one payment kind
        originals = [_place(spec, kind, partial_cents if index == 0 else 0) for index, spec in enumerate(specs)]
        stock_before, ledger_before = stock_figures(), ledger_by_document()
        rows_before = [(o.number, o.status, o.payment_status, o.total, o.paid_amount, held_units(o)) for o in originals]
        # when they are merged
        merged = merge_orders(orders=originals, actor=None)
        # then the merged order holds every line, all the money and every reservation
        merged.refresh_from_db()
        assert merged.total == sum((o.total for o in originals), Decimal("0"))
        assert merged.paid_amount == sum((o.paid_amount for o in originals), Decimal("0"))
        assert merged.shipping_fee == sum((o.shipping_fee for o in originals), Decimal("0"))
        assert merged.subtotal == sum((line.line_total for line in merged.lines.all()), Decimal("0"))
        assert Counter(
            (line.sku_code, line.quantity, line.unit_price, line.origin_order_number, line.origin_position)
            for line in merged.lines.all()
        ) == _line_facts(originals)
        assert all(line.reserved_quantity == line.quantity for line in merged.lines.all())
        closed = list(Order.objects.filter(merged_into=merged).order_by("pk"))
        assert [o.number for o in closed] == [o.number for o in originals]
        assert {o.status for o in closed} == {"closed"}
        assert all(line.reserved_quantity == 0 for o in closed for line in o.lines.all())
        assert stock_figures() == stock_before
        ledger = ledger_by_document()
        assert ledger[merged.number] == sum(line.quantity for line in merged.lines.all())
        assert not any(ledger.get(o.number) for o in originals)
        # when it is split back
        restored = unmerge_order(order=merged, actor=None)
        # then everything is as before the merge
        assert [o.number for o in restored] == [o.number for o in originals]
        rows_after = [
            (o.number, o.status, o.payment_status, o.total, o.paid_amount, held_units(o))
            for o in Order.objects.filter(pk__in=[o.pk for o in originals]).order_by("pk")
        ]
        assert rows_after == rows_before
        assert stock_figures() == stock_before
        assert ledger_by_document() == ledger_before
        assert Order.objects.get(pk=merged.pk).status == "closed"


@st.composite
def splits(draw: Any) -> tuple[Any, int, list[list[tuple[int, int]]]]:
    spec = draw(order_specs)
    count = draw(st.integers(min_value=2, max_value=3))
    parts: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    for position, (_sku, quantity, _price) in enumerate(spec[0], start=1):
        shares = [0] * count
        for _unit in range(quantity):
            shares[draw(st.integers(min_value=0, max_value=count - 1))] += 1
        for index, share in enumerate(shares):
            if share:
                parts[index].append((position, share))
    parts = [part for part in parts if part]
    return spec, draw(st.integers(min_value=0, max_value=5000)), parts


@PROPERTY
@given(case=splits(), kind=st.sampled_from(["unpaid", "paid", "cod"]))
def test_split_adds_up_to_the_original(skus: None, case: Any, kind: str) -> None:
    spec, partial_cents, parts = case
    assume(len(parts) >= 2)  # a single part is a refusal, tested in test_api
    with rolled_back():
        # given an open order
        order = _place(spec, kind, partial_cents)
        stock_before = stock_figures()
        units = Counter({(line.sku_code, line.unit_price): 0 for line in order.lines.all()})
        for line in order.lines.all():
            units[(line.sku_code, line.unit_price)] += line.quantity
        # when it is split by hand
        created = split_order(order=order, actor=None, parts=[[PartLine(p, q) for p, q in part] for part in parts])
        # then the parts add up to the original exactly: lines, money, reservations
        assert len(created) == len(parts)
        assert sum((part.total for part in created), Decimal("0")) == order.total
        assert sum((part.paid_amount for part in created), Decimal("0")) == order.paid_amount
        assert sum((part.shipping_fee for part in created), Decimal("0")) == order.shipping_fee
        if kind == "paid":
            assert all(part.paid_amount == part.total for part in created)
        got: Counter[tuple[str, Decimal]] = Counter()
        for part in created:
            for line in part.lines.all():
                got[(line.sku_code, line.unit_price)] += line.quantity
                assert line.reserved_quantity == line.quantity
                assert line.origin_order_number == order.number
        assert got == units
        assert stock_figures() == stock_before
        ledger = ledger_by_document()
        assert not ledger.get(order.number)
        for part in created:
            assert ledger[part.number] == sum(line.quantity for line in part.lines.all())
        assert Order.objects.get(pk=order.pk).status == "closed"
