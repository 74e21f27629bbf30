"""`make bench`, the service desk's inbox: `service.queries.inbox` over N conversations on
PostgreSQL, each view beside a raw-SQL ceiling of the same rows measured in the same run,
and the routing of a queue of waiting conversations (load counters, no counting).

stdout carries one JSON object per line, one per figure, and nothing else (each ceiling
just before the figure it bounds, which carries its ratio to it); progress goes to stderr.

Setup (bounded, set-based): on a throwaway PostgreSQL with its default settings, migrate;
two shops, AGENTS agents in two teams with profiles, a supervisor; ONE conversation
opened through `service.conversations.open_conversation`, then cloned N-1 times with
INSERT … SELECT generate_series (every column as the model writes it): a year of
conversations, one every few minutes; the newest ACTIVE_PERCENT are the desk's work
(mostly open, some pending or snoozed, a tenth unassigned), the older ones resolved;
over the four channels, the 12 intents and
unclassified, both shops; SLA states met / breached / running. ANALYZE last.

Figures (p50/p95/max in ms of at most --requests calls within --max-seconds, after
5 warm-up calls; the ceilings likewise):
- service_inbox_mine_pg: an agent's "mine" view (the active conversations assigned to
  them, newest message first, at most 200, with shop, buyer, agent and order joined);
- service_inbox_unassigned_pg, service_inbox_all_pg (a supervisor's every active
  conversation), service_inbox_breached_pg ("all" filtered on sla_state=breached);
- service_inbox_counts_pg: `queries.counts` (the four views' counts);
- ceiling_*: one hand-written statement returning the same rows (or counts) through the
  same connection. `same_rows_as_ceiling` says whether the page listed the same
  conversations in the same order.
- service_route_pg: `service.routing.route_waiting` giving --route conversations of a
  queue to the online agents (load counters claimed by conditional UPDATE), per
  conversation; no ceiling (nothing in SQL alone routes), statements per assignment.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.common import clone, django_on_throwaway_postgres, emit, log, timed  # noqa: E402

AGENTS = 20
ACTIVE_PERCENT = 6
MINUTES_APART = 5
INTENTS_SQL = (
    "ARRAY['where_is_my_order','urge_shipping','change_address','change_item','cancel_order','refund_request',"
    "'return_exchange','damaged_or_wrong','price_bargain','product_question','payment_problem','complaint','']"
)


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--orders", "--conversations", dest="conversations", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=300, help="calls per figure at most")
    parser.add_argument("--max-seconds", type=float, default=30, help="time per figure at most")
    parser.add_argument("--route", type=int, default=2_000, help="waiting conversations routed")
    return parser.parse_args()


def setup(count: int, now: datetime) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection, transaction

    from sellerdesk.core.models import User
    from sellerdesk.service import conversations
    from sellerdesk.service.models import AgentProfile, Presence, Team
    from sellerdesk.shops.models import Shop

    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    log(f"migrated in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    shops = [
        Shop.objects.get_or_create(code="main", defaults={"name": "主店", "is_default": True})[0],
        Shop.objects.get_or_create(code="tmall", defaults={"name": "天猫店"})[0],
    ]
    supervisor = User.objects.create_user(username="bench-lead", password=None, role="supervisor", display_name="主管")
    teams = [Team.objects.create(name=name, supervisor=supervisor) for name in ("售前组", "售后组")]
    agents = []
    for index in range(AGENTS):
        user = User.objects.create_user(
            username=f"bench-agent-{index}", password=None, role="agent", display_name=f"客服{index}"
        )
        AgentProfile.objects.create(
            user=user, team=teams[index % 2], presence=Presence.OFFLINE, max_chats=100, languages=["zh-hans"]
        )
        agents.append(user)
    template = conversations.open_conversation(
        shop=shops[0], channel="web", contact="13800138000", contact_name="王小丽", subject="咨询", at=now
    )
    # The newest ACTIVE_PERCENT of the conversations are the desk's work now (most of
    # them open, some pending or snoozed, a few resolved already); the older ones resolved.
    recent = f"g <= {max(1, count * ACTIVE_PERCENT // 100)}"
    active_sql = (
        f"CASE WHEN NOT ({recent}) OR mod(g, 20) >= 18 THEN 'resolved' "
        "WHEN mod(g, 20) < 15 THEN 'open' WHEN mod(g, 20) < 17 THEN 'pending' ELSE 'snoozed' END"
    )
    is_resolved = f"(NOT ({recent}) OR mod(g, 20) >= 18)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_agent (k int, id int, team_id int)")
        cursor.executemany(
            "INSERT INTO bench_agent VALUES (%s, %s, %s)",
            [(index, user.pk, teams[index % 2].pk) for index, user in enumerate(agents)],
        )
        moment = f"(%s::timestamptz - (g * interval '{MINUTES_APART} minutes'))"
        # The only parameter of clone's statement is the count and the template id; the
        # moment is spliced as a literal.
        moment = moment.replace("%s", f"'{now.isoformat()}'")
        unassigned = f"({recent} AND mod(g, 20) < 2)"
        clone(
            cursor,
            "service_conversation",
            template.pk,
            count,
            {
                "status": active_sql,
                "assignee_id": f"CASE WHEN {unassigned} THEN NULL ELSE a.id END",
                "last_assignee_id": "a.id",
                "team_id": f"CASE WHEN {unassigned} THEN NULL ELSE a.team_id END",
                "shop_id": f"CASE WHEN mod(g, 2) = 0 THEN {shops[0].pk} ELSE {shops[1].pk} END",
                "channel": "(ARRAY['web','marketplace','email','phone'])[1 + mod(g, 4)]",
                "intent": f"({INTENTS_SQL})[1 + mod(g, 13)]",
                "contact": "'139' || lpad(g::text, 8, '0')",
                "contact_name": "'买家' || g",
                "last_message_preview": "'在吗？我的快递到哪了 ' || g",
                "created_at": f"{moment} - interval '10 minutes'",
                "last_message_at": moment,
                "waiting_since": f"CASE WHEN {is_resolved} THEN NULL ELSE {moment} END",
                "resolved_at": f"CASE WHEN {is_resolved} THEN {moment} ELSE NULL END",
                "sla_state": (
                    f"CASE WHEN {is_resolved} THEN "
                    "(CASE WHEN mod(g, 10) = 0 THEN 'breached' ELSE 'met' END) "
                    "WHEN mod(g, 7) = 0 THEN 'breached' ELSE 'running' END"
                ),
                "sla_due_at": f"CASE WHEN {is_resolved} THEN NULL ELSE {moment} + interval '1 minute' END",
                "unread_agent": "mod(g, 3)",
            },
            # By the twenty, so that the agents' share of each status is the same.
            extra=f"JOIN bench_agent a ON a.k = mod(g / 20, {AGENTS})",
        )
    connection.cursor().execute("ANALYZE")
    seconds = time.monotonic() - started
    total = count + 1
    log(f"setup: {total} conversations in {seconds:.1f} s")
    return {
        "agents": agents,
        "supervisor": supervisor,
        "shops": shops,
        "setup_seconds": round(seconds, 1),
        "conversations": total,
    }


def with_ratio(figure: dict[str, Any], ceiling: dict[str, Any]) -> dict[str, Any]:
    """The figure with its p50 and p95 as multiples of the ceiling's (1.0: as fast as raw SQL)."""
    figure["p50_ratio_to_ceiling"] = round(figure["p50_ms"] / max(ceiling["p50_ms"], 0.001), 2)
    figure["p95_ratio_to_ceiling"] = round(figure["p95_ms"] / max(ceiling["p95_ms"], 0.001), 2)
    return figure


