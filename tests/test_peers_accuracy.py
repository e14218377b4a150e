"""Accuracy against the installed peers themselves (not their test suites):
measured comparisons the issues set as acceptance points.  Skipped where the
peer is not installed (it is in the ``test`` extra)."""
import numpy as np
import pytest

import fastdiff as fd

FUNCS = [
    (lambda x: np.sin(5 * x) * np.exp(x),
     lambda x: np.exp(x) * (np.sin(5 * x) * (1 - 25) + 10 * np.cos(5 * x))),
    (lambda x: np.exp(-20 * (x - 0.5) ** 2),
     lambda x: np.exp(-20 * (x - 0.5) ** 2) * ((40 * (x - 0.5)) ** 2 - 40)),
    (lambda x: x ** 5, lambda x: 20 * x ** 3),          # reproduced: rounding only
]


@pytest.mark.parametrize("acc", [2, 4])
def test_nonuniform_second_derivatives_as_accurate_as_findiff(acc):
    # issue 15: interior error <= 1.5x findiff's at the same acc on random
    # grids.  With acc + order points (even, off-centre) fastdiff was 10-40x
    # less accurate; with centred odd-width Fornberg stencils equal where
    # truncation dominates but up to 6-27x on x^5 (rounding); interior rows
    # now solve the moment equations as findiff does: ratio 1.00 on every grid
    findiff = pytest.importorskip("findiff")
    rng = np.random.default_rng(15)
    half = acc // 2 + 1
    for _ in range(30):
        x = np.sort(rng.uniform(0, 1, 60))
        for f, d2 in FUNCS:
            ours = fd.grid.derivative(f(x), 0, 2, spacing=(x,), acc=acc)
            theirs = (findiff.Diff(0, x, acc=acc) ** 2)(f(x))
            inner = slice(half, -half)
            e_ours = np.max(np.abs(ours - d2(x))[inner])
            e_theirs = np.max(np.abs(theirs - d2(x))[inner])
            assert e_ours <= 1.5 * e_theirs + 1e-300
