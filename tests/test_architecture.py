"""Import rules of ARCHITECTURE.md: imports run one way (the layers of ``.importlinter``, checked by
import-linter, function-level imports included) and form no circle; besides:

- ``model/`` imports nothing else of the package but ``errors`` (at any level);
- ``engine/`` imports ``model/`` only in ``lower.py`` (type-checking-only imports aside);
- ``import metacascade`` pulls in neither matplotlib nor other heavy optional stacks.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import grimp

import metacascade

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(metacascade.__file__).resolve().parent
MODULES = sorted(PACKAGE_DIR.rglob("*.py"))


@dataclass(frozen=True)
class Import:
    source: str  # importing module, e.g. metacascade.engine.routing
    target: str  # imported module, absolute
    module_level: bool  # not inside a function or class body
    type_checking: bool  # inside `if TYPE_CHECKING:`
    line: int


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, is_package: bool, node: ast.ImportFrom) -> list[str]:
    if node.level == 0:
        base = node.module or ""
    else:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([node.module] if node.module else []))
    if node.module:
        return [base]
    return [f"{base}.{alias.name}" for alias in node.names]  # from . import x -> package.x


def _imports(path: Path) -> list[Import]:
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    found: list[Import] = []

    def visit(node: ast.AST, module_level: bool, type_checking: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(module, alias.name, module_level, type_checking, child.lineno))
            elif isinstance(child, ast.ImportFrom):
                for target in _resolve(module, is_package, child):
                    found.append(Import(module, target, module_level, type_checking, child.lineno))
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
                visit(child, False, type_checking)
            elif isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
                for stmt in child.body:
                    visit(ast.Module(body=[stmt], type_ignores=[]), module_level, True)
                for stmt in child.orelse:
                    visit(ast.Module(body=[stmt], type_ignores=[]), module_level, type_checking)
            else:
                visit(child, module_level, type_checking)

    visit(ast.parse(path.read_text(encoding="utf-8")), True, False)
    return found


ALL_IMPORTS = [imp for path in MODULES for imp in _imports(path)]


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _into(imp: Import, *layers: str) -> bool:
    return imp.target.startswith("metacascade") and _layer(imp.target) in layers


def _show(imports: list[Import]) -> str:
    return "\n".join(f"{i.source}:{i.line} imports {i.target}" for i in imports)


def test_the_walker_sees_the_package():
    assert any(imp.source == "metacascade.engine.lower" and imp.target == "metacascade.model" for imp in ALL_IMPORTS)
    assert any(_layer(imp.source) == "results" for imp in ALL_IMPORTS)


def test_the_layers_of_the_house_are_kept():
    done = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command; lint_imports_command()",
         "--config", str(ROOT / ".importlinter"), "--no-cache"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_no_module_imports_itself_through_others():
    graph = grimp.build_graph("metacascade")
    circles = sorted(
        (a, b) for a in graph.modules for b in graph.find_modules_directly_imported_by(a)
        if graph.find_shortest_chain(importer=b, imported=a)
    )
    assert not circles, circles


def test_model_imports_nothing_else_of_the_package_but_errors():
    bad = [
        imp
        for imp in ALL_IMPORTS
        if _layer(imp.source) == "model"
        and not imp.type_checking
        and imp.target.startswith("metacascade")
        and _layer(imp.target) not in ("model", "errors")
    ]
    assert not bad, _show(bad)


def test_engine_reaches_the_model_only_through_lower():
    bad = [
        imp
        for imp in ALL_IMPORTS
        if _layer(imp.source) == "engine"
        and imp.source != "metacascade.engine.lower"
        and not imp.type_checking
        and _into(imp, "model")
    ]
    assert not bad, _show(bad)


HEAVY = ("matplotlib", "duckdb", "xarray", "dask", "rich")


def test_import_metacascade_is_light():
    code = f"import sys, metacascade; print(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == [], f"import metacascade imported {done.stdout.strip()}"


def test_public_api_is_explicit():
    expected = {
        "simulate", "load_scenario", "load_results", "replay", "Results", "Scenario", "Anatomy",
        "Clone", "FateRates", "Injection", "ScenarioError", "scenario_names", "__version__",
    }
    assert expected <= set(metacascade.__all__)
    for name in metacascade.__all__:
        assert hasattr(metacascade, name), name
