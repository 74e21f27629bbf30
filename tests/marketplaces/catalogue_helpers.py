"""The demo's catalogue as SKUs in stock, for tests that import H1's sample files (their
SKU codes are the demo's, but one the demo does not have, refused on purpose)."""

from __future__ import annotations

from sellerdesk.demo.catalog import all_variants
from tests.factories import make_sku


def demo_catalogue(*, stock: int = 500) -> None:
    for _product, variant in all_variants():
        make_sku(variant.code, price=str(variant.price), stock=stock)
