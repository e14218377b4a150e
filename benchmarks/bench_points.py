"""Point-batch benchmarks (pytest-benchmark), n = 10, a cheap vectorized f.

    pytest benchmarks/bench_points.py --benchmark-only

Groups: gradient at N = 10^4 points against evaluating f alone on the same
number of stencil points (the kernels' overhead; SPEC target <= 1.2 x) and
scipy.differentiate.jacobian (>= 5 x faster at equal or better accuracy:
compare its errors printed by test_accuracy_report); Hessian at N = 10^3
against f alone (<= 1.25 x) and numdifftools.Hessian called per point
(>= 200 x).
"""
import numpy as np
import pytest

import fastdiff as fd

n = 10
A = 0.1 * np.arange(1, n + 1)


def f(p):
    return (np.sum(np.exp(A * p), axis=-1) + np.sum(np.sin(p[..., :-1]) * np.cos(p[..., 1:]), axis=-1)
            + np.sum(np.log1p(p * p), axis=-1))


def grad_exact(p):
    G = A * np.exp(A * p) + 2 * p / (1 + p * p)
    G[:, :-1] += np.cos(p[:, :-1]) * np.cos(p[:, 1:])
    G[:, 1:] -= np.sin(p[:, :-1]) * np.sin(p[:, 1:])
    return G


@pytest.fixture(scope="module")
def X():
    return np.random.default_rng(0).uniform(-2, 2, (10_000, n))


def _rel(G, X):
    T = grad_exact(X)
    return float(np.median(np.linalg.norm(G - T, axis=1) / np.linalg.norm(T, axis=1)))


def test_gradient_f_alone(benchmark, X):
    benchmark.group = "points gradient N=1e4 n=10"
    benchmark.name = "copy: f alone on 61 points per input point"
    P = np.repeat(X, 61, axis=0) + 1e-3
    benchmark(f, P)


def test_gradient_fastdiff(benchmark, X):
    benchmark.group = "points gradient N=1e4 n=10"
    benchmark.name = "fastdiff gradient (adaptive, 61 evals/point)"
    G = benchmark(fd.points.gradient, f, X)
    assert _rel(G, X) <= 1e-10


def test_gradient_fastdiff_acc4(benchmark, X):
    benchmark.group = "points gradient N=1e4 n=10"
    benchmark.name = "fastdiff gradient acc=4 adaptive=False (41 evals/point)"
    G = benchmark(fd.points.gradient, f, X, acc=4, adaptive=False)
    assert _rel(G, X) <= 5e-12


def test_gradient_scipy(benchmark, X):
    differentiate = pytest.importorskip("scipy.differentiate")
    benchmark.group = "points gradient N=1e4 n=10"
    fs = lambda z: f(np.moveaxis(z, 0, -1))  # noqa: E731
    res = benchmark.pedantic(differentiate.jacobian, args=(fs, X.T), rounds=3, iterations=1)
    print(f"\nscipy.differentiate.jacobian median relative error {_rel(res.df.T, X):.1e}")


def test_hessian_f_alone(benchmark, X):
    benchmark.group = "points hessian N=1e3 n=10"
    benchmark.name = "copy: f alone on 401 points per input point"
    P = np.repeat(X[:1000], 401, axis=0) + 1e-3
    benchmark(f, P)


def test_hessian_fastdiff(benchmark, X):
    benchmark.group = "points hessian N=1e3 n=10"
    benchmark.name = "fastdiff hessian (401 evals/point)"
    benchmark(fd.points.hessian, f, X[:1000])


def test_hessian_numdifftools(benchmark, X):
    nd = pytest.importorskip("numdifftools")
    benchmark.group = "points hessian N=1e3 n=10"
    H = nd.Hessian(lambda z: f(z[None])[0])
    # 20 points, scaled to 1000 in the ratio summary by hand: report per point
    benchmark.name = "numdifftools Hessian, 20 points (x50 for N=1e3)"
    benchmark.pedantic(lambda: [H(x) for x in X[:20]], rounds=1, iterations=1)
