"""Every schema published in /api/openapi.json has a name of its own.

django-ninja keeps one components/schemas entry per name: two different classes called
`LineOut` (orders and purchasing) silently become one, and every operation using the
other class is described wrongly. These tests fail on any such clash."""

from __future__ import annotations

import enum
import typing
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
from ninja.openapi.schema import OpenAPISchema
from pydantic import BaseModel

import sellerdesk.urls  # noqa: F401  (mounts every router on the api)
from sellerdesk.core.api import api


def _operations() -> Iterator[Any]:
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            yield from path_view.operations


def _published_types(annotation: Any, found: set[type]) -> None:
    """Collect the models and enums an annotation publishes as named schemas."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in found:
            return
        found.add(annotation)
        for field in annotation.model_fields.values():
            _published_types(field.annotation, found)
        return
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        found.add(annotation)
        return
    for argument in typing.get_args(annotation):
        _published_types(argument, found)


def _classes_by_name() -> dict[str, set[type]]:
    found: set[type] = set()
    for operation in _operations():
        # ninja wraps parameters and responses in models of its own (flattened or removed
        # in the document): what is published is what their fields hold.
        wrappers = [*operation.models, *operation.response_models.values()]
        for wrapper in wrappers:
            if isinstance(wrapper, type) and issubclass(wrapper, BaseModel):
                for field in wrapper.model_fields.values():
                    _published_types(field.annotation, found)
    by_name: dict[str, set[type]] = defaultdict(set)
    for cls in found:
        by_name[cls.__name__].add(cls)
    return by_name


def test_no_two_schema_classes_share_a_name() -> None:
    """Issue 17 B: two different schemas published under one name (LineOut, RuleOut, …)."""
    by_name = _classes_by_name()
    assert len(by_name) > 100  # the walk does reach the API's schemas
    clashes = {
        name: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)
        for name, classes in by_name.items()
        if len(classes) > 1
    }
    assert clashes == {}


def test_no_schema_definition_is_overwritten(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 B: while the document is generated, no name is written twice with
    different contents (ninja's add_schema_definitions overwrites without a word)."""
    written: dict[str, Any] = {}
    overwritten: set[str] = set()
    add_definitions = OpenAPISchema.add_schema_definitions

    def recording(self: OpenAPISchema, definitions: dict[str, Any]) -> None:
        for name, definition in definitions.items():
            if name in written and written[name] != definition:
                overwritten.add(name)
            written.setdefault(name, definition)
        add_definitions(self, definitions)

    monkeypatch.setattr(OpenAPISchema, "add_schema_definitions", recording)
    document = api.get_openapi_schema()
    assert sorted(overwritten) == []
    assert set(written) <= set(document["components"]["schemas"])
