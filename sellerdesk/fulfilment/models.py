"""Waves (波次), pick lists, sort lists and the packing check (验货)."""

from __future__ import annotations
