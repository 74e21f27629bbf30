"""The settings API of the desk (H4): calendars with several periods a day, holidays and
调休 seeded and edited, the due-time calculator, SLA policies, teams and agents,
presence, assigning and escalating, the clocks, and the figures — with the permissions
and clear errors, nothing half-written."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sellerdesk.core.models import AuditEvent
from sellerdesk.service import figures, forbidden, intents
from sellerdesk.service.models import AgentProfile, BusinessCalendar, CalendarDay, Conversation, SlaPolicy
from tests.api.helpers import default_shop  # noqa: F401  (autouse)
from tests.conftest import ApiClient
from tests.factories import make_token, make_user
from tests.service.h4_builders import agent, at, conversation

OFFICE = [
    {"weekday": day, "start": start, "end": end}
    for day in range(5)
    for start, end in (("09:00", "12:00"), ("13:30", "18:00"))
]


@pytest.fixture(autouse=True)
def _plain_nlp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(intents, "classify", lambda text: intents.Prediction("unclassified", 0.0))
    monkeypatch.setattr(forbidden, "check_draft", lambda text: [])


@pytest.fixture
def boss(db: Any) -> Any:
    return make_user("boss", "supervisor", "主管")


@pytest.fixture
def boss_api(boss: Any) -> ApiClient:
    return ApiClient(make_token(boss))


@pytest.fixture
def hua(db: Any) -> Any:
    return agent("hua")


@pytest.fixture
def hua_api(hua: Any) -> ApiClient:
    return ApiClient(make_token(hua))


def make_office(api: ApiClient, **extra: Any) -> dict[str, Any]:
    response = api.post("/api/v1/service/calendars", {"name": "客服", "periods": OFFICE, **extra})
    assert response.status_code == 201, response.json()
    return response.json()  # type: ignore[no-any-return]


def test_a_calendar_with_a_lunch_break_seeded_with_national_day(boss_api: ApiClient) -> None:
    created = make_office(boss_api, seed_years=[2026])
    assert created["periods"][:2] == [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "13:30", "end": "18:00"},
    ]
    assert created["exception_days"] == 39
    pk = created["id"]
    days = boss_api.get(f"/api/v1/service/calendars/{pk}/days", year=2026).json()
    assert {"date": "2026-10-10", "kind": "workday", "name": "国庆节调休", "periods_of": 0} in days

    due = boss_api.get(f"/api/v1/service/calendars/{pk}/due", start="2026-09-30T17:58:00+08:00", seconds=600)
    assert due.json()["due_at"] == "2026-10-08T09:08:00+08:00"
    # A naive time is read in the calendar's zone
    between = boss_api.get(
        f"/api/v1/service/calendars/{pk}/business-seconds", start="2026-10-10T11:00:00", end="2026-10-10T14:30:00"
    )
    assert between.json()["business_seconds"] == 7200


def test_periods_end_at_24_00_and_bad_periods_are_named(boss_api: ApiClient) -> None:
    pk = make_office(boss_api)["id"]
    late = [{"weekday": day, "start": "13:30", "end": "24:00"} for day in range(7)]
    response = boss_api.put(f"/api/v1/service/calendars/{pk}/periods", {"periods": late})
    assert response.status_code == 200
    assert response.json()["periods"][0] == {"weekday": 0, "start": "13:30", "end": "24:00"}

    bad = boss_api.put(
        f"/api/v1/service/calendars/{pk}/periods",
        {
            "periods": [
                {"weekday": 0, "start": "09:00", "end": "12:00"},
                {"weekday": 0, "start": "11:00", "end": "13:00"},
                {"weekday": 1, "start": "12:00", "end": "09:00"},
            ]
        },
    )
    assert bad.status_code == 422
    assert set(bad.json()["details"]["fields"]) == {"periods[1].start", "periods[2].end"}
    assert (
        boss_api.put(
            f"/api/v1/service/calendars/{pk}/periods", {"periods": [{"weekday": 7, "start": "09:00", "end": "10:00"}]}
        ).status_code
        == 422
    )
    assert (
        boss_api.put(
            f"/api/v1/service/calendars/{pk}/periods", {"periods": [{"weekday": 1, "start": "25:00", "end": "26:00"}]}
        ).status_code
        == 422
    )
    # Nothing changed by the refusals
    assert len(boss_api.get(f"/api/v1/service/calendars/{pk}").json()["periods"]) == 7


def test_a_later_year_entered_by_hand_and_seeding_unknown_years(boss_api: ApiClient) -> None:
    pk = make_office(boss_api)["id"]
    seeded = boss_api.post(f"/api/v1/service/calendars/{pk}/seed", {"years": [2026, 2031]}).json()
    assert seeded["years_seeded"] == [2026] and seeded["years_unknown"] == [2031]
    put = boss_api.put(f"/api/v1/service/calendars/{pk}/days/2031-10-01", {"kind": "holiday", "name": "国庆节"})
    assert put.status_code == 200
    due = boss_api.get(f"/api/v1/service/calendars/{pk}/due", start="2031-09-30T17:59:00+08:00", seconds=120)
    assert due.json()["due_at"] == "2031-10-02T09:01:00+08:00"
    assert boss_api.client.delete(f"/api/v1/service/calendars/{pk}/days/2031-10-01").status_code == 204
    assert boss_api.client.delete(f"/api/v1/service/calendars/{pk}/days/2031-10-01").status_code == 404
    codes = list(AuditEvent.objects.filter(object_kind="service_calendar").values_list("code", flat=True))
    assert codes == [
        "service_calendar_created",
        "service_calendar_seeded",
        "service_calendar_day_set",
        "service_calendar_day_removed",
    ]


def test_agents_may_read_but_not_change_the_settings(hua_api: ApiClient, boss_api: ApiClient) -> None:
    assert hua_api.post("/api/v1/service/calendars", {"name": "x", "periods": OFFICE}).status_code == 403
    assert hua_api.get("/api/v1/service/calendars").status_code == 200
    assert hua_api.post("/api/v1/service/sla-policies", {"name": "x"}).status_code == 403
    assert not BusinessCalendar.objects.exists() and not SlaPolicy.objects.exists()


def test_policies_crud_and_a_calendar_in_use(boss_api: ApiClient) -> None:
    calendar = make_office(boss_api)["id"]
    created = boss_api.post(
        "/api/v1/service/sla-policies",
        {"name": "天猫在线", "shop": "main", "channel": "web", "calendar_id": calendar, "first_reply_seconds": 30},
    )
    assert created.status_code == 201
    policy = created.json()
    assert (policy["shop"], policy["channel"], policy["first_reply_seconds"]) == ("main", "web", 30)
    changed = boss_api.patch(f"/api/v1/service/sla-policies/{policy['id']}", {"next_reply_seconds": 90, "shop": None})
    assert (changed.json()["next_reply_seconds"], changed.json()["shop"]) == (90, None)
    assert boss_api.post("/api/v1/service/sla-policies", {"name": "x", "shop": "nope"}).status_code == 422
    assert boss_api.post("/api/v1/service/sla-policies", {"name": "x", "first_reply_seconds": 0}).status_code == 422
    in_use = boss_api.client.delete(f"/api/v1/service/calendars/{calendar}")
    assert (in_use.status_code, in_use.json()["code"]) == (409, "calendar_in_use")
    assert boss_api.client.delete(f"/api/v1/service/sla-policies/{policy['id']}").status_code == 204
    assert boss_api.client.delete(f"/api/v1/service/calendars/{calendar}").status_code == 204


def test_agent_profiles_presence_and_assigning(boss_api: ApiClient, hua_api: ApiClient, hua: Any, boss: Any) -> None:
    team = boss_api.post("/api/v1/service/teams", {"name": "售后组", "supervisor_id": boss.pk}).json()
    saved = boss_api.put(
        f"/api/v1/service/agents/{hua.pk}",
        {
            "team_id": team["id"],
            "shops": ["main"],
            "skills": ["after_sale"],
            "languages": ["zh-hans", "en"],
            "max_chats": 1,
        },
    )
    assert saved.status_code == 200
    assert {k: saved.json()[k] for k in ("team_id", "shops", "skills", "max_chats", "presence")} == {
        "team_id": team["id"],
        "shops": ["main"],
        "skills": ["after_sale"],
        "max_chats": 1,
        "presence": "online",
    }
    assert boss_api.put(f"/api/v1/service/agents/{hua.pk}", {"skills": ["cooking"]}).status_code == 422
    assert boss_api.put(f"/api/v1/service/agents/{hua.pk}", {"max_chats": 500}).status_code == 422

    away = hua_api.post("/api/v1/service/presence", {"presence": "away"})
    assert away.json()["presence"] == "away"
    assert hua_api.post("/api/v1/service/presence", {"presence": "online"}).json()["presence"] == "online"

    first = conversation(when=at("2026-06-02 10:00"))
    second = conversation(when=at("2026-06-02 10:01"))
    took = hua_api.post(f"/api/v1/service/conversations/{first.pk}/assign", {"agent_id": hua.pk})
    assert took.status_code == 200 and took.json()["assignee_id"] == hua.pk
    full = boss_api.post(f"/api/v1/service/conversations/{second.pk}/assign", {"agent_id": hua.pk})
    assert (full.status_code, full.json()["code"]) == (409, "agent_full")
    assert Conversation.objects.get(pk=second.pk).assignee is None
    assert AgentProfile.objects.get(user=hua).open_count == 1

    escalated = hua_api.post(f"/api/v1/service/conversations/{first.pk}/escalate", {"reason": "complaint"})
    assert escalated.json()["escalated_to_id"] == boss.pk
    back = boss_api.post(f"/api/v1/service/conversations/{first.pk}/assign", {"agent_id": None, "reason": "交接"})
    assert back.json() == {
        "id": first.pk,
        "assignee_id": None,
        "assignee": None,
        "escalated_to_id": None,
        "priority": 2,
    }
    assert AgentProfile.objects.get(user=hua).open_count == 0
    assert boss_api.get(f"/api/v1/service/conversations/{first.pk}/clocks").status_code == 200


def test_figures_supervisor_sees_everyone_an_agent_only_themselves(
    boss_api: ApiClient,
    hua_api: ApiClient,
    hua: Any,
    boss: Any,
    default_shop: Any,  # noqa: F811
) -> None:
    other = agent("other")
    figures.add(
        day=date(2026, 6, 2),
        shop_id=default_shop.pk,
        agent_id=hua.pk,
        first_responses=2,
        first_response_seconds=50,
        sla_met=3,
        sla_breached=1,
    )
    figures.add(day=date(2026, 6, 2), shop_id=default_shop.pk, agent_id=other.pk, csat_count=1, csat_sum=5)
    rows = boss_api.get("/api/v1/service/figures", start="2026-06-01", end="2026-06-30").json()
    assert [(row["agent_id"], row["day"]) for row in rows] == [(hua.pk, "2026-06-02"), (other.pk, "2026-06-02")]
    mine = rows[0]
    assert (mine["first_response_avg_seconds"], mine["sla_met_percent"], mine["shop"]) == (25.0, 75.0, "主店")
    own = hua_api.get("/api/v1/service/figures", start="2026-06-01", end="2026-06-30", by="agent").json()
    assert [row["agent_id"] for row in own] == [hua.pk]
    assert (
        hua_api.get("/api/v1/service/figures", start="2026-06-01", end="2026-06-30", agent=other.pk).status_code == 403
    )
    whole = boss_api.get("/api/v1/service/figures", start="2026-06-01", end="2026-06-30", by="").json()
    assert len(whole) == 1 and whole[0]["csat_avg"] == 5.0 and "day" not in {k for k, v in whole[0].items() if v}
    assert boss_api.get("/api/v1/service/figures", start="2026-06-30", end="2026-06-01").status_code == 422
    assert boss_api.get("/api/v1/service/figures", start="2020-01-01", end="2026-06-01").status_code == 422
    assert boss_api.get("/api/v1/service/figures", start="2026-06-01", end="2026-06-30", by="week").status_code == 422


def test_unknown_ids_are_not_found(boss_api: ApiClient) -> None:
    assert boss_api.get("/api/v1/service/calendars/999999").status_code == 404
    assert boss_api.get(f"/api/v1/service/calendars/{2**70}").status_code in (404, 422)
    assert boss_api.patch("/api/v1/service/sla-policies/99", {"name": "x"}).status_code == 404
    assert boss_api.put("/api/v1/service/agents/99999", {"max_chats": 3}).status_code == 404
    assert not CalendarDay.objects.exists()


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(["", "24:00", "09:00", "25:61", "2026-10-01", "web", "holiday", "\x00", "main", "-1"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
FIELDS = [
    "name",
    "timezone",
    "periods",
    "seed_years",
    "weekday",
    "start",
    "end",
    "kind",
    "years",
    "shop",
    "channel",
    "calendar_id",
    "first_reply_seconds",
    "active",
    "team_id",
    "shops",
    "skills",
    "max_chats",
    "presence",
    "agent_id",
    "reason",
]


@given(
    body=st.dictionaries(st.sampled_from(FIELDS), json_values, max_size=5) | json_values,
    target=st.sampled_from(
        [
            ("post", "/api/v1/service/calendars"),
            ("put", "/api/v1/service/calendars/{calendar}/periods"),
            ("put", "/api/v1/service/calendars/{calendar}/days/2031-10-01"),
            ("post", "/api/v1/service/calendars/{calendar}/seed"),
            ("post", "/api/v1/service/sla-policies"),
            ("patch", "/api/v1/service/sla-policies/{policy}"),
            ("put", "/api/v1/service/agents/{agent}"),
            ("post", "/api/v1/service/presence"),
            ("post", "/api/v1/service/conversations/{conversation}/assign"),
        ]
    ),
)
@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_any_json_is_never_a_500_and_a_refusal_writes_nothing(
    boss_api: ApiClient, hua: Any, body: Any, target: tuple[str, str]
) -> None:
    with transaction.atomic():
        calendar = BusinessCalendar.objects.get_or_create(name="fuzz")[0]
        policy = SlaPolicy.objects.get_or_create(name="fuzz", defaults={"calendar": calendar})[0]
        conv = Conversation.objects.filter(contact="fuzz").first() or conversation(
            when=at("2026-06-02 10:00"), contact="fuzz"
        )
        before = _state()
        method, path = target
        url = path.format(calendar=calendar.pk, policy=policy.pk, agent=hua.pk, conversation=conv.pk)
        response = getattr(boss_api, method)(url, body)
        assert response.status_code < 500, response.content
        if response.status_code >= 400:
            assert _state() == before
        transaction.set_rollback(True)


def _state() -> Any:
    return (
        sorted(BusinessCalendar.objects.values_list("pk", "name", "timezone")),
        sorted(CalendarDay.objects.values_list("pk", "date", "kind")),
        sorted(SlaPolicy.objects.values_list("pk", "name", "first_reply_seconds", "active")),
        sorted(AgentProfile.objects.values_list("pk", "max_chats", "presence", "open_count")),
        sorted(Conversation.objects.values_list("pk", "assignee_id", "escalated_to_id")),
    )
