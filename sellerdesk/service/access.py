"""Which conversations an agent may act on: those of the shops of their AgentProfile
(no shops listed, or no profile: every shop), within the shops the user (and the API
token they act with) may see at all (shops.access). Checked in the actions and the
queries, not only in the views. A conversation of a shop the user may not see is not
found (404); one of a shop they see but do not serve is refused (403)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from sellerdesk.core.errors import NotFound, PermissionDenied
from sellerdesk.core.models import User
from sellerdesk.core.permissions import require
from sellerdesk.service.models import AgentProfile, Conversation
from sellerdesk.shops.access import visible_shop_ids


def _served_shop_ids(actor: User | None) -> set[int] | None:
    """The shops of the actor's AgentProfile, None for every shop."""
    if actor is None or actor.is_superuser:
        return None
    ids = set(
        AgentProfile.shops.through.objects.filter(agentprofile__user_id=actor.pk).values_list("shop_id", flat=True)
    )
    return ids or None


def agent_shop_ids(actor: User | None) -> set[int] | None:
    """The ids of the shops `actor` may serve, or None for every shop (the system itself,
    a superuser, a user without a profile or whose profile lists no shop), always within
    the shops the actor may see (shops.access.visible_shop_ids; may then be empty)."""
    if actor is None:
        return None
    served = _served_shop_ids(actor)
    visible = visible_shop_ids(actor)
    if visible is None:
        return served
    return set(visible) if served is None else served & visible


def may_serve_shop(actor: User | None, shop_id: int) -> bool:
    shops = agent_shop_ids(actor)
    return shops is None or shop_id in shops


def require_access(actor: User | None, conversation: Conversation, permission: str = "service.reply") -> None:
    """PermissionDenied (403) unless `actor` has `permission` and serves the
    conversation's shop; NotFound (404) when the shop is one the actor may not see."""
    require(actor, permission)
    visible = visible_shop_ids(actor)
    if visible is not None and conversation.shop_id not in visible:
        raise NotFound(_("No such conversation."), details={"conversation": conversation.pk})
    served = _served_shop_ids(actor)
    if served is not None and conversation.shop_id not in served:
        raise PermissionDenied(
            _("You do not serve this conversation's shop."),
            details={"conversation": conversation.pk, "shop": conversation.shop_id},
        )
