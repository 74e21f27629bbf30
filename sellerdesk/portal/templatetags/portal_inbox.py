"""`{% unread_messages buyer as unread %}`: the signed-in buyer's unread messages, for the header."""

from __future__ import annotations

from typing import Any

from django import template

from sellerdesk.portal.inbox import unread_count

register = template.Library()


@register.simple_tag
def unread_messages(buyer: Any) -> int:
    return unread_count(buyer) if buyer is not None else 0
