"""The dashboard page (/dashboard/) and its XLSX export: thin views over
analytics.dashboard. A bad query (backwards or too long a range, an unknown shop or
agent) shows the page with each field's error and answers 400, never a 500."""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sellerdesk.analytics.dashboard import (
    Dashboard,
    DashboardQuery,
    Line,
    Series,
    build_dashboard,
    chart_data,
    dashboard_xlsx,
    parse_query,
)
from sellerdesk.analytics.metrics import Unit
from sellerdesk.core.errors import ValidationFailed
from sellerdesk.core.models import User
from sellerdesk.core.permissions import Role, has_permission
from sellerdesk.core.views import staff_required
from sellerdesk.core.web import logged_in_actor
from sellerdesk.shops.access import visible_shops

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _query(request: HttpRequest) -> DashboardQuery:
    return parse_query(
        period=request.GET.get("period") or None,
        start=request.GET.get("start") or None,
        end=request.GET.get("end") or None,
        shop=request.GET.get("shop") or None,
        agent=request.GET.get("agent") or None,
        actor=logged_in_actor(request),
    )


def _unit_suffix(unit: Unit) -> str:
    return {
        Unit.PERCENT: "%",
        Unit.HOURS: _("h"),
        Unit.MINUTES: _("min"),
        Unit.SCORE: " / 5",
    }.get(unit, "")


def _card(series: Series) -> dict[str, object]:
    """A chart's card: its series, the unit after the numbers, and which way it moved
    since the previous period and whether that is good (for the arrow's colour)."""
    change = None
    if series.total is not None and series.previous_total is not None and series.total != series.previous_total:
        rising = series.total > series.previous_total
        change = {"rising": rising, "good": rising != series.metric.lower_is_better}
    return {
        "series": series,
        "metric": series.metric,
        "suffix": _unit_suffix(series.metric.unit),
        "is_money": series.metric.unit is Unit.MONEY,
        "change": change,
    }


def _columns(dashboard: Dashboard) -> list[dict[str, object]]:
    return [{"code": series.metric.code, "label": series.metric.label} for series in dashboard.series]


def _rows(lines: list[Line], dashboard: Dashboard) -> list[dict[str, object]]:
    """A per-shop or per-agent table: each line's (now, before) in the charts' order."""
    codes = [series.metric.code for series in dashboard.series]
    return [
        {"name": line.name, "cells": [{"now": line.values[code][0], "before": line.values[code][1]} for code in codes]}
        for line in lines
    ]


def _allowed(request: HttpRequest) -> None:
    # The page's own refusal (403) rather than a redirect: the link is shown only to
    # those who may open it, so anyone else got here by typing the address.
    if not has_permission(logged_in_actor(request), "dashboard.view"):
        raise PermissionDenied


@staff_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    _allowed(request)
    context: dict[str, object] = {
        "periods": [("day", _("Day")), ("week", _("Week")), ("month", _("Month"))],
        # Only the shops the user may see are offered (shops.access).
        "shops": visible_shops(logged_in_actor(request))[0],
        "agents": User.objects.filter(is_active=True, role__in=[Role.AGENT, Role.SUPERVISOR, Role.OWNER]).order_by(
            "username"
        ),
        "asked": request.GET,
    }
    try:
        query = _query(request)
    except ValidationFailed as error:
        context["errors"] = error.fields
        return render(request, "analytics/dashboard.html", context, status=400)
    dashboard = build_dashboard(actor=logged_in_actor(request), query=query)
    params = query.as_params()
    context.update(
        {
            "dashboard": dashboard,
            "query": query,
            "chart": chart_data(dashboard),
            "cards": [_card(series) for series in dashboard.series],
            "columns": _columns(dashboard),
            "shop_rows": _rows(dashboard.by_shop, dashboard),
            "agent_rows": _rows(dashboard.by_agent, dashboard),
            "params": urlencode(params),
            "period": query.period,
            "start": query.start,
            "end": query.last_day,
            "shop": query.shop,
            "agent": query.agent,
        }
    )
    return render(request, "analytics/dashboard.html", context)


@staff_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    """The dashboard (or one chart: ?metric=code) as XLSX, the same numbers as the page."""
    _allowed(request)
    metric = request.GET.get("metric") or None
    try:
        query = _query(request)
        data = dashboard_xlsx(build_dashboard(actor=logged_in_actor(request), query=query), metric=metric)
    except ValidationFailed as error:
        text = "; ".join(f"{field}: {reason}" for field, reason in error.fields.items())
        return HttpResponse(f"{error.message} {text}", status=400, content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type=XLSX)
    name = f"dashboard-{metric or 'all'}-{query.period}-{query.start}-{query.last_day}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
