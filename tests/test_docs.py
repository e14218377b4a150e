"""The documentation site builds with no warning, and every public name has
a page (Sphinx with numpydoc; installed with the test extras)."""
import pathlib
import shutil
import subprocess
import sys

import pytest

import fastdiff as fd

ROOT = pathlib.Path(__file__).parent.parent


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    pytest.importorskip("sphinx")
    pytest.importorskip("numpydoc")
    pytest.importorskip("myst_parser")
    if not (ROOT / "docs" / "conf.py").exists():
        pytest.skip("no docs/ in this checkout")
    work = tmp_path_factory.mktemp("docs")
    shutil.copytree(ROOT / "docs", work / "docs",
                    ignore=shutil.ignore_patterns("_build", "generated"))
    for name in ("README.md", "BENCHMARKS.md"):
        shutil.copy(ROOT / name, work / name)
    out = work / "html"
    res = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b",
                          "html", str(work / "docs"), str(out)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr
    return out


def test_docs_build_without_warnings(built):
    assert (built / "index.html").exists()
    assert (built / "tour.html").exists() and (built / "benchmarks.html").exists()


def test_every_public_name_has_a_page(built):
    pages = {p.stem for p in (built / "api" / "generated").glob("*.html")}
    for mod in (fd.grid, fd.points, fd.data):
        for name in mod.__all__:
            assert f"{mod.__name__}.{name}" in pages, f"{mod.__name__}.{name}"
    for name in ("stencil", "Stencil", "show_config", "openmp_enabled"):
        assert f"fastdiff.{name}" in pages, name