PAGE_SQL = """
SELECT c.*, s.*, cu.*, u.*, o.*
FROM service_conversation c
JOIN shops_shop s ON s.id = c.shop_id
LEFT JOIN customers_customer cu ON cu.id = c.customer_id
LEFT JOIN core_user u ON u.id = c.assignee_id
LEFT JOIN orders_order o ON o.id = c.order_id
WHERE c.status IN ('open', 'pending', 'snoozed') {where}
ORDER BY c.last_message_at DESC, c.id DESC
LIMIT 200
"""

COUNTS_SQL = """
SELECT count(*) FILTER (WHERE assignee_id = %(agent)s),
       count(*) FILTER (WHERE assignee_id IS NULL),
       count(*) FILTER (WHERE team_id = %(team)s),
       count(*)
FROM service_conversation WHERE status IN ('open', 'pending', 'snoozed')
"""


def page_ceiling(where: str, parameters: dict[str, Any]) -> Callable[[int], list[int]]:
    from django.db import connection

    sql = PAGE_SQL.format(where=where)

    def call(_index: int) -> list[int]:
        with connection.cursor() as cursor:
            cursor.execute(sql, parameters)
            return [row[0] for row in cursor.fetchall()]

    return call


def inbox_figures(facts: dict[str, Any], bounds: dict[str, Any]) -> list[dict[str, Any]]:
    from sellerdesk.service import queries
    from sellerdesk.service.models import AgentProfile

    agent = facts["agents"][3]
    supervisor = facts["supervisor"]
    common = {"conversations": facts["conversations"], "setup_seconds": facts["setup_seconds"]}
    cases = [
        ("mine", agent, {"view": "mine"}, "AND c.assignee_id = %(agent)s"),
        ("unassigned", agent, {"view": "unassigned"}, "AND c.assignee_id IS NULL"),
        ("all", supervisor, {"view": "all"}, ""),
        ("breached", supervisor, {"view": "all", "sla_state": "breached"}, "AND c.sla_state = 'breached'"),
    ]
    result = []
    for name, actor, filters, where in cases:
        ceiling, expected = timed(
            f"ceiling_service_inbox_{name}_pg", page_ceiling(where, {"agent": agent.pk}), **bounds, **common
        )

        def call(_index: int, actor: Any = actor, filters: dict[str, Any] = filters) -> list[int]:
            rows = list(queries.inbox(actor=actor, **filters))
            # What the API's row reads of the joined objects.
            seen = [(row.shop.code, row.customer, row.assignee and row.assignee.signature) for row in rows]
            return [row.pk for row, _seen in zip(rows, seen, strict=True)]

        figure, got = timed(f"service_inbox_{name}_pg", call, **bounds, **common)
        figure["rows"] = len(got)
        figure["same_rows_as_ceiling"] = got == expected
        result.extend([ceiling, with_ratio(figure, ceiling)])
        log(f"inbox {name}: p95 {figure['p95_ms']} ms, ceiling {ceiling['p95_ms']} ms, {len(got)} rows")

    team = AgentProfile.objects.get(user=agent).team_id

    def counts_ceiling(_index: int) -> tuple[Any, ...]:
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute(COUNTS_SQL, {"agent": agent.pk, "team": team})
            return tuple(cursor.fetchone())

    ceiling, expected_counts = timed("ceiling_service_inbox_counts_pg", counts_ceiling, **bounds, **common)
    figure, got_counts = timed("service_inbox_counts_pg", lambda _i: queries.counts(agent), **bounds, **common)
    figure["same_counts_as_ceiling"] = tuple(got_counts[view] for view in ("mine", "unassigned", "team", "all")) == (
        expected_counts
    )
    result.extend([ceiling, with_ratio(figure, ceiling)])
    return result


