"""fd.grid against independent oracles: scipy.ndimage, analytic functions,
polynomials, thread counts, the seeds' worked example."""
import numpy as np
import pytest
from scipy import ndimage

import fastdiff as fd

MODES_NDIMAGE = {"periodic": "wrap", "constant": "constant", "nearest": "nearest",
                 "reflect": "reflect", "mirror": "mirror"}


@pytest.mark.parametrize("mode", sorted(MODES_NDIMAGE))
@pytest.mark.parametrize("order,acc", [(1, 2), (2, 2), (1, 6), (3, 4), (4, 2)])
@pytest.mark.parametrize("n", [2, 5, 40])
def test_modes_equal_ndimage_correlate1d(mode, order, acc, n):
    rng = np.random.default_rng(n)
    u = rng.standard_normal((n, 7, 6))
    h = 0.3
    st = fd.stencil(order, acc)
    for axis in range(3):
        want = ndimage.correlate1d(u, st.weights, axis=axis, mode=MODES_NDIMAGE[mode],
                                   cval=1.7) / h**order
        got = fd.grid.derivative(u, axis, order, spacing=h, acc=acc, boundary=mode, cval=1.7)
        scale = np.abs(st.weights).sum() / h**order * max(np.abs(u).max(), 1.7)
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-14 * scale)


def _conv_order(errs, ns):
    return -np.polyfit(np.log(ns), np.log(errs), 1)[0]


@pytest.mark.parametrize("order,acc", [(1, 2), (1, 4), (1, 6), (2, 2), (2, 4), (3, 2)])
def test_convergence_order_including_boundaries(order, acc):
    """Max error over all rows, edges included, falls like h^acc."""
    derivs = [np.exp, np.exp, np.exp, np.exp]  # d^k/dx^k exp(x/2) = exp(x/2)/2^k
    ns = np.array([40, 56, 80, 112]) if acc < 6 else np.array([12, 16, 22, 30])
    errs = []
    for n in ns:
        x = np.linspace(0.0, 1.5, n)
        h = x[1] - x[0]
        u = np.exp(x / 2)
        got = fd.grid.derivative(u, 0, order, spacing=h, acc=acc)
        errs.append(np.max(np.abs(got - derivs[order](x / 2) / 2**order)))
    p = _conv_order(np.array(errs), ns)
    assert abs(p - acc) < 0.35, (p, errs)


@pytest.mark.parametrize("acc", [2, 4])
def test_convergence_nonuniform(acc):
    ns = np.array([50, 70, 100, 140])
    errs = []
    for n in ns:
        s = np.linspace(0, 1, n)
        x = s + 0.1 * np.sin(np.pi * s) ** 2  # smooth stretching, monotonic
        u = np.sin(3 * x)
        got = fd.grid.derivative(u, 0, spacing=x, acc=acc)
        errs.append(np.max(np.abs(got - 3 * np.cos(3 * x))))
    p = _conv_order(np.array(errs), ns)
    assert abs(p - acc) < 0.4, (p, errs)


@pytest.mark.parametrize("order,acc", [(1, 2), (1, 4), (2, 2), (2, 6), (3, 4), (4, 2), (6, 2)])
@pytest.mark.parametrize("kind", ["uniform", "coords"])
def test_polynomials_exact_everywhere(order, acc, kind):
    """Degree < acc + order is differentiated exactly, boundary rows included."""
    deg = acc + order - 1
    n = acc + order + 6
    if kind == "uniform":
        x = np.linspace(-1.0, 1.0, n)
        sp = x[1] - x[0]
    else:
        x = np.linspace(-1.0, 1.0, n) + 0.3 * np.sin(np.arange(n)) / n
        sp = x
    coef = np.random.default_rng(deg).standard_normal(deg + 1)
    p = np.polynomial.Polynomial(coef)
    got = fd.grid.derivative(p(x), 0, order, spacing=sp, acc=acc)
    want = p.deriv(order)(x)
    np.testing.assert_allclose(got, want, atol=1e-7 * np.abs(coef).sum() * 10**order)


def test_periodic_spectral_check():
    """Periodic derivative of sin on a full period: error O(h^acc) with no edge effects."""
    n = 64
    x = np.arange(n) * 2 * np.pi / n
    h = x[1] - x[0]
    for acc, tol in [(2, 2e-2), (4, 2e-4), (8, 1e-7)]:
        got = fd.grid.derivative(np.sin(x), 0, spacing=h, acc=acc, boundary="periodic")
        assert np.max(np.abs(got - np.cos(x))) < tol


