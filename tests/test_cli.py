"""The command line (info, demo) and the build configuration."""
import io
import os
import subprocess
import sys

import pytest

import fastdiff as fd
from fastdiff.__main__ import main
from fastdiff._demo import demo


def test_openmp_in_ci_build():
    """CI must build with OpenMP; elsewhere the flag must at least be a bool."""
    assert isinstance(fd.openmp_enabled(), bool)
    if os.environ.get("CI"):
        assert fd.openmp_enabled(), "the CI build has no OpenMP"


def test_show_config_lists_the_essentials(capsys):
    fd.show_config()
    text = capsys.readouterr().out
    for key in ("version", "openmp", "max_threads", "compile_args", "cpu"):
        assert key in text
    assert fd.__version__ in text
    assert f"openmp          : {fd.openmp_enabled()}" in text


def test_info_subprocess():
    res = subprocess.run([sys.executable, "-m", "fastdiff", "info"], capture_output=True,
                         text=True, check=True)
    assert "openmp" in res.stdout and fd.__version__ in res.stdout


def test_max_threads_follows_omp_num_threads():
    code = "import fastdiff as fd; print(fd._config.config()['max_threads'])"
    env = dict(os.environ, OMP_NUM_THREADS="1")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env=env)
    assert res.stdout.strip() == "1"


def test_demo_passes_and_reports_each_check():
    buf = io.StringIO()
    failed = demo(out=buf, size=24)
    text = buf.getvalue()
    assert failed == 0, text
    assert "[FAIL]" not in text
    assert text.count("[ok]") >= 10
    assert "checks passed" in text


def test_main_exit_codes():
    assert main(["info"]) == 0
    with pytest.raises(SystemExit):
        main(["no-such-command"])


def test_every_subpackage_is_installed():
    """pyproject lists its packages explicitly: each directory of the source
    tree with an __init__.py must be among them (else `pip install .` ships
    a package that cannot import)."""
    import pathlib
    import tomllib
    root = pathlib.Path(__file__).parent.parent
    listed = set(tomllib.loads((root / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(root / "src").parts)
             for p in (root / "src" / "fastdiff").rglob("__init__.py")}
    assert found <= listed, sorted(found - listed)
