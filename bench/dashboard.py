"""The dashboard at 1,000,000 orders on PostgreSQL (issue 15: under 300 ms p95), beside
the bare SQL over the same fact rows in the same run.

On a throwaway PostgreSQL: bench/million.py makes --orders orders over two years (three
shops, eight agents); analytics.facts.rebuild turns the whole span into daily fact rows
(its time is reported: `dashboard_facts_rebuild_pg`, and the periodic job's 14 days);
then, for three queries an owner asks —

- `day14`: the default page, the last 14 days, every shop;
- `month24`: two years by month (the longest range allowed), every shop;
- `shop_week26`: one shop, 26 weeks —

three figures each, every call timed (bench.common.timed):

- `ceiling_dashboard_<query>_pg`: the three GROUP BY statements the dashboard needs
  (per day; per shop, agent and period; reasons), as bare SQL through one cursor;
- `dashboard_<query>_pg`: analytics.dashboard.build_dashboard + chart_data (the API's
  work: the same statements through the ORM, bucketing, every metric, names, "as of");
- `dashboard_page_<query>_pg`: GET /dashboard/ through Django's test client as the
  owner (the view, the template, the chart data; no network).

Each dashboard figure carries its p50/p95 as a multiple of its ceiling's and whether the
numbers agree with the ceiling's (`same_numbers_as_ceiling`).

    python bench/dashboard.py --orders 1000000
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.common import django_on_throwaway_postgres, emit, log, timed  # noqa: E402


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="timed calls per figure (at most)")
    parser.add_argument("--max-seconds", type=float, default=20.0, help="time limit per figure")
    return parser.parse_args()


def with_ratio(figure: dict[str, Any], ceiling: dict[str, Any]) -> dict[str, Any]:
    """The figure with its p50 and p95 as multiples of the ceiling's (1.0: as fast as raw SQL)."""
    figure["p50_ratio_to_ceiling"] = round(figure["p50_ms"] / max(ceiling["p50_ms"], 0.001), 2)
    figure["p95_ratio_to_ceiling"] = round(figure["p95_ms"] / max(ceiling["p95_ms"], 0.001), 2)
    return figure


def ceiling_sql(shop_id: int | None) -> list[tuple[str, str]]:
    """(what, SQL) of the three statements, with %(previous)s, %(start)s, %(end)s."""
    from sellerdesk.analytics.models import AMOUNTS, COUNTERS

    columns = COUNTERS + AMOUNTS
    where = "day >= %(previous)s AND day < %(end)s" + (f" AND shop_id = {int(shop_id)}" if shop_id else "")
    sums = ", ".join(f"sum({column})" for column in columns)
    return [
        ("day", f"SELECT day, {sums} FROM analytics_dailyfact WHERE {where} GROUP BY day ORDER BY day"),
        (
            "shop_agent",
            f"SELECT shop_id, agent_id, (day >= %(start)s) AS is_current, {sums} FROM analytics_dailyfact"
            f" WHERE {where} GROUP BY 1, 2, 3",
        ),
        (
            "reason",
            "SELECT reason, sum(count) FILTER (WHERE day >= %(start)s), sum(count) FILTER (WHERE day < %(start)s)"
            f" FROM analytics_dailyreasonfact WHERE {where} GROUP BY reason",
        ),
    ]


def rebuild_facts(first_day: date, last_day: date) -> dict[str, Any]:
    from sellerdesk.analytics import facts
    from sellerdesk.analytics.models import DailyFact

    started = time.monotonic()
    rows = facts.rebuild(first_day=first_day, last_day=last_day)
    whole = time.monotonic() - started
    started = time.monotonic()
    facts.rebuild(first_day=last_day - timedelta(days=13), last_day=last_day)
    recent = time.monotonic() - started
    log(f"dashboard: {rows} fact rows from {first_day} to {last_day} in {whole:.1f} s; 14 days again in {recent:.1f} s")
    return {
        "bench": "dashboard_facts_rebuild_pg",
        "days": (last_day - first_day).days + 1,
        "fact_rows": DailyFact.objects.count(),
        "rebuild_seconds": round(whole, 2),
        "rebuild_14_days_seconds": round(recent, 2),
    }


