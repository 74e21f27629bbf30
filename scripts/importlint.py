"""import-linter contract types of sellerdesk (tooling: `make lint` runs them, the product
never imports this). Registered in pyproject.toml's [tool.importlinter] `contract_types`.

`private_names`: no module uses another module's private names. A name that starts with
one underscore (`_locked`, `_RESERVE_SQL`) is its module's own business; another module
may neither import it (`from sellerdesk.x import _y`, relative imports too) nor reach it
through an imported module (`from sellerdesk.orders import actions; actions._locked()`).
Dunder names (`__all__`) are not private. Make the name public, or move the code.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class PrivateUse:
    importer: str  # the module using the name
    line: int
    module: str  # the module the name belongs to
    name: str

    def as_text(self) -> str:
        return f"{self.importer} (l.{self.line}) uses {self.module}.{self.name}"


def _is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _modules(root: str) -> dict[str, Path]:
    """Every module of the root package, by dotted name, with its file."""
    spec = importlib.util.find_spec(root)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{root} is not an importable package")
    base = Path(next(iter(spec.submodule_search_locations)))
    found = {}
    for path in sorted(base.rglob("*.py")):
        parts = (root, *path.relative_to(base).with_suffix("").parts)
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def private_uses(root: str, *, ignore: frozenset[str] = frozenset()) -> Iterator[PrivateUse]:
    """The uses of other modules' private names in the root package; `ignore` holds
    "importer:module.name" entries that are allowed."""
    modules = _modules(root)
    for importer, path in modules.items():
        package = importer if path.name == "__init__.py" else importer.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module_aliases: dict[str, str] = {}  # a local name bound to one of our modules
        uses: list[PrivateUse] = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([node.module] if node.module else [])])
                if base != root and not base.startswith(root + "."):
                    continue
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    if full in modules:
                        module_aliases[alias.asname or alias.name] = full
                    elif _is_private(alias.name) and base != importer:
                        uses.append(PrivateUse(importer, node.lineno, base, alias.name))
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and alias.name in modules:
                        module_aliases[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in module_aliases
                and _is_private(node.attr)
                and module_aliases[node.value.id] != importer
            ):
                uses.append(PrivateUse(importer, node.lineno, module_aliases[node.value.id], node.attr))
        for use in uses:
            if f"{use.importer}:{use.module}.{use.name}" not in ignore:
                yield use


class PrivateNamesContract(Contract):
    """No module of the root package uses another module's private (_underscored) names.

    Options:
        - ignore: "importer:module.name" entries that are allowed (optional).
    """

    type_name = "private_names"

    ignore = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        roots = self.session_options.get("root_packages") or [self.session_options["root_package"]]
        allowed: frozenset[str] = frozenset(self.ignore or [])  # type: ignore[arg-type]
        found = sorted(
            (use for root in roots for use in private_uses(root, ignore=allowed)),
            key=lambda use: (use.importer, use.line, use.name),
        )
        return ContractCheck(kept=not found, metadata={"uses": [use.as_text() for use in found]})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for text in check.metadata["uses"]:
            output.print_error(f"- {text}", bold=False)
        output.new_line()
        output.print("Make the name public (no leading underscore), or move the code that needs it.")
