"""The care screens of the service desk (/service/…): quick replies (list, edit, import,
export), shift handovers (write, acknowledge, the supervisor's unacknowledged list),
follow-ups, the complaint checklist, chat archive downloads, and the buyer's public
survey page. Thin views: parse, call the owning module, render."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sellerdesk.core.errors import DomainError, NotFound, ValidationFailed
from sellerdesk.core.web import error_text
from sellerdesk.service import surveys

# --- the buyer's survey page (public: the link's token is the key) --------------------------


@require_http_methods(["GET", "POST"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The satisfaction survey the buyer reaches by the link sent on resolve: 1–5 and a
    comment, answered once."""
    try:
        found = surveys.survey_for_token(token)
    except NotFound:
        return render(request, "service/care_survey.html", {"missing": True}, status=404)
    context: dict[str, object] = {"survey": found, "shop": found.conversation.shop, "scores": surveys.SCORES}
    if request.method == "POST" and found.answered_at is None:
        raw = request.POST.get("score", "")
        comment = request.POST.get("comment", "")
        try:
            score = int(raw)
        except ValueError:
            score = 0
        try:
            found = surveys.answer(token=token, score=score, comment=comment)
        except ValidationFailed as error:
            context.update({"errors": error.fields, "posted": {"score": raw, "comment": comment}})
            return render(request, "service/care_survey.html", context, status=422)
        except DomainError as error:
            context["refusal"] = error_text(error)
            return render(request, "service/care_survey.html", context, status=error.status)
        context.update({"survey": found, "thanked": True})
    context.setdefault("answered_text", _("Thank you for your answer!"))
    return render(request, "service/care_survey.html", context)
