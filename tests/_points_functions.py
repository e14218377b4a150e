"""Test functions of fd.points' tests: smooth functions of n = 10 coordinates
with analytic gradients and Hessians, a vector function, seeded points."""
import numpy as np

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


def _rowwise(fs):
    """vectorized wrapper of a one-point function: identical arithmetic per row."""
    return lambda X, *a, **k: np.array([fs(x, *a, **k) for x in X])


def f_scalar(x, a=1.0, b=0.0):
    return np.sum(np.exp(0.1 * a * x)) + b * np.sin(x[0]) * np.cos(x[-1])


def F_scalar(x, a=1.0, b=0.0):
    return np.array([np.sum(np.sin(a * x)), b * x[0] * x[1], np.prod(np.cos(x))])


X_SMALL = X_PTS[:4, :3]


ERR = (ValueError, TypeError)


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


def _coverage(est_err, true_err, scale, floor):
    """fraction of the elements with a true error above floor*scale whose
    estimated error covers the true error (1.0 when no element counts)."""
    considered = true_err > floor * scale
    if not considered.any():
        return 1.0, 0
    return float(np.mean(est_err[considered] >= true_err[considered])), int(considered.sum())
