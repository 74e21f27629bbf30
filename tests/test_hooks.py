"""The hook registry (sellerdesk.core.hooks): order, transactions, types, ports."""

from __future__ import annotations

import importlib
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as installed
from django.db import transaction

from sellerdesk.core import hooks
from sellerdesk.core.models import User


@dataclass(frozen=True)
class Happened(hooks.Hook):
    number: str


@dataclass(frozen=True)
class Other(hooks.Hook):
    number: str


calls: list[str] = []


def first(payload: Happened) -> None:
    calls.append(f"first {payload.number}")


def second(payload: Happened) -> None:
    calls.append(f"second {payload.number}")


def later(payload: Happened) -> None:
    calls.append(f"later {payload.number}")


def writes_a_user(payload: Happened) -> None:
    User.objects.create(username=f"user-{payload.number}")


def fails(payload: Happened) -> None:
    raise RuntimeError("subscriber failed")


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    calls.clear()
    yield
    for function in (first, second, later, writes_a_user, fails):
        hooks.unsubscribe(Happened, function)


def test_subscribers_run_by_priority_then_name_whatever_the_registration_order() -> None:
    hooks.subscribe(Happened, second, when=hooks.IN_TRANSACTION)
    hooks.subscribe(Happened, later, when=hooks.IN_TRANSACTION, priority=200)
    hooks.subscribe(Happened, first, when=hooks.IN_TRANSACTION)

    hooks.emit(Happened("N1"))

    assert calls == ["first N1", "second N1", "later N1"]
    assert [s.function for s in hooks.subscribers(Happened)] == [first, second, later]


def test_a_payload_reaches_only_the_subscribers_of_its_class() -> None:
    hooks.subscribe(Happened, first, when=hooks.IN_TRANSACTION)

    hooks.emit(Other("N2"))

    assert calls == []


def test_subscribing_twice_registers_once() -> None:
    hooks.subscribe(Happened, first, when=hooks.IN_TRANSACTION)
    hooks.subscribe(Happened, first, when=hooks.IN_TRANSACTION)

    hooks.emit(Happened("N3"))

    assert calls == ["first N3"]


def test_only_hook_payload_classes_can_be_subscribed_to() -> None:
    with pytest.raises(TypeError):
        hooks.subscribe(str, first, when=hooks.IN_TRANSACTION)  # type: ignore[type-var, arg-type]


@pytest.mark.django_db
def test_in_transaction_subscribers_run_at_once_inside_the_emitters_transaction() -> None:
    hooks.subscribe(Happened, writes_a_user, when=hooks.IN_TRANSACTION)

    with transaction.atomic():
        hooks.emit(Happened("N4"))
        assert User.objects.filter(username="user-N4").exists()  # before the commit


@pytest.mark.django_db
def test_an_in_transaction_subscriber_that_fails_rolls_the_emitter_back() -> None:
    hooks.subscribe(Happened, writes_a_user, when=hooks.IN_TRANSACTION)
    hooks.subscribe(Happened, fails, when=hooks.IN_TRANSACTION, priority=200)

    with pytest.raises(RuntimeError, match="subscriber failed"), transaction.atomic():
        User.objects.create(username="emitter")
        hooks.emit(Happened("N5"))

    assert not User.objects.filter(username__in=["emitter", "user-N5"]).exists()


@pytest.mark.django_db
def test_on_commit_subscribers_run_only_after_the_commit(django_capture_on_commit_callbacks: Any) -> None:
    hooks.subscribe(Happened, first, when=hooks.ON_COMMIT)
    hooks.subscribe(Happened, second, when=hooks.IN_TRANSACTION)

    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        hooks.emit(Happened("N6"))
        assert calls == ["second N6"]  # the on-commit one waits

    assert len(callbacks) == 1
    assert calls == ["second N6", "first N6"]


@pytest.mark.django_db
def test_on_commit_subscribers_never_run_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks: Any,
) -> None:
    hooks.subscribe(Happened, first, when=hooks.ON_COMMIT)

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        hooks.emit(Happened("N7"))
        raise RuntimeError("the emitter fails after emitting")

    assert callbacks == []
    assert calls == []


@pytest.mark.django_db
def test_a_failing_on_commit_subscriber_does_not_undo_the_commit(django_capture_on_commit_callbacks: Any) -> None:
    hooks.subscribe(Happened, fails, when=hooks.ON_COMMIT)
    hooks.subscribe(Happened, later, when=hooks.ON_COMMIT, priority=200)

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        User.objects.create(username="committed")
        hooks.emit(Happened("N8"))

    assert User.objects.filter(username="committed").exists()
    assert calls == ["later N8"]  # robust: the next subscriber still ran


def test_a_port_answers_with_its_provider_and_says_when_there_is_none() -> None:
    port: hooks.Port[dict[str, int]] = hooks.Port("answers")
    with pytest.raises(hooks.PortNotProvided, match="answers"):
        port.get()

    port.provide({"yes": 1})

    assert port.get() == {"yes": 1}


def test_mypy_rejects_a_subscriber_of_another_payload_type(tmp_path: Path) -> None:
    # The registry is typed: subscribe(A, f) needs f to take an A.
    source = tmp_path / "wrong.py"
    source.write_text(
        textwrap.dedent(
            """
            from dataclasses import dataclass
            from sellerdesk.core import hooks

            @dataclass(frozen=True)
            class A(hooks.Hook):
                x: int

            @dataclass(frozen=True)
            class B(hooks.Hook):
                y: str

            def on_a(payload: A) -> None: ...
            def on_b(payload: B) -> None: ...

            hooks.subscribe(A, on_a, when=hooks.IN_TRANSACTION)
            hooks.subscribe(A, on_b, when=hooks.ON_COMMIT)
            """
        )
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            "",
            "--follow-imports=silent",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            str(source),
        ],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parent.parent,
    )

    assert 'wrong.py:17: error: Argument 2 to "subscribe" has incompatible type' in result.stdout, result.stdout
    assert result.stdout.count("error:") == 1, result.stdout


def test_every_hook_of_the_apps_has_a_subscriber_and_every_port_a_provider() -> None:
    # The apps' AppConfig.ready() connected them when Django started.
    modules = []
    for app in installed.get_app_configs():
        for name in ("hooks", "queries"):
            try:
                modules.append(importlib.import_module(f"{app.name}.{name}"))
            except ModuleNotFoundError:
                continue
    payloads = {
        value
        for module in modules
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, hooks.Hook) and value is not hooks.Hook
    }
    ports = {value for module in modules for value in vars(module).values() if isinstance(value, hooks.Port)}

    assert len(payloads) >= 10 and len(ports) >= 6
    assert [payload.__name__ for payload in payloads if not hooks.subscribers(payload)] == []
    for port in ports:
        port.get()  # raises PortNotProvided when no app provides it
