"""Reliability under real conditions (issue 14): runtime thread settings,
silent wrong results turned into errors, command-line arguments checked
before a run."""
import os
import subprocess
import sys

import numpy as np
import pytest

import fastdiff as fd


def test_omp_num_threads_is_read_at_every_call(monkeypatch):
    from fastdiff import _config
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert _config.max_threads() == 1
    assert _config.config()["max_threads"] == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "3,2")
    assert _config.max_threads() == 3
    monkeypatch.setenv("OMP_NUM_THREADS", "junk")
    assert _config.max_threads() == _config._grid.max_threads()


def test_complex_step_of_a_real_valued_function_is_an_error():
    with pytest.raises(ValueError, match="method='complex' needs f to return complex values"):
        fd.points.gradient(lambda p: np.abs(p).sum(1) ** 2, [1.0, 2.0], method="complex")
    with pytest.raises(ValueError, match="returned dtype float64"):
        fd.points.derivative(lambda t: t.real, np.array([0.5]), method="complex")
    np.testing.assert_allclose(fd.points.gradient(lambda p: (p ** 2).sum(1), [1.0, 2.0],
                                                  method="complex"), [2.0, 4.0], rtol=1e-15)


@pytest.mark.parametrize("args, message", [
    (["bench", "--threads", "0"], "--threads"),
    (["bench", "--repeat", "0"], "--repeat: must be >= 1"),
    (["bench", "--json", "/nonexistent/dir/x.json"], "is not a writable folder"),
    (["demo", "--size", "3"], "--size: must be >= 16"),
])
def test_cli_arguments_are_checked_before_running(args, message):
    res = subprocess.run([sys.executable, "-m", "fastdiff"] + args, capture_output=True,
                         text=True, timeout=60, env=dict(os.environ))
    assert res.returncode == 2, res.stderr
    assert message in res.stderr and "Traceback" not in res.stderr
