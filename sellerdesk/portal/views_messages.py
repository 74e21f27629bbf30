"""The buyer's messages and preferences in the portal (/portal/messages/, /portal/preferences/):
thin views over portal.inbox, for the signed-in buyer only."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sellerdesk.core.errors import DomainError, NotFound
from sellerdesk.notifications.templates import LANGUAGES
from sellerdesk.portal import inbox
from sellerdesk.portal.views import buyer_required, current_buyer, page

LANGUAGE_LABELS = {"zh-hans": "简体中文", "en": "English"}


@buyer_required
@require_GET
def message_list(request: HttpRequest) -> HttpResponse:
    listed = Paginator(inbox.inbox_of(current_buyer(request)), 30).get_page(request.GET.get("page"))
    return page(request, "portal/messages.html", {"page": listed})


@buyer_required
@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        message = inbox.open_message(customer=current_buyer(request), pk=pk)
    except NotFound:
        raise Http404(_("No such message.")) from None
    return page(request, "portal/message.html", {"message": message})


@buyer_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    buyer = current_buyer(request)
    if request.method == "POST":
        try:
            inbox.save_preferences(
                customer=buyer,
                email=request.POST.get("email", ""),
                language=request.POST.get("language", ""),
                opt_out=request.POST.get("opt_out") == "on",
            )
        except DomainError as error:
            fields = error.details.get("fields", {})
            context = {
                "preference": inbox.preference_of(buyer),
                "posted": request.POST,
                "errors": fields,
                "languages": [(code, LANGUAGE_LABELS[code]) for code in LANGUAGES],
            }
            return page(request, "portal/preferences.html", context, status=422)
        messages.success(request, _("Your preferences are saved."))
        return redirect("portal:preferences")
    context = {
        "preference": inbox.preference_of(buyer),
        "languages": [(code, LANGUAGE_LABELS[code]) for code in LANGUAGES],
    }
    return page(request, "portal/preferences.html", context)
