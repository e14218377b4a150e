"""fd.points: derivatives of black-box callables at batches of points.

Everything here is checked against hand-derived formulas (no autograd): a
varied set of smooth test functions on n = 10 coordinates with analytic
gradients and Hessians, the seeds' worked examples, the error estimates of
``full_output=True``, the evaluation counts promised by the SPEC, bounds that
are never crossed, and the behaviour contract (vectorized=False, args/kwargs,
exceptions, wrong shapes, NaN isolation, chunking, shapes, bad arguments).
"""
import numpy as np
import pytest

from fastdiff import points as P

N_DIM = 10
N_PTS = 200

# ---------------------------------------------------------------------------
# smooth test functions with hand-derived derivatives
#   f(X): (M, n) -> (M,); grad(X): (M, n); hess(X): (M, n, n)
# all of them accept complex input (for the complex step)
# ---------------------------------------------------------------------------

_C = 0.1 * np.arange(1, N_DIM + 1)


def _rowsum(A):
    """sum over the last axis, column by column: every row's value is computed
    the same way whatever the batch size or memory layout (unlike np.sum or
    BLAS, whose summation order can depend on both), so tests that compare
    results bitwise are not spoilt by the test function itself."""
    A = np.asarray(A)
    total = A[..., 0]
    for i in range(1, A.shape[-1]):
        total = total + A[..., i]
    return total


def _rowmat(X, W):
    """X @ W.T (X (M, n), W (k, n)) with a fixed summation order per row."""
    return _rowsum(X[:, None, :] * W[None, :, :])


def f_exp(X):
    """sum_i exp(0.1 i x_i), i = 1..n"""
    return _rowsum(np.exp(_C * X))


def g_exp(X):
    return _C * np.exp(_C * X)


def h_exp(X):
    return np.einsum("mi,ij->mij", _C**2 * np.exp(_C * X), np.eye(X.shape[1]))


def f_sincos(X):
    """sum_{i<n-1} sin(x_i) cos(x_{i+1})"""
    return _rowsum(np.sin(X[:, :-1]) * np.cos(X[:, 1:]))


def g_sincos(X):
    s, c = np.sin(X), np.cos(X)
    g = np.zeros_like(X)
    g[:, :-1] += c[:, :-1] * c[:, 1:]
    g[:, 1:] -= s[:, :-1] * s[:, 1:]
    return g


def h_sincos(X):
    s, c = np.sin(X), np.cos(X)
    M, n = X.shape
    H = np.zeros((M, n, n), dtype=X.dtype)
    d = np.zeros_like(X)
    d[:, :-1] -= s[:, :-1] * c[:, 1:]
    d[:, 1:] -= s[:, :-1] * c[:, 1:]
    idx = np.arange(n)
    H[:, idx, idx] = d
    off = -c[:, :-1] * s[:, 1:]
    H[:, idx[:-1], idx[1:]] = off
    H[:, idx[1:], idx[:-1]] = off
    return H


def f_rat(X):
    """1 / (1 + |x|^2)"""
    return 1.0 / (1.0 + _rowsum(X * X))


def g_rat(X):
    r = 1.0 + np.sum(X * X, axis=-1)
    return -2.0 * X / r[:, None] ** 2


def h_rat(X):
    r = 1.0 + np.sum(X * X, axis=-1)
    n = X.shape[1]
    return (-2.0 * np.eye(n)[None] / r[:, None, None] ** 2
            + 8.0 * X[:, :, None] * X[:, None, :] / r[:, None, None] ** 3)


def f_log(X):
    """sum_i log(1 + x_i^2)"""
    return _rowsum(np.log(1.0 + X * X))


def g_log(X):
    return 2.0 * X / (1.0 + X * X)


def h_log(X):
    d = 2.0 * (1.0 - X * X) / (1.0 + X * X) ** 2
    return np.einsum("mi,ij->mij", d, np.eye(X.shape[1]))


_nn_rng = np.random.default_rng(2024)
_W1 = 0.4 * _nn_rng.standard_normal((8, N_DIM))
_B1 = 0.3 * _nn_rng.standard_normal(8)
_W2 = _nn_rng.standard_normal(8)
_B2 = 0.7


def f_nn(X):
    """w2 . tanh(W1 x + b1) + b2"""
    return _rowsum(np.tanh(_rowmat(X, _W1) + _B1) * _W2) + _B2


def g_nn(X):
    h = np.tanh(X @ _W1.T + _B1)
    return ((1.0 - h * h) * _W2) @ _W1


def h_nn(X):
    h = np.tanh(X @ _W1.T + _B1)
    dd = -2.0 * h * (1.0 - h * h) * _W2          # (M, 8)
    return np.einsum("mk,ki,kj->mij", dd, _W1, _W1)


FUNCS = {
    "exp": (f_exp, g_exp, h_exp),
    "sincos": (f_sincos, g_sincos, h_sincos),
    "rational": (f_rat, g_rat, h_rat),
    "logsum": (f_log, g_log, h_log),
    "tanh_net": (f_nn, g_nn, h_nn),
}
FNAMES = list(FUNCS)

_VEC = [f_sincos, f_rat, f_nn, f_log]
_VEC_G = [g_sincos, g_rat, g_nn, g_log]
_VEC_H = [h_sincos, h_rat, h_nn, h_log]


def F_vec(X):
    """vector function (M, n) -> (M, 4): (sincos, rational, tanh_net, logsum)"""
    return np.stack([f(X) for f in _VEC], axis=-1)


def J_vec(X):
    return np.stack([g(X) for g in _VEC_G], axis=1)          # (M, 4, n)


def H_vec(X):
    return np.stack([h(X) for h in _VEC_H], axis=1)          # (M, 4, n, n)


X_PTS = np.random.default_rng(7).uniform(-2.0, 2.0, size=(N_PTS, N_DIM))


def rel_rows(est, true):
    """normwise relative error per point (first axis)."""
    est = np.asarray(est).reshape(len(true), -1)
    true = np.asarray(true).reshape(len(true), -1)
    return np.linalg.norm(est - true, axis=1) / np.linalg.norm(true, axis=1)


# memoise the expensive default calls shared by several tests
_cache = {}


def cached(kind, name, **kw):
    key = (kind, name, tuple(sorted(kw.items())))
    if key not in _cache:
        f = FUNCS[name][0] if name in FUNCS else F_vec
        _cache[key] = getattr(P, kind)(f, X_PTS, **kw)
    return _cache[key]


# ---------------------------------------------------------------------------
# 1. accuracy
# ---------------------------------------------------------------------------

