"""Evidence files for staff: served through the storage API, only to users who may see
after-sales cases (aftersales.view), never from a public media URL. The buyer portal
serves a buyer's own files with its own ownership check (aftersales.evidence.open_evidence)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sellerdesk.aftersales.evidence import open_evidence
from sellerdesk.aftersales.models import Evidence
from sellerdesk.core.permissions import has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor
from sellerdesk.shops.access import limit_to_visible_shops


@require_GET
@staff_required
def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored file of evidence `pk` (`?variant=thumbnail` for its thumbnail)."""
    actor = logged_in_actor(request)
    if not has_permission(actor, "aftersales.view"):
        raise PermissionDenied
    variant = request.GET.get("variant", "file")
    if variant not in ("file", "thumbnail"):
        raise Http404(_("No such file."))
    # Another shop's evidence is not found (shops.access).
    visible = limit_to_visible_shops(Evidence.objects.all(), actor, shop_field="case__shop_id")
    item = visible.select_related("case").filter(pk=pk).first()
    if item is None:
        raise Http404(_("No such file."))
    try:
        opened = open_evidence(item, variant)  # type: ignore[arg-type]
    except (LookupError, OSError):
        raise Http404(_("No such file.")) from None
    response = FileResponse(opened.file, content_type=opened.content_type, filename=opened.filename)
    # The bytes were checked when stored; still, never let a browser guess another type
    # or run anything from them.
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    if variant == "file":
        response["ETag"] = f'"{item.sha256}"'
    return response  # type: ignore[return-value]  # streamed; staff_required is typed for HttpResponse
