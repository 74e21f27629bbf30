from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _


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
