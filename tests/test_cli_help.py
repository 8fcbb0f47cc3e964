"""`--help` ends with examples that parse, and loads no heavy library; the package's names load lazily."""

from __future__ import annotations

import ast
import inspect
import shlex
import subprocess
import sys

import pytest

import metacascade
import metacascade.results
from metacascade.cli import COMMANDS, EXAMPLES, _parser

HEAVY = ("pandas", "pyarrow", "scipy")


def loaded_after(code: str) -> list[str]:
    """The heavy libraries a fresh interpreter has imported after running ``code``."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return ast.literal_eval(done.stdout.strip().splitlines()[-1])


def test_help_imports_no_pandas_pyarrow_or_scipy():
    code = "from metacascade.cli import main\ntry:\n    main(['--help'])\nexcept SystemExit:\n    pass"
    assert loaded_after(code) == []
    assert loaded_after("import metacascade") == []


def test_the_package_names_load_on_first_use():
    assert loaded_after("import metacascade\nmetacascade.Scenario") == []  # pydantic, not pandas
    assert "pandas" in loaded_after("import metacascade\nmetacascade.Results")


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_help_ends_with_examples_that_parse(command, capsys):
    with pytest.raises(SystemExit) as done:
        _parser().parse_args([*([command] if command else []), "--help"])
    assert done.value.code == 0
    text = capsys.readouterr().out
    examples = text[text.index(EXAMPLES):].splitlines()[1::2]
    assert examples and all(line.startswith("  metacascade ") for line in examples)
    for example in examples:
        words = shlex.split(example.split(" > ")[0])[1:]
        arguments = _parser().parse_args(words)
        assert command is None or arguments.command == command


def test_every_public_name_resolves_and_a_submodule_does_not_hide_it():
    import metacascade.simulate  # noqa: F401 (the submodule named like the verb)

    assert callable(metacascade.simulate) and metacascade.simulate.__name__ == "simulate"
    for package in (metacascade, metacascade.results):
        assert set(package.__all__) == {*package.EXPORTS, *(["__version__"] if package is metacascade else [])}
        for name in package.EXPORTS:
            assert getattr(package, name) is not None
        with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
            package.nothing  # noqa: B018


@pytest.mark.parametrize("package", [metacascade, metacascade.results])
def test_type_checkers_see_the_names_the_package_loads(package):
    tree = ast.parse(inspect.getsource(package))
    block = next(node for node in tree.body if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test))
    imported = {alias.name: f".{node.module}" for node in block.body for alias in node.names}
    assert imported == package.EXPORTS
