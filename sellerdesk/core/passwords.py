"""Links that set a staff user's password, emailed: the invitation of a new member of
staff who has an email address (instead of an initial password the owner would have to
pass on), a new link the owner sends from the Staff page, and "Forgot your password?" on
the login page (Django's password reset views, core/urls.py).

A link is Django's password-reset token: it works once, until the password changes or
the user logs in, for PASSWORD_RESET_TIMEOUT seconds."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sellerdesk.core.audit import record, register_audit_code
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import AuditEvent, User
from sellerdesk.core.staff import STAFF_KIND

PASSWORD_LINK_SENT = "staff_password_link_sent"
# Why a link went: the invitation, the owner's new link, "Forgot your password?".
INVITATION, NEW_LINK, FORGOT = "invitation", "new_link", "forgot"
_WHY = {
    INVITATION: gettext_lazy("the invitation"),
    NEW_LINK: gettext_lazy("a new link from the Staff page"),
    FORGOT: gettext_lazy("asked for on the login page"),
}
# "Forgot your password?" e-mails an account at most this many links an hour (the rest
# are not sent, and the page answers the same): no one fills a mailbox through it.
FORGOT_LINKS_PER_HOUR = 3


def _why(data: dict[str, object]) -> dict[str, str]:
    why = str(data.get("why", ""))
    return {"why": str(_WHY.get(why, why))}


register_audit_code(
    PASSWORD_LINK_SENT,
    STAFF_KIND,
    gettext_lazy("A link to choose a password was e-mailed: %(why)s."),
    format=_why,
    example={"why": INVITATION},
)


def link_days() -> int:
    """How many days a link works (PASSWORD_RESET_TIMEOUT, rounded down, at least 1)."""
    return max(1, int(settings.PASSWORD_RESET_TIMEOUT) // 86400)


def password_link(user: User, *, base_url: str) -> str:
    """The address that lets `user` set a password (`base_url`: scheme and host)."""
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return base_url.rstrip("/") + path


def send_password_link(*, user: User, base_url: str, invitation: bool, actor: User | None = None) -> str:
    """Email `user` a link to set their password, in the current language: an invitation
    (a new member of staff) or a new link. Returns the address it went to. An inactive
    user or one without an email address is refused (422); a mail server that refuses
    raises OSError (smtplib's errors are OSErrors) for the caller to report."""
    if not user.email:
        raise ValidationFailed({"email": _("%(username)s has no email address.") % {"username": user.username}})
    if not user.is_active:
        raise ValidationFailed({"user": _("%(username)s is deactivated.") % {"username": user.username}})
    context = {
        "user": user,
        "name": user.display_name or user.username,
        "link": password_link(user, base_url=base_url),
        "login": base_url.rstrip("/") + reverse("login"),
        "days": link_days(),
        "invitation": invitation,
    }
    subject = render_to_string("registration/password_link_subject.txt", context).strip()
    body = render_to_string("registration/password_link_email.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
    _record_link(user, INVITATION if invitation else NEW_LINK, actor=actor)
    return str(user.email)


def _record_link(user: User, why: str, *, actor: User | None) -> None:
    """The audit event of a link e-mailed to `user` (`why`: INVITATION, NEW_LINK, FORGOT)."""
    record(
        object_kind=STAFF_KIND,
        object_id=user.username,
        code=PASSWORD_LINK_SENT,
        actor=actor,
        at=timezone.now(),
        why=why,
    )


class ResetForm(PasswordResetForm):
    """ "Forgot your password?": also for a user who never chose one (invited by email,
    the invitation's link gone), never for a deactivated one. It answers the same for an
    address no account has."""

    def get_users(self, email: str) -> Iterator[User]:
        since = timezone.now() - timedelta(hours=1)
        for user in User.objects.filter(email__iexact=email.strip(), is_active=True).exclude(email=""):
            asked = AuditEvent.objects.filter(
                object_kind=STAFF_KIND,
                object_id=user.username,
                code=PASSWORD_LINK_SENT,
                at__gte=since,
                data__why=FORGOT,
            ).count()
            if asked >= FORGOT_LINKS_PER_HOUR:
                continue
            _record_link(user, FORGOT, actor=None)
            yield user
