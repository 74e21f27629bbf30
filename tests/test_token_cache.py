"""A web process trusts a checked token for TOKEN_CACHE_SECONDS, then checks again."""

from typing import Any

from django.utils import timezone

from sellerdesk.core.models import ApiToken
from tests.conftest import ApiClient
from tests.factories import make_token


def test_a_revoked_token_still_works_within_the_cache_time(owner: Any, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "TOKEN_CACHE_SECONDS": 60}
    token = make_token(owner)
    client = ApiClient(token)
    assert client.get("/api/v1/orders").status_code == 200

    ApiToken.objects.filter(prefix=token[:8]).update(revoked_at=timezone.now())

    assert client.get("/api/v1/orders").status_code == 200


def test_a_revoked_token_is_refused_once_the_cache_time_is_over(owner: Any, settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "TOKEN_CACHE_SECONDS": 0}
    token = make_token(owner)
    client = ApiClient(token)
    assert client.get("/api/v1/orders").status_code == 200

    ApiToken.objects.filter(prefix=token[:8]).update(revoked_at=timezone.now())

    assert client.get("/api/v1/orders").status_code == 401
