"""Reading a tree's imports, for the structure tests: every import statement of
every module (at the top, under ``if``/``try``, and inside functions), relative
imports resolved to the module they name."""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

# project imports that may stay inside a function: an app's ready() (its signal receivers must not be imported
# before the app registry is ready). Heavy optional libraries are ruff's allow-list (ruff.toml, TID253).
INNER_IMPORT_ALLOWED = {"ready"}


@dataclass(frozen=True)
class Import:
    target: str  # the module (or module.name) imported
    line: int
    function: str | None  # the enclosing function, None at module level
    names: tuple[str, ...] = ()  # for ``from X import a, b``: the names (X itself is needed only when one
    # of them is not a submodule of X)


def modules(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """{dotted name: path} of every module of ``packages`` under ``root`` (migrations left out)."""
    out = {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            out[".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")] = path
    return out


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str | None:
    if node.level == 0:
        return node.module
    parts = module.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
    return ".".join(base + ([node.module] if node.module else [])) or None


def imports_of(name: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text())
    found: list[Import] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(child, child.name)
                continue
            if isinstance(child, ast.Import):
                found.extend(Import(a.name, child.lineno, function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = _resolve(name, path.name == "__init__.py", child)
                if base:
                    found.append(Import(base, child.lineno, function, tuple(a.name for a in child.names)))
                    found.extend(Import(f"{base}.{a.name}", child.lineno, function) for a in child.names)
            visit(child, function)

    visit(tree, None)
    return found


def graph(mods: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (anywhere in it)."""
    def needed(i: Import) -> bool:
        return not i.names or not all(f"{i.target}.{n}" in mods for n in i.names)

    return {name: {i.target for i in imports_of(name, path) if needed(i)} & set(mods) - {name}
            for name, path in mods.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a path ``[a, b, ..., a]``, or None."""
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str, trail: list[str]) -> list[str] | None:
        state[node] = 1
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return trail[trail.index(nxt):] + [node, nxt] if nxt in trail else [node, nxt]
            if nxt not in state:
                cycle = visit(nxt, trail + [node])
                if cycle:
                    return cycle
        state[node] = 2
        return None

    for name in sorted(edges):
        if name not in state:
            cycle = visit(name, [])
            if cycle:
                return cycle
    return None


def inner_project_imports(mods: dict[str, Path], packages: tuple[str, ...]) -> list[str]:
    """``module:line function -> target`` for each import of a project module inside a function
    that is not on the allow-list."""
    out = []
    for name, path in sorted(mods.items()):
        for i in imports_of(name, path):
            if i.function and i.function not in INNER_IMPORT_ALLOWED and i.target.split(".")[0] in packages:
                out.append(f"{name}:{i.line} {i.function}() -> {i.target}")
    return sorted(set(out))
