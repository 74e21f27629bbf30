from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.html import format_html
from django.utils.translation import gettext as _

from sellerdesk.core.errors import DatabaseBusy


class ApiErrorFormatMiddleware:
    """Under /api/ every error is JSON, including the 404 of an unknown path and the
    405 of a wrong method, which Django and ninja answer in HTML or plain text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not request.path.startswith("/api/") or response.status_code not in (404, 405):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        if response.status_code == 404:
            answer = JsonResponse(
                {"code": "not_found", "message": _("No such API path."), "details": {"path": request.path}},
                status=404,
            )
        else:
            answer = JsonResponse(
                {
                    "code": "method_not_allowed",
                    "message": _("This path does not take %(method)s.") % {"method": request.method},
                    "details": {"allowed": response.get("Allow", "")},
                },
                status=405,
            )
            if response.has_header("Allow"):
                answer["Allow"] = response["Allow"]
        return answer


class DatabaseBusyMiddleware:
    """A staff page whose write gave up waiting for the database (DatabaseBusy, 503)
    answers with the reason instead of a server error: a page of its own, or for an htmx
    request the message alone, which app.js shows above the page. Views that catch domain
    errors themselves show it as they show any refusal; the API answers it as JSON."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DatabaseBusy):
            return None
        if request.headers.get("HX-Request"):
            return HttpResponse(
                format_html('<div class="msg msg-error" role="alert">{}</div>', exception.message), status=503
            )
        return render(request, "503.html", {"message": exception.message}, status=503)