def figures_for(
    name: str, params: dict[str, Any], owner: Any, bounds: dict[str, Any], common: dict[str, Any]
) -> list[dict[str, Any]]:
    from django.db import connection
    from django.test import Client

    from sellerdesk.analytics.dashboard import build_dashboard, chart_data, parse_query

    query = parse_query(**params)
    shop_id = query.shop.pk if query.shop is not None else None
    arguments = {"previous": query.previous_start, "start": query.start, "end": query.end}
    statements = ceiling_sql(shop_id)

    def ceiling_call(_index: int) -> list[list[tuple[Any, ...]]]:
        answers = []
        with connection.cursor() as cursor:
            for _what, sql in statements:
                cursor.execute(sql, arguments)
                answers.append(cursor.fetchall())
        return answers

    def dashboard_call(_index: int) -> Any:
        dashboard = build_dashboard(actor=owner, query=parse_query(**params))
        return dashboard, chart_data(dashboard)

    client = Client()
    client.force_login(owner)

    def page_call(_index: int) -> Any:
        response = client.get("/dashboard/", params, HTTP_ACCEPT_LANGUAGE="zh-hans")
        if response.status_code != 200:
            raise RuntimeError(f"/dashboard/ answered {response.status_code}")
        return response

    facts = {"query": params, "buckets": len(query.starts), **common}
    ceiling, answers = timed(f"ceiling_dashboard_{name}_pg", ceiling_call, **bounds, **facts)
    figure, (dashboard, _data) = timed(f"dashboard_{name}_pg", dashboard_call, **bounds, **facts)
    page, response = timed(f"dashboard_page_{name}_pg", page_call, **bounds, **facts)

    # orders_placed is the first counter: the ceiling's per-day sums of this range and the
    # previous one against the dashboard's totals.
    placed_now = sum(row[1] or 0 for row in answers[0] if row[0] >= query.start)
    placed_before = sum(row[1] or 0 for row in answers[0] if row[0] < query.start)
    series = next(series for series in dashboard.series if series.metric.code == "orders_placed")
    same = (int(series.total or 0), int(series.previous_total or 0)) == (placed_now, placed_before)
    for one in (figure, page):
        one["same_numbers_as_ceiling"] = same
        one["orders_placed_in_range"] = placed_now
    page["page_bytes"] = len(response.content)
    return [ceiling, with_ratio(figure, ceiling), with_ratio(page, ceiling)]


def main() -> None:
    arguments = options()
    with django_on_throwaway_postgres("dashboard"):
        from django.utils import timezone

        from bench.million import SPAN, generate
        from sellerdesk.core.models import User
        from sellerdesk.shops.models import Shop

        world = generate(orders=arguments.orders)
        today = timezone.localdate(world.now)
        rebuild = rebuild_facts(
            (world.now - SPAN).astimezone(timezone.get_current_timezone()).date() - timedelta(days=1), today
        )
        emit({**rebuild, **world.facts()})
        owner = User.objects.get(pk=world.owner_id)
        shop = Shop.objects.exclude(is_default=True).order_by("pk").first() or Shop.objects.order_by("pk").first()
        assert shop is not None
        bounds = {"requests": arguments.requests, "max_seconds": arguments.max_seconds}
        common = {"orders": world.orders, "fact_rows": rebuild["fact_rows"]}
        queries = {
            "day14": {"period": "day", "end": today.isoformat()},
            "month24": {
                "period": "month",
                "start": (today - timedelta(days=730)).isoformat(),
                "end": today.isoformat(),
            },
            "shop_week26": {
                "period": "week",
                "start": (today - timedelta(weeks=25)).isoformat(),
                "end": today.isoformat(),
                "shop": shop.code,
            },
        }
        for name, params in queries.items():
            for figure in figures_for(name, params, owner, bounds, common):
                log(f"dashboard: {figure['bench']} p95 {figure['p95_ms']} ms")
                emit(figure)


if __name__ == "__main__":
    main()
