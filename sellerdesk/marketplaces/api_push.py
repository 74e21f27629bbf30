"""The marketplace connectors' signed order push (no staff token: the signature is the
authentication)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["marketplaces"])
