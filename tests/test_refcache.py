from typing import Any

from sellerdesk.core.refcache import forget_all, remembered


def test_a_value_is_loaded_once_within_the_cache_time(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "REFERENCE_CACHE_SECONDS": 60}
    forget_all()
    loads: list[int] = []

    def load() -> str:
        loads.append(1)
        return "main"

    assert remembered(("test", 1), load) == "main"
    assert remembered(("test", 1), load) == "main"
    assert len(loads) == 1
    forget_all()


def test_nothing_is_kept_when_the_cache_time_is_zero(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "REFERENCE_CACHE_SECONDS": 0}
    loads: list[int] = []

    def load() -> str:
        loads.append(1)
        return "main"

    remembered(("test", 2), load)
    remembered(("test", 2), load)
    assert len(loads) == 2


def test_a_missing_row_is_not_remembered(settings: Any) -> None:
    settings.SELLERDESK = {**settings.SELLERDESK, "REFERENCE_CACHE_SECONDS": 60}
    forget_all()
    answers = iter([None, "found"])

    assert remembered(("test", 3), lambda: next(answers)) is None
    assert remembered(("test", 3), lambda: next(answers)) == "found"
    forget_all()