class TestAccuracy:
    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_central(self, name):
        f, g, _ = FUNCS[name]
        G = cached("gradient", name)
        assert G.shape == (N_PTS, N_DIM)
        err = rel_rows(G, g(X_PTS))
        assert np.median(err) <= 1e-10, (name, np.median(err))
        assert err.max() <= 1e-8, (name, err.max(), X_PTS[err.argmax()])

    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_acc4(self, name):
        f, g, _ = FUNCS[name]
        err = rel_rows(P.gradient(f, X_PTS, acc=4), g(X_PTS))
        assert np.median(err) <= 1e-10, (name, np.median(err))
        assert err.max() <= 1e-8, (name, err.max())

    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_complex_step(self, name):
        f, g, _ = FUNCS[name]
        err = rel_rows(P.gradient(f, X_PTS, method="complex"), g(X_PTS))
        assert err.max() <= 1e-13, (name, err.max(), X_PTS[err.argmax()])

    @pytest.mark.parametrize("method", ["forward", "backward"])
    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_one_sided_methods(self, name, method):
        f, g, _ = FUNCS[name]
        err = rel_rows(P.gradient(f, X_PTS, method=method), g(X_PTS))
        assert np.median(err) <= 1e-8, (name, method, np.median(err))
        assert err.max() <= 1e-6, (name, method, err.max())

    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_not_adaptive(self, name):
        f, g, _ = FUNCS[name]
        err = rel_rows(P.gradient(f, X_PTS, adaptive=False), g(X_PTS))
        assert np.median(err) <= 1e-7, (name, np.median(err))

    @pytest.mark.parametrize("name", FNAMES)
    def test_hessian(self, name):
        f, _, h = FUNCS[name]
        H = cached("hessian", name)
        assert H.shape == (N_PTS, N_DIM, N_DIM)
        err = rel_rows(H, h(X_PTS))
        assert np.median(err) <= 1e-6, (name, np.median(err))
        assert err.max() <= 1e-4, (name, err.max(), X_PTS[err.argmax()])

    @pytest.mark.parametrize("kw", [{"acc": 4}, {"method": "forward"}, {"method": "backward"}],
                             ids=["acc4", "forward", "backward"])
    @pytest.mark.parametrize("name", ["exp", "tanh_net"])
    def test_hessian_other_settings(self, name, kw):
        # acc and method are common keyword arguments (SPEC); only "complex"
        # is restricted to first derivatives
        f, _, h = FUNCS[name]
        err = rel_rows(P.hessian(f, X_PTS[:50], **kw), h(X_PTS[:50]))
        assert np.median(err) <= 1e-6, (name, kw, np.median(err))

    @pytest.mark.parametrize("kw", [{"acc": 4}, {"method": "forward"}, {"method": "backward"}],
                             ids=["acc4", "forward", "backward"])
    def test_laplacian_other_settings(self, kw):
        L = P.laplacian(f_nn, X_PTS[:50], **kw)
        Ht = h_nn(X_PTS[:50])
        scale = np.abs(np.diagonal(Ht, axis1=1, axis2=2)).sum(axis=1)
        err = np.abs(L - np.trace(Ht, axis1=1, axis2=2)) / scale
        assert np.median(err) <= 1e-7, (kw, np.median(err))

    @pytest.mark.parametrize("name", FNAMES)
    def test_hessian_symmetric(self, name):
        H = cached("hessian", name)
        np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))

    @pytest.mark.parametrize("name", FNAMES)
    def test_laplacian(self, name):
        f, _, h = FUNCS[name]
        L = cached("laplacian", name)
        assert L.shape == (N_PTS,)
        Ht = h(X_PTS)
        true = np.trace(Ht, axis1=1, axis2=2)
        scale = np.abs(np.diagonal(Ht, axis1=1, axis2=2)).sum(axis=1)
        err = np.abs(L - true) / scale
        assert np.median(err) <= 1e-8, (name, np.median(err))
        assert err.max() <= 1e-6, (name, err.max(), X_PTS[err.argmax()])

    @pytest.mark.parametrize("name", FNAMES)
    def test_laplacian_is_trace_of_hessian(self, name):
        L = cached("laplacian", name)
        H = cached("hessian", name)
        scale = np.abs(np.diagonal(H, axis1=1, axis2=2)).sum(axis=1)
        np.testing.assert_array_less(np.abs(L - np.trace(H, axis1=1, axis2=2)), 1e-5 * scale)

    def test_jacobian(self):
        J = cached("jacobian", "vec")
        assert J.shape == (N_PTS, 4, N_DIM)
        err = rel_rows(J, J_vec(X_PTS))
        assert np.median(err) <= 1e-10, np.median(err)
        assert err.max() <= 1e-8, err.max()

    def test_jacobian_complex_step(self):
        err = rel_rows(P.jacobian(F_vec, X_PTS, method="complex"), J_vec(X_PTS))
        assert err.max() <= 1e-13, err.max()

    @pytest.mark.parametrize("method", ["forward", "backward"])
    def test_jacobian_one_sided(self, method):
        err = rel_rows(P.jacobian(F_vec, X_PTS, method=method), J_vec(X_PTS))
        assert np.median(err) <= 1e-8, np.median(err)

    def test_jacobian_rows_equal_gradients(self):
        J = cached("jacobian", "vec")
        for k, f in enumerate(_VEC):
            G = P.gradient(f, X_PTS)
            np.testing.assert_allclose(J[:, k, :], G, rtol=1e-9,
                                       atol=1e-10 * np.abs(G).max())

    def test_vector_hessian(self):
        H = cached("hessian", "vec")
        assert H.shape == (N_PTS, 4, N_DIM, N_DIM)
        Ht = H_vec(X_PTS)
        for k in range(4):
            err = rel_rows(H[:, k], Ht[:, k])
            assert np.median(err) <= 1e-6, (k, np.median(err))
        np.testing.assert_array_equal(H, np.swapaxes(H, -1, -2))

    def test_vector_laplacian(self):
        L = cached("laplacian", "vec")
        assert L.shape == (N_PTS, 4)
        Ht = H_vec(X_PTS)
        true = np.trace(Ht, axis1=2, axis2=3)
        scale = np.abs(np.diagonal(Ht, axis1=2, axis2=3)).sum(axis=-1)
        err = np.abs(L - true) / scale
        assert np.median(err) <= 1e-8, np.median(err)


# ---------------------------------------------------------------------------
# 2. error estimates
# ---------------------------------------------------------------------------

def _coverage(est_err, true_err, scale, floor):
    """fraction of the elements with a true error above floor*scale whose
    estimated error covers the true error (1.0 when no element counts)."""
    considered = true_err > floor * scale
    if not considered.any():
        return 1.0, 0
    return float(np.mean(est_err[considered] >= true_err[considered])), int(considered.sum())


class TestErrorEstimates:
    @pytest.mark.parametrize("name", FNAMES)
    def test_gradient_error_covers_true_error(self, name):
        f, g, _ = FUNCS[name]
        r = P.gradient(f, X_PTS, full_output=True)
        assert isinstance(r, P.Result)
        G = g(X_PTS)
        assert r.value.shape == r.error.shape == r.success.shape == G.shape
        assert r.success.dtype == bool and r.success.all()
        assert np.all(np.isfinite(r.error)) and np.all(r.error >= 0)
        # full_output does not change the value
        np.testing.assert_array_equal(r.value, cached("gradient", name))
        true_err = np.abs(r.value - G)
        scale = np.abs(G).max(axis=1, keepdims=True)
        frac, cnt = _coverage(r.error, true_err, scale, 1e-14)
        assert frac >= 0.9, (name, frac, cnt)

    def test_jacobian_error_covers_true_error(self):
        r = P.jacobian(F_vec, X_PTS, full_output=True)
        J = J_vec(X_PTS)
        assert r.value.shape == r.error.shape == r.success.shape == J.shape
        true_err = np.abs(r.value - J)
        scale = np.abs(J).max(axis=2, keepdims=True)
        frac, cnt = _coverage(r.error, true_err, scale, 1e-14)
        assert frac >= 0.9, (frac, cnt)

    @pytest.mark.parametrize("name", FNAMES)
    def test_hessian_error_covers_true_error(self, name):
        f, _, h = FUNCS[name]
        r = P.hessian(f, X_PTS, full_output=True)
        Ht = h(X_PTS)
        assert r.value.shape == r.error.shape == r.success.shape == Ht.shape
        true_err = np.abs(r.value - Ht)
        scale = np.abs(Ht).max(axis=(1, 2), keepdims=True)
        frac, cnt = _coverage(r.error, true_err, scale, 1e-12)
        assert frac >= 0.9, (name, frac, cnt)

    @pytest.mark.parametrize("name", FNAMES)
    def test_laplacian_error_covers_true_error(self, name):
        f, _, h = FUNCS[name]
        r = P.laplacian(f, X_PTS, full_output=True)
        Ht = h(X_PTS)
        true = np.trace(Ht, axis1=1, axis2=2)
        true_err = np.abs(r.value - true)
        scale = np.abs(np.diagonal(Ht, axis1=1, axis2=2)).sum(axis=1)
        frac, cnt = _coverage(r.error, true_err, scale, 1e-13)
        assert frac >= 0.9, (name, frac, cnt)

    def test_result_fields(self):
        r = P.gradient(f_exp, X_PTS[:5], full_output=True)
        assert isinstance(r.nfev, (int, np.integer)) and not isinstance(r.nfev, bool)
        step = np.asarray(r.step)
        assert step.ndim >= 1 and np.all(np.isfinite(step)) and np.all(step > 0)
        r1 = P.gradient(f_exp, X_PTS[0], full_output=True)
        assert r1.value.shape == r1.error.shape == r1.success.shape == (N_DIM,)


