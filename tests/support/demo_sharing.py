"""Which test modules share one demo load, and the pytest hooks that make them share it.

Loading the demo shop is the suite's largest cost. Modules that load it with the same
`DemoConfig` (their module-level `DEMO_CONFIG`) share one load: `tests/support/demo.py`
keeps the load's transaction open from one such module to the next when the next test
pytest runs is in a module with the same `DEMO_CONFIG`, and rolls it back otherwise, so
every other module still finds the database empty. For that the modules of one group must
run one after the other in one process: under pytest-xdist (`--dist loadscope`) the
group is one work unit (`SharingScheduling`) and the modules are collected side by side
(`demo_first`).

No Django import here: tests/conftest.py imports this module before Django is set up.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from xdist.scheduler import LoadScopeScheduling

# The demo-loading modules, by group; the modules of a group load the same DEMO_CONFIG
# and run together, in this order. A group of one still goes first (it is slow).
DEMO_GROUPS: dict[str, tuple[str, ...]] = {
    "the small demo shop": (
        "tests/test_demo.py",
        "tests/service/test_demo_service.py",
        "tests/aftersales/test_demo.py",
        "tests/logistics/test_demo.py",
    ),
    "the CRM's 13 weeks": ("tests/crm/test_demo_crm.py",),
    "the reminding weeks": ("tests/notifications/test_demo.py",),
}
_GROUP_OF = {module: group for group, modules in DEMO_GROUPS.items() for module in modules}
_RANK = {module: rank for rank, module in enumerate(_GROUP_OF)}

# The test pytest runs after the one being torn down (None at the end), and what rolls
# back a demo load kept open for it (set by tests/support/demo.py while one is open).
next_item: pytest.Item | None = None
close_open_demo: Callable[[pytest.Item | None], None] | None = None


def module_path(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def demo_first(item: pytest.Item) -> int:
    """Sort key: the demo modules first, group by group, in DEMO_GROUPS' order."""
    return _RANK.get(module_path(item.nodeid), len(_RANK))


def demo_config_of(item: pytest.Item | None) -> Any:
    """The DEMO_CONFIG of the item's module (None for a module that shares no demo)."""
    return getattr(getattr(item, "module", None), "DEMO_CONFIG", None)


class SharingScheduling(LoadScopeScheduling):
    """--dist loadscope, but a demo group's modules are one work unit (one worker, in
    collection order)."""

    def _split_scope(self, nodeid: str) -> str:
        group = _GROUP_OF.get(module_path(nodeid))
        return f"demo: {group}" if group else super()._split_scope(nodeid)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadScopeScheduling | None:
    if config.getvalue("dist") == "loadscope":
        return SharingScheduling(config, log)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    # Normally the last module of a group rolls its load back when it is torn down; this
    # is the safety net when it was not (a module whose setup failed before the load).
    if close_open_demo is not None:
        close_open_demo(item)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> None:
    # Before the fixtures are torn down: a module-scoped demo then knows what comes next.
    global next_item
    next_item = nextitem
