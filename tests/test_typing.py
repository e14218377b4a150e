"""The package type-checks: mypy (installed with the test extras) reports no
error on fastdiff/, with the stubs of the extension modules."""
import pathlib
import subprocess
import sys

import pytest


def test_mypy_is_clean():
    pytest.importorskip("mypy")
    root = pathlib.Path(__file__).parent.parent
    if not (root / "src" / "fastdiff").is_dir():
        pytest.skip("no source tree (src/fastdiff) next to the tests")
    # the source tree (with the kernels' .pyi stubs), as pyproject's [tool.mypy]
    # says; checking the installed copy would make site-packages a source root
    res = subprocess.run([sys.executable, "-m", "mypy", "--config-file",
                          str(root / "pyproject.toml")],
                         capture_output=True, text=True, cwd=root)
    assert res.returncode == 0, res.stdout + res.stderr


def test_stubs_and_marker_ship_with_the_package():
    pkg = pathlib.Path(__import__("fastdiff").__file__).parent
    assert (pkg / "py.typed").exists()
    for mod in ("_grid", "_points", "_data"):
        assert (pkg / "_kernels" / f"{mod}.pyi").exists(), mod
