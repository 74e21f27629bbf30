"""The demo dropship: a supplier login that works, and purchases in every stage."""

from __future__ import annotations

import random
from typing import Any

from django.contrib.auth import authenticate

from sellerdesk.catalog.models import Sku
from sellerdesk.demo.dropship import load_demo_dropship
from sellerdesk.purchasing.models import PurchaseOrder


def test_the_demo_has_a_supplier_login_and_purchases_in_every_stage(owner: Any) -> None:
    demo = load_demo_dropship(rng=random.Random(7), actor=owner)

    ((username, password),) = demo.credentials
    assert username == "supplier"
    user = authenticate(username=username, password=password)
    assert user is not None and user.role == "supplier"
    assert list(Sku.objects.filter(pk__in=[s.pk for s in demo.skus]).values_list("is_dropship", flat=True)) == [
        True,
        True,
    ]
    purchases = PurchaseOrder.objects.filter(supplier=demo.supplier)
    stages = sorted((p.status, p.paid_at is not None) for p in purchases)
    assert stages == [("sent", False), ("sent", True), ("settled", True), ("settled", True), ("shipped", True)]
    assert {stage: len(numbers) for stage, numbers in demo.orders_by_stage.items()} == {
        "sent": 1,
        "paid": 1,
        "shipped": 1,
        "settled": 2,
    }
