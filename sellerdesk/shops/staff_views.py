"""The Staff page (/staff/, the owner's: staff accounts, their roles and shops, locked-out
logins) and the API tokens page (/staff/tokens/, every staff user's own tokens).

They live in shops, not core: assigning shops needs the shops, and core sits below them.
Thin views over core.staff, core.tokens, core.login_throttle and shops.access.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from sellerdesk.core import staff as staff_actions
from sellerdesk.core.audit import history
from sellerdesk.core.errors import DomainError
from sellerdesk.core.login_throttle import current_lockouts, recent_failures
from sellerdesk.core.models import ApiToken, TokenScope, User
from sellerdesk.core.passwords import link_days, send_password_link
from sellerdesk.core.permissions import STAFF, Role, has_permission
from sellerdesk.core.tokens import create_token, revoke_token, tokens_of
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import error_text, logged_in_actor, show_refusal
from sellerdesk.shops.access import set_staff_shops, shops_of, visible_shop_ids
from sellerdesk.shops.models import Shop

STAFF_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value in STAFF]


class InviteForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("Username"), max_length=150)
    display_name = forms.CharField(label=gettext_lazy("Display name"), max_length=50, required=False)
    email = forms.EmailField(
        label=gettext_lazy("Email"),
        required=False,
        help_text=gettext_lazy(
            "With an address, they get a link to choose their own password; without, you see an initial password once."
        ),
    )
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=STAFF_ROLE_CHOICES, initial=Role.AGENT)


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("What it is for"), max_length=100, required=False)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=TokenScope.choices, initial=TokenScope.READ_ONLY)
    expires_days = forms.IntegerField(label=gettext_lazy("Expires after (days)"), min_value=1, max_value=3650)
    shops = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Only these shops (none ticked: every shop)"),
        queryset=Shop.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["expires_days"].initial = settings.SELLERDESK.get("TOKEN_DEFAULT_DAYS", 365)
        # A token can be limited further than its user, never beyond.
        shop_ids = visible_shop_ids(user)
        shops = Shop.objects.order_by("name")
        self.fields["shops"].queryset = shops if shop_ids is None else shops.filter(pk__in=shop_ids)  # type: ignore[attr-defined]


# --- the owner's Staff page --------------------------------------------------------------


def _require_manager(request: HttpRequest) -> User:
    actor = logged_in_actor(request)
    if not has_permission(actor, "staff.manage"):
        raise PermissionDenied
    return actor


def _staff_member(user_id: str) -> User:
    found = User.objects.filter(pk=user_id, role__in=STAFF).first() if user_id.isdigit() else None
    if found is None:
        raise Http404(_("No such staff user."))
    return found


def _email_link(request: HttpRequest, member: User, *, invitation: bool) -> None:
    """Email `member` a link to set their password, and say so (or why it did not go: the
    account stays, a new link can be sent from the list)."""
    try:
        address = send_password_link(
            user=member,
            base_url=f"{request.scheme}://{request.get_host()}",
            invitation=invitation,
            actor=logged_in_actor(request),
        )
    except OSError as error:
        messages.error(
            request,
            _("The email to %(email)s could not be sent (%(error)s). Send a new link from the list once mail works.")
            % {"email": member.email, "error": error},
        )
        return
    messages.success(
        request,
        _("A link to choose a password was emailed to %(email)s; it works for %(days)s days.")
        % {"email": address, "days": link_days()},
    )


@staff_required
@require_http_methods(["GET", "POST"])
def staff_list(request: HttpRequest) -> HttpResponse:
    """Staff accounts with their role, shops and state; a POST is one change (`do`)."""
    actor = _require_manager(request)
    invite_form = InviteForm()
    invited: staff_actions.Invited | None = None
    status = 200
    if request.method == "POST":
        do = request.POST.get("do", "")
        try:
            if do == "invite":
                invite_form = InviteForm(request.POST)
                if invite_form.is_valid():
                    invited = staff_actions.invite_staff(actor=actor, **invite_form.cleaned_data)
                    invite_form = InviteForm()
                    if invited.password is None:
                        _email_link(request, invited.user, invitation=True)
                else:
                    status = 422
            elif do == "send_link":
                _email_link(request, _staff_member(request.POST.get("user", "")), invitation=False)
                return redirect("staff:list")
            elif do == "unlock":
                username = request.POST.get("username", "")
                staff_actions.unlock_staff_login(actor=actor, username=username)
                messages.success(request, _("%(username)s may log in again.") % {"username": username})
                return redirect("staff:list")
            elif do in ("deactivate", "reactivate", "role", "shops"):
                member = _staff_member(request.POST.get("user", ""))
                if do in ("deactivate", "reactivate"):
                    staff_actions.set_staff_active(actor=actor, user=member, is_active=do == "reactivate")
                elif do == "role":
                    staff_actions.set_staff_role(actor=actor, user=member, role=request.POST.get("role", ""))
                else:
                    ids = [value for value in request.POST.getlist("shops") if value.isdigit()]
                    set_staff_shops(actor=actor, user=member, shops=Shop.objects.filter(pk__in=ids))
                messages.success(request, _("Saved: %(username)s.") % {"username": member.username})
                return redirect("staff:list")
            else:
                messages.error(request, _("Unknown action."))
                status = 400
        except DomainError as error:
            if do == "invite":
                invite_form.add_error(None, error_text(error))
                status = 422
            else:
                show_refusal(request, error)
                return redirect("staff:list")
    members = staff_actions.staff_users()
    shops = list(Shop.objects.order_by("name"))
    rows = [
        {"user": member, "shop_ids": {shop.pk for shop in shops_of(member)}, "is_self": member.pk == actor.pk}
        for member in members
    ]
    context = {
        "rows": rows,
        "shops": shops,
        "roles": STAFF_ROLE_CHOICES,
        "invite_form": invite_form,
        "invited": invited,
        "lockouts": current_lockouts(),
        "failures": recent_failures(limit=20),
        "history": history("staff", [member.username for member in members])[-30:],
    }
    return render(request, "staff/staff.html", context, status=status)


# --- everyone's own API tokens -----------------------------------------------------------


def _own_token(user: User, token_id: str) -> ApiToken:
    found = user.api_tokens.filter(pk=token_id).first() if token_id.isdigit() else None
    if found is None:
        raise Http404(_("No such token."))
    return found


@staff_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    """The user's own API tokens: make one (its value shown on this answer only), revoke one."""
    user = logged_in_actor(request)
    form = TokenForm(user=user)
    new_raw = ""
    status = 200
    if request.method == "POST":
        do = request.POST.get("do", "")
        if do == "create":
            form = TokenForm(request.POST, user=user)
            if form.is_valid():
                data = form.cleaned_data
                try:
                    made = create_token(
                        user=user,
                        name=data["name"],
                        scope=data["scope"],
                        expires_at=timezone.now() + timedelta(days=data["expires_days"]),
                        shops=data["shops"],
                    )
                except DomainError as error:
                    form.add_error(None, error_text(error))
                    status = 422
                else:
                    # Rendered on this answer, never stored: the page after a reload no longer has it.
                    new_raw = made.raw
                    form = TokenForm(user=user)
            else:
                status = 422
        elif do == "revoke":
            try:
                revoke_token(token=_own_token(user, request.POST.get("token", "")), actor=user)
            except DomainError as error:
                show_refusal(request, error)
            else:
                messages.success(request, _("Token revoked."))
            return redirect("staff:tokens")
        else:
            messages.error(request, _("Unknown action."))
            status = 400
    context = {"tokens": tokens_of(user), "form": form, "new_raw": new_raw, "now": timezone.now()}
    response = render(request, "staff/tokens.html", context, status=status)
    if new_raw:
        response["Cache-Control"] = "no-store"
    return response
