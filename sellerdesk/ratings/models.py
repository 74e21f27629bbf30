"""Ratings (评价) of completed orders by the buyer and by the seller."""

from __future__ import annotations
