"""Marketplace order files in the API: upload, preview, commit, status, download."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["marketplaces"])