def route_figure(facts: dict[str, Any], count: int, now: datetime) -> dict[str, Any]:
    """Route `count` waiting conversations to the online agents, in rounds as the job does."""
    from django.db import connection

    from sellerdesk.service import routing
    from sellerdesk.service.models import AgentProfile, Conversation, Presence

    waiting = list(
        Conversation.objects.filter(status="open", assignee__isnull=True).values_list("pk", flat=True)[:count]
    )
    # Put the rest of the unassigned aside so the job sees exactly this queue.
    Conversation.objects.filter(status="open", assignee__isnull=True).exclude(pk__in=waiting).update(status="pending")
    AgentProfile.objects.update(presence=Presence.ONLINE, open_count=0, max_chats=100)
    statements = 0
    counted = 0

    def observe(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements, counted
        statements += 1
        counted += "count(" in sql.lower()
        return execute(sql, params, many, context)

    assigned = 0
    started = time.monotonic()
    with connection.execute_wrapper(observe):
        while True:
            done = routing.route_waiting(now=now, limit=500)
            assigned += done
            if done == 0:
                break
    seconds = time.monotonic() - started
    loads = list(AgentProfile.objects.values_list("open_count", "max_chats"))
    return {
        "bench": "service_route_pg",
        "waiting": len(waiting),
        "assigned": assigned,
        "conversations_per_s": round(assigned / seconds, 1) if seconds else None,
        "ms_per_assignment": round(seconds * 1000 / max(assigned, 1), 2),
        "statements_per_assignment": round(statements / max(assigned, 1), 1),
        "count_queries": counted,
        "over_cap": sum(1 for load, cap in loads if load > cap),
        "agents": len(loads),
    }


def main() -> None:
    arguments = options()
    with django_on_throwaway_postgres("service-inbox"):
        from django.utils import timezone

        now = timezone.now()
        facts = setup(max(arguments.conversations - 1, 1), now)
        bounds = {"requests": arguments.requests, "max_seconds": arguments.max_seconds}
        for figure in inbox_figures(facts, bounds):
            emit(figure)
        emit(route_figure(facts, arguments.route, now))


if __name__ == "__main__":
    main()