# ---------------------------------------------------------------------------
# 3. evaluation counts
# ---------------------------------------------------------------------------

class Counter:
    """wraps f, counting calls and rows (points) evaluated."""

    def __init__(self, f, vectorized=True):
        self.f, self.vectorized = f, vectorized
        self.calls = 0
        self.rows = 0
        self.max_rows = 0

    def __call__(self, X, *args, **kwargs):
        X = np.asarray(X)
        m = X.shape[0] if self.vectorized else 1
        self.calls += 1
        self.rows += m
        self.max_rows = max(self.max_rows, m)
        return self.f(X, *args, **kwargs)


def _poly_like(X):
    return np.sum(np.sin(X) + 0.3 * X ** 3, axis=-1) + np.prod(np.cos(0.2 * X), axis=-1)


BOUND = {
    "gradient": lambda n: 6 * n + 1,
    "hessian": lambda n: 2 * (2 * n * n + 1),
    "laplacian": lambda n: 3 * (2 * n + 1),
}


class TestEvaluationCounts:
    @pytest.mark.parametrize("n", [1, 3, 10])
    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian"])
    def test_nfev_matches_rows_and_bound(self, kind, n):
        X = np.random.default_rng(n).uniform(-1, 1, size=(37, n))
        c = Counter(_poly_like)
        r = getattr(P, kind)(c, X, full_output=True)
        assert c.rows % len(X) == 0, (c.rows, len(X))
        assert r.nfev == c.rows // len(X), (r.nfev, c.rows, len(X))
        assert r.nfev <= BOUND[kind](n), (kind, n, r.nfev, BOUND[kind](n))

    def test_jacobian_nfev_matches_rows(self):
        c = Counter(F_vec)
        r = P.jacobian(c, X_PTS[:50], full_output=True)
        assert r.nfev == c.rows // 50 and c.rows % 50 == 0
        assert r.nfev <= 6 * N_DIM + 1

    def test_single_point_nfev(self):
        c = Counter(f_exp)
        r = P.gradient(c, X_PTS[0], full_output=True)
        assert r.nfev == c.rows
        assert r.nfev <= 6 * N_DIM + 1

    def test_nfev_vectorized_false_counts_calls(self):
        c = Counter(lambda x: f_exp(x[None])[0], vectorized=False)
        r = P.gradient(c, X_PTS[:7], vectorized=False, full_output=True)
        assert c.calls == r.nfev * 7

    def test_not_adaptive_is_cheaper(self):
        c1, c2 = Counter(f_exp), Counter(f_exp)
        r1 = P.gradient(c1, X_PTS[:20], full_output=True)
        r2 = P.gradient(c2, X_PTS[:20], adaptive=False, full_output=True)
        assert r2.nfev == c2.rows // 20
        assert r2.nfev < r1.nfev
        assert r2.nfev <= 2 * N_DIM + 1

    def test_complex_step_nfev(self):
        c = Counter(f_exp)
        r = P.gradient(c, X_PTS[:20], method="complex", full_output=True)
        assert r.nfev == c.rows // 20
        assert r.nfev <= 6 * N_DIM + 1

    def test_batches_do_not_grow_with_N(self):
        # f is called on whole batches: the number of calls does not depend on N
        c_small, c_big = Counter(f_exp), Counter(f_exp)
        P.gradient(c_small, X_PTS[:10])
        P.gradient(c_big, X_PTS)
        assert c_big.calls == c_small.calls
        assert c_big.calls <= 10


# ---------------------------------------------------------------------------
# 4. the seeds' worked examples
# ---------------------------------------------------------------------------

