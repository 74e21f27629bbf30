"""API tokens: made and revoked by their owner (the staff UI's "API tokens" page, the
`token` command). Only a token's hash is stored; its raw value is returned once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sellerdesk.core.errors import PermissionDenied, ValidationFailed
from sellerdesk.core.models import ApiToken, TokenScope, User, hash_token
from sellerdesk.core.permissions import Role


@dataclass(frozen=True)
class NewToken:
    """A token just made: the row, and the raw value to show once (never stored)."""

    token: ApiToken
    raw: str


def create_token(
    *,
    user: User,
    name: str = "",
    scope: str = TokenScope.FULL,
    expires_at: datetime | None = None,
    shops: Iterable[Any] = (),  # shops.Shop rows: core sits below shops and cannot name the class
) -> NewToken:
    """Make a token for `user`: its scope (full or read-only), when it expires (None:
    never) and the shops it is limited to (none: every shop the user sees)."""
    if scope not in TokenScope.values:
        raise ValidationFailed({"scope": _("Choose full access or read only.")})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed({"expires_at": _("The expiry must be in the future.")})
    raw = ApiToken.generate()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user, name=name, key_hash=hash_token(raw), prefix=raw[:8], scope=scope, expires_at=expires_at
        )
        shop_list = list(shops)
        if shop_list:
            token.shops.set(shop_list)
    return NewToken(token=token, raw=raw)


def revoke_token(*, token: ApiToken, actor: User) -> ApiToken:
    """Revoke one of the actor's own tokens (an owner may revoke anyone's). Revoking a
    revoked token changes nothing. Web processes stop accepting it within
    TOKEN_CACHE_SECONDS."""
    if token.user_id != actor.pk and not (actor.is_superuser or actor.role == Role.OWNER):
        raise PermissionDenied(_("You may revoke only your own tokens."))
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
    return locked


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first, with their shops."""
    return list(user.api_tokens.prefetch_related("shops").order_by("-created_at", "-pk"))