def test_num_threads_none_follows_openmp_max():
    u = np.random.default_rng(2).standard_normal((300, 400))
    np.testing.assert_array_equal(fd.grid.gradient(u), fd.grid.gradient(u, num_threads=1))


def test_seed_paraboloid_gradient():
    """Seed 004: f = x^2 + y^2 on a 20x20 grid over [-2, 2]^2."""
    s = np.linspace(-2, 2, 20)
    X, Y = np.meshgrid(s, s, indexing="ij")
    f = X**2 + Y**2
    gx, gy = fd.grid.gradient(f, spacing=s[1] - s[0])
    np.testing.assert_allclose(gx, 2 * X, atol=1e-12)
    np.testing.assert_allclose(gy, 2 * Y, atol=1e-12)
    # gradient at the grid points nearest (1, 1), (0, 0), (-1, 2) is (2x, 2y) there
    for px, py in [(1, 1), (0, 0), (-1, 2)]:
        i, j = np.argmin(np.abs(s - px)), np.argmin(np.abs(s - py))
        np.testing.assert_allclose([gx[i, j], gy[i, j]], [2 * s[i], 2 * s[j]], atol=1e-12)
    d2 = fd.grid.derivative(f, 0, 2, spacing=s[1] - s[0])
    np.testing.assert_allclose(d2, 2.0, atol=1e-10)


def test_seed_product_rule_field():
    """Seed 003: f = x^2 y + sin(xy) sampled finely; partials match the formulas."""
    x = np.linspace(0.5, 1.5, 201)
    y = np.linspace(-1.0, 1.0, 301)
    X, Y = np.meshgrid(x, y, indexing="ij")
    f = X**2 * Y + np.sin(X * Y)
    fx, fy = fd.grid.gradient(f, spacing=[x[1] - x[0], y[1] - y[0]], acc=6)
    np.testing.assert_allclose(fx, 2 * X * Y + Y * np.cos(X * Y), atol=1e-9)
    np.testing.assert_allclose(fy, X**2 + X * np.cos(X * Y), atol=1e-9)


def test_empty_other_axis_and_size_one_axes():
    u = np.zeros((0, 5))
    assert fd.grid.derivative(u, 1).shape == (0, 5)
    v = np.random.default_rng(3).random((1, 9, 1))
    np.testing.assert_allclose(fd.grid.derivative(v, 1)[0, :, 0],
                               np.gradient(v[0, :, 0], edge_order=2), rtol=1e-13)
    # a size-1 axis under a boundary mode that extends the data: constant data -> zero
    np.testing.assert_array_equal(fd.grid.derivative(v, 0, boundary="nearest"), 0.0)


def test_out_is_written_and_returned_with_any_strides():
    u = np.random.default_rng(4).random((30, 40))
    base = np.zeros((2, 60, 80))
    out = base[:, ::2, ::-2]
    res = fd.grid.gradient(u, out=out)
    assert res is out
    np.testing.assert_allclose(out, np.stack(np.gradient(u, edge_order=2)), rtol=1e-12, atol=1e-14)
    # nothing outside the view was touched
    assert np.all(base[:, 1::2, :] == 0)


@pytest.mark.parametrize("tile_bytes", [1, 3000, 50_000])
def test_cache_tiling_gives_identical_results(monkeypatch, tile_bytes):
    """Walking the rows in cache tiles (partial last tile included) changes nothing."""
    from fastdiff.grid import _api, _execute as grid
    monkeypatch.setattr(_api, "_PLANS", {})   # plans keep their prepared kernel calls
    rng = np.random.default_rng(5)
    u = rng.standard_normal((9, 13, 11, 7))
    want_g = fd.reference.gradient(u, acc=4, boundary="mirror")
    want_d = fd.reference.derivative(u, 1, 2, acc=2)
    plain_g = fd.grid.gradient(u, acc=4, boundary="mirror")
    monkeypatch.setattr(grid, "_TILE_BYTES", tile_bytes)
    _api._PLANS.clear()
    assert grid._tile(u, 3, [0, 1, 2], [(0, np.arange(-2, 3))]) != 0 or tile_bytes > 10_000
    for nt in (1, 2):
        got = fd.grid.gradient(u, acc=4, boundary="mirror", num_threads=nt)
        np.testing.assert_array_equal(got, plain_g)
        np.testing.assert_allclose(got, want_g, atol=1e-12)
        np.testing.assert_allclose(fd.grid.derivative(u, 1, 2, num_threads=nt), want_d,
                                   atol=1e-12)