class TestSeeds:
    def test_gradient_x2y_3lnxy(self):
        f = lambda X: X[:, 0] ** 2 * X[:, 1] + 3 * np.log(X[:, 0] * X[:, 1])
        X = np.random.default_rng(1).uniform(0.5, 3.0, size=(50, 2))
        x, y = X.T
        expect = np.stack([2 * x * y + 3 / x, x ** 2 + 3 / y], axis=1)
        np.testing.assert_allclose(P.gradient(f, X), expect, rtol=1e-10)
        np.testing.assert_allclose(P.gradient(f, [1.0, 2.0]), [4 + 3, 1 + 1.5], rtol=1e-10)

    def test_jacobian_x2y_5x_siny(self):
        F = lambda X: np.stack([X[:, 0] ** 2 * X[:, 1], 5 * X[:, 0] + np.sin(X[:, 1])], axis=1)
        X = np.random.default_rng(2).uniform(-2, 2, size=(50, 2))
        x, y = X.T
        expect = np.stack([np.stack([2 * x * y, x ** 2], -1),
                           np.stack([np.full_like(x, 5.0), np.cos(y)], -1)], axis=1)
        J = P.jacobian(F, X)
        assert J.shape == (50, 2, 2)
        np.testing.assert_allclose(J, expect, rtol=1e-9, atol=1e-10)

    def test_hessian_cubic_at_1_2(self):
        f = lambda X: X[:, 0] ** 3 - 2 * X[:, 0] * X[:, 1] - X[:, 1] ** 6
        H = P.hessian(f, np.array([1.0, 2.0]))
        assert H.shape == (2, 2)
        expect = np.array([[6.0, -2.0], [-2.0, -480.0]])
        assert np.linalg.norm(H - expect) <= 1e-6 * np.linalg.norm(expect), H

    def test_saddle(self):
        f = lambda X: X[:, 0] ** 2 - X[:, 1] ** 2
        H = P.hessian(f, np.zeros(2))
        ev = np.linalg.eigvalsh(H)
        assert ev[0] < 0 < ev[1]
        np.testing.assert_allclose(ev, [-2.0, 2.0], rtol=1e-6)
        np.testing.assert_allclose(P.gradient(f, np.zeros(2)), 0.0, atol=1e-12)

    def test_jacobian_x2_plus_y_xy(self):
        F = lambda X: np.stack([X[:, 0] ** 2 + X[:, 1], X[:, 0] * X[:, 1]], axis=1)
        J = P.jacobian(F, np.array([1.0, 2.0]))
        assert J.shape == (2, 2)
        np.testing.assert_allclose(J, [[2.0, 1.0], [2.0, 1.0]], rtol=1e-10)

    def test_partials_x2y_sin_xy(self):
        f = lambda X: X[:, 0] ** 2 * X[:, 1] + np.sin(X[:, 0] * X[:, 1])
        X = np.random.default_rng(3).uniform(-2, 2, size=(50, 2))
        x, y = X.T
        expect = np.stack([2 * x * y + y * np.cos(x * y), x ** 2 + x * np.cos(x * y)], 1)
        G = P.gradient(f, X)
        assert np.median(rel_rows(G, expect)) <= 1e-10
        np.testing.assert_allclose(G, expect, rtol=1e-8, atol=1e-9)

    def test_paraboloid(self):
        f = lambda X: X[:, 0] ** 2 + X[:, 1] ** 2
        X = np.array([[1.0, 1.0], [0.0, 0.0], [-1.0, 2.0]])
        np.testing.assert_allclose(P.gradient(f, X), [[2, 2], [0, 0], [-2, 4]],
                                   rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(P.hessian(f, X), np.broadcast_to(2 * np.eye(2), (3, 2, 2)),
                                   rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(P.laplacian(f, X), [4.0, 4.0, 4.0], rtol=1e-8)

    def test_chain_rule(self):
        def y(X):
            u1, u2 = X[:, 0] + X[:, 1], X[:, 0] - X[:, 1]
            return u1 ** 2 + u2 ** 2
        X = np.random.default_rng(4).uniform(-3, 3, size=(20, 2))
        np.testing.assert_allclose(P.gradient(y, X), 4 * X, rtol=1e-10, atol=1e-12)

    def test_monkey_saddle(self):
        f = lambda X: X[:, 0] ** 3 - 3 * X[:, 0] * X[:, 1] ** 2
        np.testing.assert_allclose(P.gradient(f, np.zeros(2)), 0.0, atol=1e-12)
        np.testing.assert_allclose(P.hessian(f, np.zeros(2)), np.zeros((2, 2)), atol=1e-6)


# ---------------------------------------------------------------------------
# 5. bounds
# ---------------------------------------------------------------------------

def _make_boxed(lo, hi):
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)

    def check(X):
        X = np.asarray(X)
        Xr = X.real
        if not (np.all(Xr >= lo) and np.all(Xr <= hi)):
            bad = Xr[~np.all((Xr >= lo) & (Xr <= hi), axis=-1)]
            raise AssertionError(f"f evaluated outside the box at {bad[:3]}")
        return X

    def f(X):
        X = check(X)
        return f_exp(X) + f_sincos(X)

    def F(X):
        X = check(X)
        return np.stack([f_exp(X), f_sincos(X), f_log(X)], axis=-1)

    return f, F


def g_box(X):
    return g_exp(X) + g_sincos(X)


def h_box(X):
    return h_exp(X) + h_sincos(X)


def _box_points(lo, hi, rng_seed=11):
    lo = np.broadcast_to(np.asarray(lo, float), (N_DIM,))
    hi = np.broadcast_to(np.asarray(hi, float), (N_DIM,))
    rng = np.random.default_rng(rng_seed)
    X = lo + (hi - lo) * rng.random((40, N_DIM))
    # points at distances 0, 1e-9, 1e-7, 1e-6 from the bounds, in some coordinates
    for k, d in enumerate([0.0, 1e-9, 1e-7, 1e-6, 5e-7, 0.0]):
        X[2 * k, k % N_DIM] = lo[k % N_DIM] + d
        X[2 * k, (k + 3) % N_DIM] = hi[(k + 3) % N_DIM] - d
        X[2 * k + 1, :] = lo + d if k % 2 == 0 else hi - d
    X = np.vstack([X, lo, hi, np.where(np.arange(N_DIM) % 2 == 0, lo, hi)])
    return X


BOXES = {
    "unit": (0.0, 1.0),
    "arrays": (-1.0 - 0.1 * np.arange(N_DIM), 0.5 + 0.1 * np.arange(N_DIM)),
}


class TestBounds:
    @pytest.mark.parametrize("box", list(BOXES))
    @pytest.mark.parametrize("method", ["central", "forward", "backward", "complex"])
    def test_gradient_inside(self, box, method):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        r = P.gradient(f, X, bounds=(lo, hi), method=method, full_output=True)
        err = rel_rows(r.value, g_box(X))
        assert err.max() <= 1e-7, (box, method, err.max(), X[err.argmax()])
        assert r.success.all()

    @pytest.mark.parametrize("box", list(BOXES))
    def test_gradient_not_adaptive_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        err = rel_rows(P.gradient(f, X, bounds=(lo, hi), adaptive=False), g_box(X))
        assert err.max() <= 1e-5, err.max()

    @pytest.mark.parametrize("box", list(BOXES))
    def test_gradient_acc4_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        err = rel_rows(P.gradient(f, X, bounds=(lo, hi), acc=4), g_box(X))
        assert err.max() <= 1e-7, err.max()

    @pytest.mark.parametrize("box", list(BOXES))
    def test_hessian_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        H = P.hessian(f, X, bounds=(lo, hi))
        err = rel_rows(H, h_box(X))
        assert np.median(err) <= 1e-6 and err.max() <= 1e-5, (np.median(err), err.max())

    @pytest.mark.parametrize("box", list(BOXES))
    def test_laplacian_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        Ht = h_box(X)
        L = P.laplacian(f, X, bounds=(lo, hi))
        scale = np.abs(np.diagonal(Ht, axis1=1, axis2=2)).sum(axis=1)
        lerr = np.abs(L - np.trace(Ht, axis1=1, axis2=2)) / scale
        assert np.median(lerr) <= 1e-8 and lerr.max() <= 1e-5, (np.median(lerr), lerr.max())

    @pytest.mark.parametrize("box", list(BOXES))
    def test_jacobian_inside(self, box):
        lo, hi = BOXES[box]
        _, F = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        Jt = np.stack([g_exp(X), g_sincos(X), g_log(X)], axis=1)
        err = rel_rows(P.jacobian(F, X, bounds=(lo, hi)), Jt)
        assert err.max() <= 1e-7, err.max()

    @pytest.mark.parametrize("box", list(BOXES))
    def test_directional_inside(self, box):
        lo, hi = BOXES[box]
        f, _ = _make_boxed(lo, hi)
        X = _box_points(lo, hi)
        v = np.linspace(-1, 1, N_DIM)
        # keep the points whose line along +-v stays in the box for a length >= 0.02
        # (at a corner the line may leave the box both ways: see the next test)
        def room(s):
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.where(s * v > 0, (hi - X) / (s * v), np.where(s * v < 0, (lo - X) / (s * v), np.inf))
            return t.min(axis=1)
        keep = np.maximum(room(1.0), room(-1.0)) >= 0.02
        assert keep.sum() >= 20
        X = X[keep]
        d = P.directional(f, X, v, bounds=(lo, hi))
        true = g_box(X) @ (v / np.linalg.norm(v))
        np.testing.assert_allclose(d, true, rtol=1e-7, atol=1e-7 * np.abs(g_box(X)).max())

    def test_directional_line_leaves_box_both_ways(self):
        # at the corner (0, 0) of [0, 1]^2 the line along (1, -1) leaves the box
        # in both directions: an error naming the problem, or NaN with
        # success False -- never a silent number, never a stray RuntimeWarning
        f, _ = _make_boxed(0.0, 1.0)
        g = lambda X: f(np.hstack([X, np.full((len(X), N_DIM - 2), 0.5)]))
        X = np.array([[0.0, 0.0], [0.5, 0.5]])
        try:
            r = P.directional(g, X, np.array([1.0, -1.0]), bounds=(0.0, 1.0),
                              full_output=True)
        except ValueError as e:
            assert "bound" in str(e) or "v" in str(e)
            return
        assert not np.isfinite(r.value[0]) and not r.success[0]
        assert np.isfinite(r.value[1]) and r.success[1]

    def test_one_dimensional_derivative_inside(self):
        def f(x):
            x = np.asarray(x)
            assert np.all(x.real >= 0) and np.all(x.real <= 1), x
            return np.exp(x) * np.sin(3 * x)
        x = np.array([0.0, 1e-8, 1e-6, 0.3, 1 - 1e-6, 1.0])
        d = P.derivative(f, x, bounds=(0.0, 1.0))
        true = np.exp(x) * (np.sin(3 * x) + 3 * np.cos(3 * x))
        np.testing.assert_allclose(d, true, rtol=1e-7)
        d2 = P.derivative(f, x, order=2, bounds=(0.0, 1.0))
        true2 = np.exp(x) * (-8 * np.sin(3 * x) + 6 * np.cos(3 * x))
        np.testing.assert_allclose(d2, true2, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------
# 6. exact zeros
# ---------------------------------------------------------------------------

class TestZeroDerivative:
    def test_constant_function(self):
        const = lambda X: np.full(len(X), 3.25)
        X = X_PTS[:30]
        r = P.gradient(const, X, full_output=True)
        assert np.all(np.abs(r.value) <= 1e-12)
        assert r.success.all()
        assert np.all(np.isfinite(r.error))
        r_other = P.gradient(f_exp, X, full_output=True)
        assert r.nfev <= r_other.nfev
        rh = P.hessian(const, X, full_output=True)
        assert np.all(np.abs(rh.value) <= 1e-8) and rh.success.all()
        rl = P.laplacian(const, X, full_output=True)
        assert np.all(np.abs(rl.value) <= 1e-8) and rl.success.all()

    def test_unused_coordinates(self):
        f = lambda X: np.sum(np.sin(X[:, :5]), axis=-1)
        X = X_PTS[:30]
        r = P.gradient(f, X, full_output=True)
        assert np.all(np.abs(r.value[:, 5:]) <= 1e-12), np.abs(r.value[:, 5:]).max()
        assert r.success.all()
        err = rel_rows(r.value[:, :5], np.cos(X[:, :5]))
        assert err.max() <= 1e-8
        H = P.hessian(f, X)
        assert np.all(np.abs(H[:, 5:, :]) <= 1e-8) and np.all(np.abs(H[:, :, 5:]) <= 1e-8)
        J = P.jacobian(lambda X: np.stack([f(X), X[:, 0] * 0.0], -1), X)
        assert np.all(np.abs(J[:, 1]) <= 1e-12)

    def test_linear_function_exact(self):
        a = np.arange(1.0, N_DIM + 1)
        f = lambda X: X @ a + 2.0
        G = P.gradient(f, X_PTS[:30])
        np.testing.assert_allclose(G, np.broadcast_to(a, G.shape), rtol=1e-10)


# ---------------------------------------------------------------------------
# 7. behaviour contract
# ---------------------------------------------------------------------------

def _rowwise(fs):
    """vectorized wrapper of a one-point function: identical arithmetic per row."""
    return lambda X, *a, **k: np.array([fs(x, *a, **k) for x in X])


def f_scalar(x, a=1.0, b=0.0):
    return np.sum(np.exp(0.1 * a * x)) + b * np.sin(x[0]) * np.cos(x[-1])


def F_scalar(x, a=1.0, b=0.0):
    return np.array([np.sum(np.sin(a * x)), b * x[0] * x[1], np.prod(np.cos(x))])


class TestVectorizedFalse:
    X = X_PTS[:12, :4]

    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian"])
    def test_equals_vectorized(self, kind):
        fs = F_scalar if kind == "jacobian" else f_scalar
        v1 = getattr(P, kind)(_rowwise(fs), self.X)
        v2 = getattr(P, kind)(fs, self.X, vectorized=False)
        assert v1.shape == v2.shape
        np.testing.assert_allclose(v2, v1, rtol=1e-14, atol=1e-14 * np.abs(v1).max())

    def test_vector_hessian_equals_vectorized(self):
        v1 = P.hessian(_rowwise(F_scalar), self.X)
        v2 = P.hessian(F_scalar, self.X, vectorized=False)
        assert v1.shape == v2.shape == (12, 3, 4, 4)
        np.testing.assert_allclose(v2, v1, rtol=1e-14, atol=1e-14 * np.abs(v1).max())

    def test_single_point_arguments(self):
        seen = []

        def fs(x):
            seen.append(np.shape(x))
            return f_scalar(x)
        P.gradient(fs, self.X[:3], vectorized=False)
        assert set(seen) == {(4,)}

    def test_full_output_equal(self):
        r1 = P.gradient(_rowwise(f_scalar), self.X, full_output=True)
        r2 = P.gradient(f_scalar, self.X, vectorized=False, full_output=True)
        assert r1.nfev == r2.nfev
        np.testing.assert_allclose(r2.value, r1.value, rtol=1e-14)
        np.testing.assert_array_equal(r2.success, r1.success)


class TestArgs:
    X = X_PTS[:10, :4]

    def test_args_kwargs_gradient(self):
        vec = _rowwise(f_scalar)
        G = P.gradient(vec, self.X, args=(2.0,), kwargs={"b": 3.0})
        G_ref = P.gradient(lambda X: vec(X, 2.0, b=3.0), self.X)
        np.testing.assert_array_equal(G, G_ref)
        G0 = P.gradient(vec, self.X)
        assert not np.allclose(G, G0)
        G2 = P.gradient(f_scalar, self.X, args=(2.0,), kwargs={"b": 3.0}, vectorized=False)
        np.testing.assert_allclose(G2, G, rtol=1e-14)

    @pytest.mark.parametrize("kind", ["hessian", "laplacian", "jacobian", "directional",
                                      "derivative"])
    def test_args_kwargs_everywhere(self, kind):
        got = {}

        def f(X, a, *, b):
            got["a"], got["b"] = a, b
            X = np.asarray(X)
            if kind == "derivative":
                return np.sin(a * X) + b
            if kind == "jacobian":
                return np.stack([np.sin(a * X[:, 0]), b * X[:, 1]], -1)
            return np.sum(np.sin(a * X), axis=-1) + b
        fn = getattr(P, kind)
        extra = (np.ones(4),) if kind == "directional" else ()
        x = self.X[:, 0] if kind == "derivative" else self.X
        fn(f, x, *extra, args=(1.5,), kwargs={"b": 0.5})
        assert got == {"a": 1.5, "b": 0.5}


class MyError(Exception):
    pass


class TestExceptions:
    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian",
                                      "derivative"])
    @pytest.mark.parametrize("vectorized", [True, False])
    def test_exception_propagates_unchanged(self, kind, vectorized):
        exc = MyError("boom: f failed at some point (code 42)")

        def f(X):
            raise exc
        x = X_PTS[:5, 0] if kind == "derivative" else X_PTS[:5, :3]
        kw = {} if kind == "derivative" else {"vectorized": vectorized}
        with pytest.raises(MyError, match=r"boom: f failed at some point \(code 42\)") as info:
            getattr(P, kind)(f, x, **kw)
        assert info.value is exc

    def test_exception_later_call(self):
        # raised only after some successful evaluations (e.g. in a later chunk)
        calls = [0]

        def f(X):
            calls[0] += 1
            if calls[0] > 2:
                raise KeyError("late")
            return f_exp(X)
        with pytest.raises(KeyError, match="late"):
            P.gradient(f, X_PTS, max_memory=4096)

    def test_exception_types_kept(self):
        def f(X):
            raise ZeroDivisionError("division by zero in f")
        with pytest.raises(ZeroDivisionError, match="division by zero in f"):
            P.gradient(f, X_PTS[:3])


