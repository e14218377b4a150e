"""Callables at scale (pytest-benchmark): a sparse Jacobian by colouring, and
``workers=`` for an expensive, non-vectorized f.

    pytest benchmarks/bench_points_scale.py --benchmark-only

Targets (issue "Callables at scale"): tridiagonal F, n = 10^5, central,
acc=2: 3 colour groups, time <= 1.5 x its own F evaluations (the case named
``..._copy`` below, F on all 19 rows at once, so that the summary prints
ratios to it; ``..._row_by_row``: F as fastdiff calls it) and >= 5 x
faster than scipy's ``approx_derivative`` with its sparsity groups; an f
sleeping 10 ms per call, ``workers=2`` >= 1.8 x faster than serial.
"""
import time

import numpy as np
import pytest
import scipy.sparse as sp

import fastdiff as fd

N = 100_000
GROUP = "sparse jacobian, tridiagonal n=1e5"


def F(P):
    out = -2 * P + P * P * P
    out[:, 1:] += P[:, :-1]
    out[:, :-1] += P[:, 1:]
    return out


@pytest.fixture(scope="module")
def case():
    S = sp.diags([np.ones(N - 1), np.ones(N), np.ones(N - 1)], [-1, 0, 1], format="csr")
    x = np.random.default_rng(0).uniform(-1, 1, N)
    return S, x, fd.points.color_columns(S)


def test_tridiag_f_evaluations_copy(benchmark, case):
    S, x, colors = case
    benchmark.group = GROUP
    rows = fd.points.jacobian(F, x, sparsity=S, colors=colors, full_output=True).nfev
    P = np.tile(x, (rows, 1))
    benchmark(F, P)


def test_tridiag_f_row_by_row(benchmark, case):
    # F on the same rows as fastdiff hands them to it (one point's stencil
    # beyond max_memory: 1 MiB, here one row, at a time) and assembled
    S, x, colors = case
    benchmark.group = GROUP
    rows = fd.points.jacobian(F, x, sparsity=S, colors=colors, full_output=True).nfev
    P = np.tile(x, (rows, 1))
    out = np.empty_like(P)

    def by_rows():
        for r in range(rows):
            out[r:r + 1] = F(P[r:r + 1])
    benchmark(by_rows)


def test_tridiag_fastdiff(benchmark, case):
    S, x, colors = case
    benchmark.group = GROUP
    benchmark(fd.points.jacobian, F, x, sparsity=S, colors=colors)


def test_tridiag_scipy(benchmark, case):
    from scipy.optimize._numdiff import approx_derivative, group_columns
    S, x, _ = case
    benchmark.group = GROUP
    groups = group_columns(S)
    benchmark(approx_derivative, lambda v: F(v[None])[0], x, sparsity=(S, groups),
              method="3-point")


def _sleepy(p):
    time.sleep(0.01)
    return float(np.sum(p ** 2))


@pytest.mark.parametrize("workers", [None, 2], ids=["serial", "workers2"])
def test_sleepy_f(benchmark, workers):
    benchmark.group = "non-vectorized f sleeping 10 ms, gradient of 8 points in 3-D"
    X = np.random.default_rng(1).random((8, 3))
    benchmark.pedantic(fd.points.gradient, args=(_sleepy, X),
                       kwargs={"vectorized": False, "workers": workers}, rounds=3)
