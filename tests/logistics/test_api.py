"""GET/POST /api/v1/carriers, GET/PUT/DELETE /api/v1/carriers/{code}/coverage."""

from __future__ import annotations

from typing import Any

import pytest

from sellerdesk.logistics.models import Carrier, CarrierCoverage, CarrierEvent
from tests.api.helpers import assert_error, assert_invalid


def rows() -> list[tuple[str, str, str, str, bool]]:
    return list(
        CarrierCoverage.objects.order_by("pk").values_list(
            "carrier__code", "province", "city", "district", "is_excluded"
        )
    )


def test_staff_list_the_default_carriers(default_carriers: None, agent_api: Any) -> None:
    response = agent_api.get("/api/v1/carriers")

    assert response.status_code == 200
    assert [(c["code"], c["name"], c["supports_cod"], c["is_active"]) for c in response.json()] == [
        ("EMS", "邮政EMS", True, True),
        ("JD", "京东物流", True, True),
        ("SF", "顺丰速运", True, True),
        ("STO", "申通快递", False, True),
        ("YTO", "圆通速递", False, True),
        ("YUNDA", "韵达快递", False, True),
        ("ZTO", "中通快递", False, True),
    ]


def test_post_carrier_answers_201(api: Any) -> None:
    response = api.post("/api/v1/carriers", {"code": "DBL", "name": "德邦快递", "supports_cod": True})

    assert response.status_code == 201
    assert response.json() == {"code": "DBL", "name": "德邦快递", "supports_cod": True, "is_active": True}
    assert list(Carrier.objects.values_list("code", "name")) == [("DBL", "德邦快递")]


def test_post_a_duplicate_carrier_answers_409(api: Any) -> None:
    api.post("/api/v1/carriers", {"code": "DBL", "name": "德邦快递"})

    response = api.post("/api/v1/carriers", {"code": "DBL", "name": "又一个"})

    assert assert_error(response, 409, "duplicate_carrier") == {"field": "code"}
    assert list(Carrier.objects.values_list("code", "name")) == [("DBL", "德邦快递")]


def test_post_a_bad_carrier_answers_422_naming_the_fields(api: Any) -> None:
    response = api.post("/api/v1/carriers", {"code": "有 空格", "name": "", "supports_cod": "maybe"})

    assert_invalid(response, "code", "name", "supports_cod")
    assert Carrier.objects.count() == 0


def test_an_agent_may_not_add_a_carrier(agent_api: Any) -> None:
    response = agent_api.post("/api/v1/carriers", {"code": "DBL", "name": "德邦快递"})

    assert_error(response, 403, "permission_denied")
    assert Carrier.objects.count() == 0


def test_get_coverage_lists_the_rules(default_carriers: None, agent_api: Any) -> None:
    response = agent_api.get("/api/v1/carriers/ZTO/coverage")

    assert response.status_code == 200
    body = response.json()
    assert body["carrier"] == "ZTO"
    assert len(body["rules"]) == 33
    assert [rule for rule in body["rules"] if rule["is_excluded"]] == [
        {"province": "西藏自治区", "city": "那曲市", "district": "双湖县", "is_excluded": True},
        {"province": "西藏自治区", "city": "阿里地区", "district": "", "is_excluded": True},
    ]


def test_put_coverage_replaces_the_rules(default_carriers: None, supervisor_api: Any) -> None:
    rules = [
        {"province": "浙江"},
        {"province": "浙江省", "city": "杭州市", "district": "淳安县", "is_excluded": True},
    ]

    response = supervisor_api.put("/api/v1/carriers/ZTO/coverage", {"rules": rules})

    assert response.status_code == 200
    assert response.json() == {
        "carrier": "ZTO",
        "rules": [
            {"province": "浙江省", "city": "", "district": "", "is_excluded": False},
            {"province": "浙江省", "city": "杭州市", "district": "淳安县", "is_excluded": True},
        ],
    }
    assert [row for row in rows() if row[0] == "ZTO"] == [
        ("ZTO", "浙江省", "", "", False),
        ("ZTO", "浙江省", "杭州市", "淳安县", True),
    ]


@pytest.mark.parametrize(
    ("rules", "fields"),
    [
        ([{"province": "火星"}], ["rules[0].province"]),
        (
            [{"province": "浙江省"}, {"province": "浙江省", "city": "杭州市", "district": "朝阳区"}],
            ["rules[1].district"],
        ),
        ([{"province": "浙江省", "town": "x"}], ["rules[0].town"]),
        ([{"city": "杭州市"}], ["rules[0].province"]),
    ],
)
def test_put_bad_coverage_answers_422_and_changes_nothing(
    default_carriers: None, api: Any, rules: list[dict[str, Any]], fields: list[str]
) -> None:
    before, events = rows(), CarrierEvent.objects.count()

    response = api.put("/api/v1/carriers/ZTO/coverage", {"rules": rules})

    assert_invalid(response, *fields)
    assert rows() == before
    assert CarrierEvent.objects.count() == events


def test_put_an_area_twice_answers_409_and_changes_nothing(default_carriers: None, api: Any) -> None:
    before = rows()

    response = api.put("/api/v1/carriers/ZTO/coverage", {"rules": [{"province": "浙江"}, {"province": "浙江省"}]})

    assert assert_error(response, 409, "duplicate_coverage") == {"field": "rules[1]", "duplicate_of": "rules[0]"}
    assert rows() == before


def test_staff_may_read_but_not_edit_coverage(default_carriers: None, agent_api: Any) -> None:
    before = rows()

    response = agent_api.put("/api/v1/carriers/ZTO/coverage", {"rules": []})
    deleted = agent_api.client.delete("/api/v1/carriers/ZTO/coverage")

    assert_error(response, 403, "permission_denied")
    assert_error(deleted, 403, "permission_denied")
    assert rows() == before


def test_delete_coverage_answers_204_and_the_carrier_reaches_nowhere(default_carriers: None, api: Any) -> None:
    response = api.client.delete("/api/v1/carriers/SF/coverage")

    assert response.status_code == 204
    assert not CarrierCoverage.objects.filter(carrier__code="SF").exists()
    assert CarrierCoverage.objects.filter(carrier__code="EMS").count() == 33
    assert api.get("/api/v1/carriers/SF/coverage").json() == {"carrier": "SF", "rules": []}


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_coverage_of_an_unknown_carrier_answers_404(api: Any, method: str) -> None:
    if method == "put":
        response = api.put("/api/v1/carriers/NOPE/coverage", {"rules": []})
    else:
        response = getattr(api.client, method)("/api/v1/carriers/NOPE/coverage")

    assert assert_error(response, 404, "not_found") == {"code": "NOPE"}


def test_the_carrier_endpoints_are_in_the_openapi_spec(api: Any) -> None:
    paths = api.get("/api/openapi.json").json()["paths"]

    assert set(paths["/api/v1/carriers"]) == {"get", "post"}
    assert set(paths["/api/v1/carriers/{code}/coverage"]) == {"get", "put", "delete"}