class TestWrongShapes:
    def _last_rows(self):
        rows = []

        def track(X):
            X = np.asarray(X)
            rows.append(X.shape[0])
            return X
        return rows, track

    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian"])
    def test_too_long(self, kind):
        rows, track = self._last_rows()

        def f(X):
            X = track(X)
            return np.zeros(len(X) + 1)
        with pytest.raises(ValueError, match="shape") as info:
            getattr(P, kind)(f, X_PTS[:5, :3])
        assert str(rows[-1]) in str(info.value), (rows[-1], str(info.value))

    def test_too_short(self):
        with pytest.raises(ValueError, match="shape"):
            P.gradient(lambda X: np.zeros(len(X) - 1), X_PTS[:5, :3])

    def test_scalar_return(self):
        with pytest.raises(ValueError, match="shape"):
            P.gradient(lambda X: 1.0, X_PTS[:5, :3])

    def test_vector_for_gradient(self):
        with pytest.raises(ValueError, match="shape"):
            P.gradient(lambda X: np.zeros((len(X), 3)), X_PTS[:5, :3])

    def test_three_d_for_jacobian(self):
        with pytest.raises(ValueError, match="shape"):
            P.jacobian(lambda X: np.zeros((len(X), 2, 2)), X_PTS[:5, :3])

    def test_wrong_rows_for_jacobian(self):
        with pytest.raises(ValueError, match="shape"):
            P.jacobian(lambda X: np.zeros((len(X) + 2, 2)), X_PTS[:5, :3])

    def test_vectorized_false_wrong_shape(self):
        with pytest.raises(ValueError, match="shape"):
            P.gradient(lambda x: np.zeros(2), X_PTS[:5, :3], vectorized=False)

    def test_wrong_dtype(self):
        with pytest.raises(ValueError):
            P.gradient(lambda X: np.array(["a"] * len(X)), X_PTS[:5, :3])

    def test_derivative_wrong_shape(self):
        with pytest.raises(ValueError, match="shape"):
            P.derivative(lambda x: np.zeros(3), np.linspace(0, 1, 7).reshape(7, 1) + np.zeros((7, 2)))


