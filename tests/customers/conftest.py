from __future__ import annotations

from tests.api.helpers import default_shop  # noqa: F401  (autouse: the default shop and warehouse)
