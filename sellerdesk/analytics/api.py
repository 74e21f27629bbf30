"""/api/v1/dashboard: the dashboard's figures (the same query as the page: period, start,
end, shop, agent), the metric definitions, and the XLSX export. Thin: each handler
parses, calls analytics.dashboard, serialises; a bad query is a 422 naming the field
(core.api), an agent's token a 403."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from pydantic import AfterValidator, BaseModel, Field, StringConstraints

from sellerdesk.analytics.dashboard import Dashboard, Line, build_dashboard, chart_data, dashboard_xlsx, parse_query
from sellerdesk.analytics.metrics import METRICS
from sellerdesk.core.api import ERROR_RESPONSES, actor_of
from sellerdesk.core.permissions import require

router = Router(tags=["dashboard"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain a NUL character")
    return value


# Dates stay text here: analytics.dashboard.parse_query reads them, so the API and the
# page refuse a bad one with the same words.
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40), AfterValidator(_no_nul)]


class DashboardFilter(BaseModel):
    period: Text | None = Field(default=None, description="day (default), week or month")
    start: Text | None = Field(default=None, description="YYYY-MM-DD; default: 14 days, 8 weeks or 6 months back")
    end: Text | None = Field(default=None, description="YYYY-MM-DD, included; default today; at most 731 days")
    shop: Text | None = Field(default=None, description="a shop's code; default every shop")
    agent: Text | None = Field(default=None, description="a staff member's user name; default everyone")


class ExportFilter(DashboardFilter):
    metric: Text | None = Field(default=None, description="one metric's code, or reasons (one chart); default all")


class MetricOut(BaseModel):
    code: str
    label: str
    formula: str
    unit: str
    lower_is_better: bool
    by_agent: bool
    numerator: list[str]
    denominator: list[str]
    minus: list[str]


class SeriesOut(BaseModel):
    code: str
    label: str
    unit: str
    lower_is_better: bool
    labels: list[str]
    values: list[Decimal | None]
    previous_labels: list[str]
    previous: list[Decimal | None]
    total: Decimal | None
    previous_total: Decimal | None


class LineValueOut(BaseModel):
    value: Decimal | None
    previous: Decimal | None


class DashboardLineOut(BaseModel):
    key: str
    name: str
    values: dict[str, LineValueOut]


class DashboardReasonOut(BaseModel):
    code: str
    name: str
    count: int
    previous: int


class DashboardOut(BaseModel):
    period: Literal["day", "week", "month"]
    start: str
    end: str
    previous_start: str
    shop: str | None
    agent: str | None
    as_of: datetime | None
    metrics: list[SeriesOut]
    by_shop: list[DashboardLineOut]
    by_agent: list[DashboardLineOut]
    reasons: list[DashboardReasonOut]


def _line_out(line: Line) -> dict[str, Any]:
    return {
        "key": line.key,
        "name": line.name,
        "values": {code: {"value": now, "previous": before} for code, (now, before) in line.values.items()},
    }


def _dashboard(request: HttpRequest, filters: DashboardFilter) -> Dashboard:
    query = parse_query(
        period=filters.period,
        start=filters.start,
        end=filters.end,
        shop=filters.shop,
        agent=filters.agent,
        actor=actor_of(request),
    )
    return build_dashboard(actor=actor_of(request), query=query)


@router.get("/dashboard", response={200: DashboardOut, **ERROR_RESPONSES})
def dashboard(request: HttpRequest, filters: Query[DashboardFilter]) -> Any:
    """Every metric per day, week or month over the range, beside the previous period of
    the same length, per shop and per agent, and the reasons for not paying. 422 naming
    the field for a bad period, date, range (backwards, over 731 days), shop or agent."""
    found = _dashboard(request, filters)
    return {
        **chart_data(found, exact=True),
        "shop": found.query.shop.code if found.query.shop else None,
        "agent": found.query.agent.username if found.query.agent else None,
        "as_of": found.as_of,
        "by_shop": [_line_out(line) for line in found.by_shop],
        "by_agent": [_line_out(line) for line in found.by_agent],
        "reasons": [
            {"code": reason.code, "name": reason.name, "count": reason.count, "previous": reason.previous}
            for reason in found.reasons
        ],
    }


@router.get("/dashboard/metrics", response={200: list[MetricOut], **ERROR_RESPONSES})
def metrics(request: HttpRequest) -> Any:
    """Each metric's definition: its formula in words and over the fact columns."""
    require(actor_of(request), "dashboard.view")
    return [
        {
            "code": metric.code,
            "label": str(metric.label),
            "formula": str(metric.formula),
            "unit": metric.unit.value,
            "lower_is_better": metric.lower_is_better,
            "by_agent": metric.by_agent,
            "numerator": list(metric.numerator),
            "denominator": list(metric.denominator),
            "minus": list(metric.minus),
        }
        for metric in METRICS.values()
    ]


@router.get(
    "/dashboard/export",
    response={200: None, **ERROR_RESPONSES},
    openapi_extra={"responses": {200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}}},
)
def export(request: HttpRequest, filters: Query[ExportFilter]) -> HttpResponse:
    """The dashboard (or one chart: `metric`) as an XLSX workbook with the same numbers."""
    found = _dashboard(request, filters)
    data = dashboard_xlsx(found, metric=filters.metric)
    response = HttpResponse(data, content_type=XLSX)
    query = found.query
    name = f"dashboard-{filters.metric or 'all'}-{query.period}-{query.start}-{query.last_day}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