class TestNaN:
    def _points(self):
        X = X_PTS[:40].copy()
        X[17] = 10.0          # far away from the others
        return X

    @staticmethod
    def f_nan(X):
        v = f_nn(X)
        return np.where(X[:, 0] > 5.0, np.nan, v)

    @staticmethod
    def F_nan(X):
        v = F_vec(X)
        return np.where((X[:, 0] > 5.0)[:, None], np.nan, v)

    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian"])
    def test_nan_only_spoils_its_point(self, kind):
        X = self._points()
        f, fc = (self.F_nan, F_vec) if kind == "jacobian" else (self.f_nan, f_nn)
        r = getattr(P, kind)(f, X, full_output=True)
        clean = getattr(P, kind)(fc, X, full_output=True)
        bad = np.zeros(len(X), bool)
        bad[17] = True
        assert not np.isfinite(r.value[17]).any(), r.value[17]
        assert not r.success[17].any()
        assert np.isfinite(r.value[~bad]).all()
        assert r.success[~bad].all()
        np.testing.assert_array_equal(r.value[~bad], clean.value[~bad])

    def test_nan_vectorized_false(self):
        X = self._points()[:20, :4]
        fs = lambda x: np.nan if x[0] > 5 else np.sum(np.sin(x))
        r = P.gradient(fs, X, vectorized=False, full_output=True)
        assert not np.isfinite(r.value[17]).any() and not r.success[17].any()
        others = np.delete(np.arange(20), 17)
        np.testing.assert_allclose(r.value[others], np.cos(X[others]), rtol=1e-9)
        assert r.success[others].all()

    def test_nan_single_point(self):
        r = P.gradient(self.f_nan, np.full(N_DIM, 10.0), full_output=True)
        assert r.value.shape == (N_DIM,)
        assert not np.isfinite(r.value).any() and not r.success.any()


class TestChunking:
    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian"])
    def test_chunked_equals_unchunked(self, kind):
        X = X_PTS[:60]
        f = F_vec if kind == "jacobian" else f_nn
        c_big, c_small = Counter(f), Counter(f)
        r1 = getattr(P, kind)(c_big, X, full_output=True)
        r2 = getattr(P, kind)(c_small, X, max_memory=4096, full_output=True)
        np.testing.assert_array_equal(r2.value, r1.value)
        np.testing.assert_array_equal(r2.error, r1.error)
        np.testing.assert_array_equal(r2.success, r1.success)
        assert r1.nfev == r2.nfev
        assert c_small.rows == c_big.rows
        assert c_small.calls > c_big.calls
        assert c_small.max_rows < c_big.max_rows

    def test_chunked_single_point_hessian(self):
        # one point's Hessian stencil (n = 10) is larger than 4096 bytes
        a = P.hessian(f_nn, X_PTS[0], max_memory=4096)
        b = P.hessian(f_nn, X_PTS[0])
        np.testing.assert_array_equal(a, b)

    def test_chunked_vector_laplacian_and_directional(self):
        X = X_PTS[:30]
        np.testing.assert_array_equal(P.laplacian(F_vec, X, max_memory=4096),
                                      P.laplacian(F_vec, X))
        v = np.linspace(1, 2, N_DIM)
        np.testing.assert_array_equal(P.directional(F_vec, X, v, max_memory=4096),
                                      P.directional(F_vec, X, v))

    def test_chunked_derivative(self):
        x = np.linspace(-3, 3, 2000).reshape(40, 50)
        np.testing.assert_array_equal(P.derivative(np.sin, x, max_memory=4096),
                                      P.derivative(np.sin, x))

    def test_threads_invariant(self):
        X = X_PTS[:50]
        for kind in ["gradient", "hessian"]:
            a = getattr(P, kind)(f_nn, X, num_threads=1)
            b = getattr(P, kind)(f_nn, X, num_threads=2)
            c = getattr(P, kind)(f_nn, X, num_threads=-1)
            np.testing.assert_array_equal(a, b)
            np.testing.assert_array_equal(a, c)


