"""Which conversations an agent may act on: those of the shops of their AgentProfile
(no shops listed, or no profile: every shop). Checked in the actions and the queries,
not only in the views."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sellerdesk.core.errors import PermissionDenied
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.service.models import AgentProfile, Conversation


def agent_shop_ids(actor: User | None) -> set[int] | None:
    """The ids of the shops `actor` may serve, or None for every shop (the system itself,
    a superuser, a user without a profile or whose profile lists no shop)."""
    if actor is None or actor.is_superuser:
        return None
    ids = set(
        AgentProfile.shops.through.objects.filter(agentprofile__user_id=actor.pk).values_list("shop_id", flat=True)
    )
    return ids or None


def may_serve_shop(actor: User | None, shop_id: int) -> bool:
    shops = agent_shop_ids(actor)
    return shops is None or shop_id in shops


def require_access(actor: User | None, conversation: Conversation, permission: str = "service.reply") -> None:
    """PermissionDenied (403) unless `actor` has `permission` and serves the
    conversation's shop."""
    require(actor, permission)
    if not may_serve_shop(actor, conversation.shop_id):
        raise PermissionDenied(
            _("You do not serve this conversation's shop."),
            details={"conversation": conversation.pk, "shop": conversation.shop_id},
        )
