"""The codebase's own rules (see CONTRIBUTING in the README): module and
function sizes, and one home for argument errors."""
import ast
import pathlib

import pytest

PKG = pathlib.Path(__file__).resolve().parents[1] / "src" / "fastdiff"
MODULES = sorted(p for p in PKG.rglob("*.py") if "_kernels" not in p.parts)


def test_the_package_is_found():
    assert len(MODULES) > 30


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_module_size(path):
    n = len(path.read_text().splitlines())
    assert n <= 500, f"{path.name} has {n} lines (at most 500 outside _kernels/)"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PKG)))
def test_function_size(path):
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n = node.end_lineno - node.lineno + 1      # docstring included
            assert n <= 80, f"{path.name}:{node.lineno} {node.name} has {n} lines"


def _raised_messages(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call) \
                and isinstance(node.exc.func, ast.Name) \
                and node.exc.func.id in ("ValueError", "TypeError"):
            arg = node.exc.args[0] if node.exc.args else None
            text = ast.unparse(arg) if arg is not None else ""
            yield node.lineno, text


@pytest.mark.parametrize("path", [p for p in MODULES if "_validation" not in p.parts],
                         ids=lambda p: str(p.relative_to(PKG)))
def test_argument_errors_live_in_validation(path):
    for line, text in _raised_messages(ast.parse(path.read_text())):
        assert "internal:" in text, (f"{path.name}:{line} raises an argument error outside "
                                     f"fastdiff._validation: {text[:80]}")


def test_validation_raises_are_found():
    # the rule above could pass vacuously if the scan found nothing
    found = sum(len(list(_raised_messages(ast.parse(p.read_text()))))
                for p in MODULES if "_validation" in p.parts)
    assert found > 100