class TestShapes:
    def test_single_point_shapes(self):
        x = X_PTS[0]
        assert P.gradient(f_nn, x).shape == (N_DIM,)
        assert P.hessian(f_nn, x).shape == (N_DIM, N_DIM)
        assert np.ndim(P.laplacian(f_nn, x)) == 0
        assert P.jacobian(F_vec, x).shape == (4, N_DIM)
        assert P.hessian(F_vec, x).shape == (4, N_DIM, N_DIM)
        assert P.laplacian(F_vec, x).shape == (4,)
        assert np.ndim(P.directional(f_nn, x, np.ones(N_DIM))) == 0
        assert P.directional(F_vec, x, np.ones(N_DIM)).shape == (4,)

    def test_single_point_equals_batch_row(self):
        x = X_PTS[3]
        np.testing.assert_allclose(P.gradient(f_nn, x), P.gradient(f_nn, X_PTS[3:4])[0],
                                   rtol=1e-15)
        np.testing.assert_allclose(P.hessian(f_nn, x), P.hessian(f_nn, X_PTS[3:4])[0],
                                   rtol=1e-15)

    def test_batch_shapes(self):
        X = X_PTS[:7]
        assert P.gradient(f_nn, X).shape == (7, N_DIM)
        assert P.hessian(f_nn, X).shape == (7, N_DIM, N_DIM)
        assert P.laplacian(f_nn, X).shape == (7,)
        assert P.jacobian(F_vec, X).shape == (7, 4, N_DIM)
        assert P.laplacian(F_vec, X).shape == (7, 4)
        assert P.directional(f_nn, X, np.ones(N_DIM)).shape == (7,)
        assert P.directional(F_vec, X, np.ones((7, N_DIM))).shape == (7, 4)
        assert P.gradient(f_nn, X[:1]).shape == (1, N_DIM)

    def test_one_coordinate(self):
        f = lambda X: np.sin(X[:, 0])
        x = np.linspace(-1, 1, 9)[:, None]
        G = P.gradient(f, x)
        assert G.shape == (9, 1)
        np.testing.assert_allclose(G[:, 0], np.cos(x[:, 0]), rtol=1e-10)
        H = P.hessian(f, x)
        assert H.shape == (9, 1, 1)
        np.testing.assert_allclose(H[:, 0, 0], -np.sin(x[:, 0]), rtol=1e-6, atol=1e-7)

    def test_list_and_int_input(self):
        f = lambda X: X[:, 0] ** 2 * X[:, 1]
        G_list = P.gradient(f, [[1, 2], [3, 4]])
        G_arr = P.gradient(f, np.array([[1.0, 2.0], [3.0, 4.0]]))
        assert G_list.dtype == np.float64
        np.testing.assert_array_equal(G_list, G_arr)
        np.testing.assert_allclose(G_arr, [[4, 1], [24, 9]], rtol=1e-10)

    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian",
                                      "derivative"])
    def test_empty_batch(self, kind):
        # N = 0 points: an empty result of the right shape (NumPy convention),
        # or at least a ValueError naming x -- never an IndexError/AttributeError
        f = {"jacobian": lambda X: np.stack([X[:, 0], X[:, 1]], -1),
             "derivative": np.sin}.get(kind, lambda X: _rowsum(np.sin(X)))
        x = np.zeros((0, 4))
        expect = {"gradient": (0, 4), "hessian": (0, 4, 4), "laplacian": (0,),
                  "jacobian": (0, 2, 4), "derivative": (0, 4)}[kind]
        try:
            out = getattr(P, kind)(f, x)
        except ValueError as e:
            assert "x" in str(e)
            return
        assert out.shape == expect

    def test_input_not_modified(self):
        X = X_PTS[:5].copy()
        X0 = X.copy()
        P.gradient(f_nn, X)
        P.hessian(f_nn, X)
        np.testing.assert_array_equal(X, X0)

    def test_non_contiguous_input(self):
        big = np.asfortranarray(np.repeat(X_PTS[:8], 2, axis=0))
        X = big[::2]
        np.testing.assert_array_equal(P.gradient(f_nn, X),
                                      P.gradient(f_nn, np.ascontiguousarray(X)))


class TestStep:
    def test_fixed_step_central(self):
        X = X_PTS[:10]
        h = 1e-3
        G = P.gradient(f_exp, X, step=h, adaptive=False)
        E = np.eye(N_DIM)
        manual = np.stack([(f_exp(X + h * E[i]) - f_exp(X - h * E[i])) / (2 * h)
                           for i in range(N_DIM)], axis=1)
        np.testing.assert_allclose(G, manual, rtol=1e-9)

    def test_step_per_coordinate(self):
        X = X_PTS[:10]
        h = np.linspace(1e-4, 1e-3, N_DIM)
        G = P.gradient(f_exp, X, step=h, adaptive=False)
        E = np.eye(N_DIM)
        manual = np.stack([(f_exp(X + h[i] * E[i]) - f_exp(X - h[i] * E[i])) / (2 * h[i])
                           for i in range(N_DIM)], axis=1)
        np.testing.assert_allclose(G, manual, rtol=1e-9)

    def test_step_per_element(self):
        X = X_PTS[:10]
        h = np.full(X.shape, 1e-3)
        np.testing.assert_array_equal(P.gradient(f_exp, X, step=h, adaptive=False),
                                      P.gradient(f_exp, X, step=1e-3, adaptive=False))

    def test_user_step_for_badly_scaled_function(self):
        # f varies on a scale of 1e-6: the remedy is an absolute base step
        X = X_PTS[:10, :3] * 1e-6
        f = lambda X: _rowsum(np.sin(1e6 * X))
        r = P.gradient(f, X, step=1e-8, full_output=True)
        true = 1e6 * np.cos(1e6 * X)
        np.testing.assert_allclose(r.value, true, rtol=1e-9)
        assert r.success.all()

    @pytest.mark.parametrize("method,sign", [("forward", 1), ("backward", -1)])
    def test_one_sided_direction(self, method, sign):
        x = X_PTS[0]
        seen = []

        def f(X):
            seen.append(np.array(X, copy=True))
            return f_exp(X)
        P.gradient(f, x, method=method)
        D = sign * (np.vstack(seen) - x)
        assert np.all(D >= -1e-15), D.min()


# ---------------------------------------------------------------------------
# 8. derivative()
# ---------------------------------------------------------------------------