def test_too_many_dimensions():
    u = np.zeros((1,) * 33)
    with pytest.raises(ValueError, match="u has 33 dimensions; fastdiff supports at most 32"):
        fd.grid.gradient(u)


def test_out_interleaved_with_input_is_allowed():
    base = np.random.default_rng(6).random((2, 50))
    u, out = base[0], base[1]
    res = fd.grid.derivative(u, 0, out=out)
    assert res is out
    np.testing.assert_allclose(out, np.gradient(u, edge_order=2), rtol=1e-12)


def test_kernel_builds_agree_bitwise(monkeypatch):
    """The baseline, AVX2 and AVX-512 builds compute every element identically,
    the alpha/beta/coefficient stores included."""
    import importlib
    from fastdiff import _kernels
    from fastdiff.grid import _api, _execute as grid
    variants = _kernels.available_variants()
    if len(variants) < 2:
        pytest.skip("this CPU/build has only the baseline kernels")
    mods = {"baseline": "_grid", "avx2": "_grid_avx2", "avx512": "_grid_avx512"}
    rng = np.random.default_rng(8)
    u = rng.standard_normal((33, 40, 29))
    u32 = u.astype(np.float32)
    v = rng.standard_normal((3, 33, 40, 29))
    kappa = 1 + rng.random(u.shape)
    D = fd.grid.D
    A = kappa * (D(0)**2 + D(1)**2) - 0.5 * D(2) + 1.0
    base = rng.standard_normal(u.shape)
    calls = [lambda: fd.grid.laplacian(u, acc=4, boundary="reflect"),
             lambda: fd.grid.hessian(u32, acc=2, boundary="constant", cval=0.5),
             lambda: fd.grid.gradient(u[:, ::-1], acc=6),
             lambda: fd.grid.curl(v, boundary="periodic"),
             lambda: fd.grid.derivative(np.asfortranarray(u32), 1, 3, acc=4),
             lambda: A.plan(u.shape, boundary="mirror")(u, base.copy(), alpha=0.3, beta=1.0),
             lambda: A(u32[:, ::-1], acc=4)]
    results = {}
    for name in variants:
        mod = importlib.import_module(f"fastdiff._kernels.{mods[name]}")
        monkeypatch.setattr(grid, "_k", mod)
        monkeypatch.setattr(_api, "_PLANS", {})
        results[name] = [c() for c in calls]
    for name in variants[1:]:
        for a, b in zip(results["baseline"], results[name]):
            np.testing.assert_array_equal(a, b)


def test_kernel_variant_can_be_forced():
    import os
    import subprocess
    import sys
    code = "from fastdiff._kernels import kernel_variant; print(kernel_variant)"
    env = dict(os.environ, FASTDIFF_KERNEL="baseline")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True)
    assert res.stdout.strip() == "baseline"
    # a typo warns and falls back to the automatic choice; import still works
    env["FASTDIFF_KERNEL"] = "sse9"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True)
    assert "FASTDIFF_KERNEL='sse9'" in res.stderr and "using 'auto'" in res.stderr
    from fastdiff._kernels import kernel_variant
    assert res.stdout.strip() == kernel_variant


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_streaming_stores_give_identical_results(monkeypatch, dtype):
    """The non-temporal store path (large outputs) equals the ordinary one bitwise,
    for combined rows, boundary rows, and the mirrored half of a Hessian."""
    from fastdiff.grid import _api, _execute as grid
    monkeypatch.setattr(_api, "_PLANS", {})
    rng = np.random.default_rng(7)
    base = rng.standard_normal((40, 37, 70)).astype(dtype)
    cases = [base, base[:, :, 3:], base[:, ::2, :], np.asfortranarray(base)]

    def run():
        res = []
        for u in cases:
            res.append(fd.grid.laplacian(u, acc=4, boundary="reflect"))
            res.append(fd.grid.hessian(u, acc=2, boundary="constant", cval=0.25))
            res.append(fd.grid.gradient(u, acc=6))
            res.append(fd.grid.derivative(u, 2, 2))
        # an output whose rows start off a cache line
        out = np.empty((40, 37, 68), dtype=dtype)[:, :, 1:]
        res.append(fd.grid.derivative(cases[1], 2, 2, out=out).copy())
        return res

    want = run()
    monkeypatch.setattr(grid, "_STREAM_BYTES", 0)
    _api._PLANS.clear()
    got = run()
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
