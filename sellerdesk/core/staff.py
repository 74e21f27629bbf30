"""Staff accounts managed by the owner (the Staff page): invite, deactivate and
reactivate, change a role, unlock a locked-out login. Each writes an audit event on the
user ("staff", by username); shop limits are shops.access's."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.login_throttle import unlock_login
from sellerdesk.core.models import User
from sellerdesk.core.permissions import STAFF, Role, require

STAFF_KIND = "staff"
STAFF_INVITED = "staff_invited"
STAFF_DEACTIVATED = "staff_deactivated"
STAFF_REACTIVATED = "staff_reactivated"
STAFF_ROLE_CHANGED = "staff_role_changed"
STAFF_LOGIN_UNLOCKED = "staff_login_unlocked"


def _role_label(code: str) -> str:
    return str(Role(code).label) if code in Role.values else code


register_audit_code(
    STAFF_INVITED,
    STAFF_KIND,
    gettext_lazy("Invited as %(role)s."),
    format=lambda data: {"role": _role_label(data.get("role", ""))},
    example={"role": "agent"},
)
register_audit_code(STAFF_DEACTIVATED, STAFF_KIND, gettext_lazy("Deactivated: may no longer log in."), example={})
register_audit_code(STAFF_REACTIVATED, STAFF_KIND, gettext_lazy("Reactivated."), example={})
register_audit_code(
    STAFF_ROLE_CHANGED,
    STAFF_KIND,
    gettext_lazy("Role changed from %(before)s to %(after)s."),
    format=lambda data: {"before": _role_label(data.get("before", "")), "after": _role_label(data.get("after", ""))},
    example={"before": "agent", "after": "supervisor"},
)
register_audit_code(
    STAFF_LOGIN_UNLOCKED, STAFF_KIND, gettext_lazy("Login unlocked after too many failures."), example={}
)

# The length of a generated initial password (URL-safe characters).
INITIAL_PASSWORD_BYTES = 12


@dataclass(frozen=True)
class Invited:
    """A staff user just made, and the initial password to give them (shown once); none
    when they have an email address: they choose their own through an emailed link
    (core.passwords), and nobody else ever knows it."""

    user: User
    password: str | None


def staff_users() -> list[User]:
    """Every staff account (active or not), by username."""
    return list(User.objects.filter(role__in=STAFF).order_by("username"))


def _check_role(role: str) -> None:
    if role not in STAFF:
        raise ValidationFailed({"role": _("Choose a staff role.")})


def invite_staff(*, actor: User, username: str, role: str, display_name: str = "", email: str = "") -> Invited:
    """Make a staff account. With an email address it has no password yet: the caller
    emails the invitation's link (core.passwords.send_password_link) and the new user
    chooses one. Without, a generated initial password is returned once (only its hash
    is kept), for the owner to pass on; the new user changes it after logging in."""
    require(actor, "staff.manage")
    username = username.strip()
    _check_role(role)
    if not username or len(username) > 150 or not all(ch.isalnum() or ch in "@.+-_" for ch in username):
        raise ValidationFailed({"username": _("Letters, digits and @ . + - _ only, at most 150.")})
    email = email.strip()
    password = None if email else secrets.token_urlsafe(INITIAL_PASSWORD_BYTES)
    with transaction.atomic():
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationFailed({"username": _("This username is taken.")})
        user = User.objects.create_user(
            username=username, password=password, role=role, display_name=display_name.strip()[:50], email=email
        )
        record(
            object_kind=STAFF_KIND, object_id=username, code=STAFF_INVITED, actor=actor, at=timezone.now(), role=role
        )
    return Invited(user=user, password=password)


def set_staff_active(*, actor: User, user: User, is_active: bool) -> User:
    """Deactivate (the user may no longer log in; their API tokens stop working) or
    reactivate a staff account. Owners cannot deactivate themselves."""
    require(actor, "staff.manage")
    if user.pk == actor.pk and not is_active:
        raise ValidationFailed({"user": _("You cannot deactivate your own account.")})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.is_active == is_active:
            return locked
        locked.is_active = is_active
        locked.save(update_fields=["is_active"])
        code = STAFF_REACTIVATED if is_active else STAFF_DEACTIVATED
        record(object_kind=STAFF_KIND, object_id=locked.username, code=code, actor=actor, at=timezone.now())
    return locked


def set_staff_role(*, actor: User, user: User, role: str) -> User:
    """Give a staff user another staff role. Owners cannot change their own role (the
    shop would be left without anyone allowed to give it back)."""
    require(actor, "staff.manage")
    _check_role(role)
    if user.pk == actor.pk:
        raise ValidationFailed({"role": _("You cannot change your own role.")})
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        if locked.role == role:
            return locked
        before = locked.role
        locked.role = role
        locked.save(update_fields=["role"])
        record(
            object_kind=STAFF_KIND,
            object_id=locked.username,
            code=STAFF_ROLE_CHANGED,
            actor=actor,
            at=timezone.now(),
            before=before,
            after=role,
        )
    return locked


def unlock_staff_login(*, actor: User, username: str) -> int:
    """Lift a lockout of `username` (from every address) at once. Returns how many
    attempt records were cleared (0: it was not locked)."""
    require(actor, "staff.manage")
    cleared = unlock_login(username=username)
    if cleared:
        record(object_kind=STAFF_KIND, object_id=username, code=STAFF_LOGIN_UNLOCKED, actor=actor, at=timezone.now())
    return cleared