class TestDerivative:
    x = np.random.default_rng(5).uniform(-3, 3, size=(5, 7))

    def test_sin_2d(self):
        d = P.derivative(np.sin, self.x)
        assert d.shape == (5, 7)
        np.testing.assert_allclose(d, np.cos(self.x), rtol=1e-9, atol=1e-11)
        assert np.max(np.abs(d - np.cos(self.x))) <= 1e-10

    def test_exp_3d(self):
        x = np.random.default_rng(6).uniform(-2, 2, size=(2, 3, 4))
        d = P.derivative(np.exp, x)
        assert d.shape == x.shape
        np.testing.assert_allclose(d, np.exp(x), rtol=1e-10)

    def test_scalar_x(self):
        d = P.derivative(np.exp, 1.0)
        assert np.ndim(d) == 0
        assert abs(float(d) - np.e) <= 1e-10 * np.e

    def test_one_d(self):
        x = np.linspace(0.1, 3, 50)
        np.testing.assert_allclose(P.derivative(np.log, x), 1 / x, rtol=1e-10)

    def test_order2(self):
        d2 = P.derivative(np.sin, self.x, order=2)
        assert d2.shape == (5, 7)
        assert np.max(np.abs(d2 + np.sin(self.x))) <= 1e-6 * np.max(np.abs(np.sin(self.x)))
        np.testing.assert_allclose(P.derivative(np.exp, self.x, order=2), np.exp(self.x),
                                   rtol=1e-6)

    def test_order3(self):
        d3 = P.derivative(np.sin, self.x, order=3)
        assert np.max(np.abs(d3 + np.cos(self.x))) <= 1e-4
        np.testing.assert_allclose(P.derivative(np.exp, self.x, order=3), np.exp(self.x),
                                   rtol=1e-4)

    def test_complex_step(self):
        d = P.derivative(np.sin, self.x, method="complex")
        np.testing.assert_allclose(d, np.cos(self.x), rtol=1e-13, atol=1e-15)

    @pytest.mark.parametrize("method", ["forward", "backward"])
    def test_one_sided(self, method):
        d = P.derivative(np.exp, self.x, method=method)
        np.testing.assert_allclose(d, np.exp(self.x), rtol=1e-8)

    @pytest.mark.parametrize("kw", [{"acc": 4}, {"method": "forward"}, {"method": "backward"}],
                             ids=["acc4", "forward", "backward"])
    def test_order2_other_settings(self, kw):
        np.testing.assert_allclose(P.derivative(np.exp, self.x, order=2, **kw), np.exp(self.x),
                                   rtol=1e-6)

    def test_full_output(self):
        r = P.derivative(np.exp, self.x, full_output=True)
        assert r.value.shape == r.error.shape == r.success.shape == self.x.shape
        assert r.success.all()
        true_err = np.abs(r.value - np.exp(self.x))
        frac, _ = _coverage(r.error, true_err, np.exp(self.x), 1e-14)
        assert frac >= 0.9

    def test_polynomial_orders(self):
        x = np.linspace(-1, 2, 11)
        f = lambda t: t ** 4 - 2 * t ** 3 + t
        np.testing.assert_allclose(P.derivative(f, x), 4 * x ** 3 - 6 * x ** 2 + 1,
                                   rtol=1e-9, atol=1e-10)
        np.testing.assert_allclose(P.derivative(f, x, order=2), 12 * x ** 2 - 12 * x,
                                   rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------------------
# 9. directional()
# ---------------------------------------------------------------------------

class TestDirectional:
    X = X_PTS[:50]

    @pytest.mark.parametrize("name", ["exp", "tanh_net", "rational"])
    def test_normalized(self, name):
        f, g, _ = FUNCS[name]
        v = np.linspace(-1, 2, N_DIM)
        d = P.directional(f, self.X, v)
        G = g(self.X)
        true = G @ v / np.linalg.norm(v)
        assert d.shape == (50,)
        np.testing.assert_allclose(d, true, rtol=1e-9,
                                   atol=1e-10 * np.linalg.norm(G, axis=1).max())

    def test_not_normalized(self):
        v = np.linspace(-1, 2, N_DIM)
        d = P.directional(f_nn, self.X, v, normalize=False)
        true = g_nn(self.X) @ v
        np.testing.assert_allclose(d, true, rtol=1e-9,
                                   atol=1e-10 * np.abs(true).max())

    def test_per_point_directions(self):
        V = np.random.default_rng(8).standard_normal((50, N_DIM))
        G = g_nn(self.X)
        d = P.directional(f_nn, self.X, V)
        true = np.sum(G * V, axis=1) / np.linalg.norm(V, axis=1)
        np.testing.assert_allclose(d, true, rtol=1e-9, atol=1e-10 * np.abs(true).max())
        d2 = P.directional(f_nn, self.X, V, normalize=False)
        np.testing.assert_allclose(d2, np.sum(G * V, axis=1), rtol=1e-9,
                                   atol=1e-10 * np.abs(true).max())

    def test_vector_function(self):
        v = np.linspace(1, 2, N_DIM)
        d = P.directional(F_vec, self.X, v)
        true = J_vec(self.X) @ (v / np.linalg.norm(v))
        assert d.shape == (50, 4)
        np.testing.assert_allclose(d, true, rtol=1e-9, atol=1e-10 * np.abs(true).max())

    def test_equals_gradient_dot(self):
        v = np.linspace(-1, 2, N_DIM)
        G = P.gradient(f_sincos, self.X)
        d = P.directional(f_sincos, self.X, v)
        np.testing.assert_allclose(d, G @ v / np.linalg.norm(v), rtol=1e-8,
                                   atol=1e-9 * np.abs(G).max())

    def test_complex_step(self):
        v = np.linspace(-1, 2, N_DIM)
        d = P.directional(f_nn, self.X, v, method="complex")
        np.testing.assert_allclose(d, g_nn(self.X) @ v / np.linalg.norm(v), rtol=1e-12,
                                   atol=1e-13)

    def test_single_point(self):
        x = X_PTS[0]
        v = np.ones(N_DIM)
        d = P.directional(f_exp, x, v, normalize=False)
        assert np.ndim(d) == 0
        assert abs(float(d) - g_exp(x[None])[0].sum()) <= 1e-9 * abs(g_exp(x[None])[0].sum())


# ---------------------------------------------------------------------------
# bad arguments
# ---------------------------------------------------------------------------

X_SMALL = X_PTS[:4, :3]
ERR = (ValueError, TypeError)


class TestBadArguments:
    @pytest.mark.parametrize("kind", ["gradient", "hessian", "laplacian", "jacobian",
                                      "derivative", "directional"])
    def test_f_not_callable(self, kind):
        extra = (np.ones(3),) if kind == "directional" else ()
        with pytest.raises(ERR, match="f must be callable"):
            getattr(P, kind)(np.ones(3), X_SMALL, *extra)

    def test_x_ndim_3(self):
        with pytest.raises(ValueError, match="x"):
            P.gradient(f_exp, np.zeros((2, 3, 4)))
        with pytest.raises(ValueError, match="x"):
            P.hessian(f_exp, np.zeros((2, 3, 4)))

    @pytest.mark.parametrize("acc", [1, 3, 0, -2])
    def test_bad_acc(self, acc):
        with pytest.raises(ERR, match="acc"):
            P.gradient(f_exp, X_SMALL, acc=acc)

    def test_unknown_method(self):
        with pytest.raises(ValueError, match="method"):
            P.gradient(f_exp, X_SMALL, method="centered-ish")

    @pytest.mark.parametrize("kind", ["hessian", "laplacian"])
    def test_complex_second_derivative(self, kind):
        with pytest.raises(ValueError, match="method|complex"):
            getattr(P, kind)(f_exp, X_SMALL, method="complex")

    def test_complex_derivative_order2(self):
        with pytest.raises(ValueError, match="method|complex|order"):
            P.derivative(np.sin, np.ones(3), order=2, method="complex")

    def test_num_threads_zero(self):
        with pytest.raises(ValueError, match="num_threads"):
            P.gradient(f_exp, X_SMALL, num_threads=0)

    @pytest.mark.parametrize("mm", [0, -1])
    def test_max_memory(self, mm):
        with pytest.raises(ValueError, match="max_memory"):
            P.gradient(f_exp, X_SMALL, max_memory=mm)

    @pytest.mark.parametrize("bounds", [(1.0, 1.0), (2.0, -2.0),
                                        (np.zeros(3), np.array([1.0, 0.0, 1.0]))])
    def test_bounds_lower_ge_upper(self, bounds):
        with pytest.raises(ValueError, match="bounds"):
            P.gradient(f_exp, np.full((2, 3), 0.5), bounds=bounds)

    def test_bounds_wrong_length(self):
        with pytest.raises(ValueError, match="bounds"):
            P.gradient(f_exp, np.full((2, 3), 0.5), bounds=(np.zeros(2), np.ones(2)))

    def test_x_outside_bounds(self):
        with pytest.raises(ValueError, match="bounds|x"):
            P.gradient(f_exp, np.array([[0.5, 0.5, 1.5]]), bounds=(0.0, 1.0))
        with pytest.raises(ValueError, match="bounds|x"):
            P.gradient(f_exp, np.array([[-1e-9, 0.5, 0.5]]), bounds=(0.0, 1.0))

    def test_directional_bad_v_shape(self):
        with pytest.raises(ValueError, match="v"):
            P.directional(f_exp, X_SMALL, np.ones(4))

    def test_directional_zero_v(self):
        # a zero direction cannot be normalised: error or 0, never a silent NaN
        try:
            d = P.directional(f_exp, X_SMALL, np.zeros(3))
        except ValueError:
            return
        assert np.all(np.isfinite(d))

    def test_bad_order(self):
        with pytest.raises(ERR, match="order"):
            P.derivative(np.sin, np.ones(3), order=0)
