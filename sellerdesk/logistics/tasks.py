"""Periodic logistics work: polling carriers for tracking, and the exception desk's sweep."""

from sellerdesk.logistics.exceptions import detect_logistics_exceptions
from sellerdesk.logistics.tracking import poll_tracking

__all__ = ["detect_logistics_exceptions", "poll_tracking"]
