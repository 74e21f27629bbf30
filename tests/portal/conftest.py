"""The portal's tests: the default shop and warehouse (autouse), and buyers with orders."""

from __future__ import annotations

from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
