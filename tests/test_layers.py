"""`make lint`'s import contracts (pyproject.toml [tool.importlinter]): the real tree keeps
them, and a copy of the package with one upward import and one private name used across
modules breaks them, each reported by name."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    # lint-imports puts its working directory first on sys.path: run from a directory,
    # it checks the `sellerdesk` package found there.
    env = {**os.environ, "PYTHONPATH": str(cwd), "NO_COLOR": "1"}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(cwd / "pyproject.toml")],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package, its contracts and the contract types, copied."""
    where = tmp_path_factory.mktemp("layers")
    shutil.copytree(ROOT / "sellerdesk", where / "sellerdesk", ignore=shutil.ignore_patterns("__pycache__", "locale"))
    shutil.copytree(ROOT / "scripts", where / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", where / "pyproject.toml")
    return where


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n" + line + "\n", encoding="utf-8")


def test_the_tree_keeps_every_contract() -> None:
    result = _lint(ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 3 kept, 0 broken." in result.stdout


def test_an_upward_import_and_a_private_name_break_the_contracts(copy: Path) -> None:
    # core (the bottom layer) reaching up into orders; payments (above orders, a legal
    # direction) using a private helper of orders.actions.
    _append(copy / "sellerdesk" / "core" / "money.py", "from sellerdesk.orders.models import Order  # noqa")
    _append(copy / "sellerdesk" / "payments" / "gateways.py", "from sellerdesk.orders.actions import _locked  # noqa")

    result = _lint(copy)
    out = " ".join(result.stdout.split())  # the report wraps long lines

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Apps import only from the layers below them BROKEN" in out
    assert "sellerdesk.core is not allowed to import sellerdesk.orders" in out
    assert "sellerdesk.core.money -> sellerdesk.orders.models" in out
    assert "No import cycle between the apps BROKEN" in out  # orders imports core: now a cycle
    assert "No module uses another module's private names BROKEN" in out
    assert "sellerdesk.payments.gateways (l." in out and "uses sellerdesk.orders.actions._locked" in out
    # a private name reached through an imported module is caught too
    _append(copy / "sellerdesk" / "payments" / "gateways.py", "from sellerdesk.orders import holds\nholds._x = 1")
    again = " ".join(_lint(copy).stdout.split())
    assert "uses sellerdesk.orders.holds._x" in again
