"""Pure-NumPy twin of :mod:`fastdiff.data` (the tests' oracle).

``fit(points, values, ...)`` has the signature and semantics of
:func:`fastdiff.data.fit` for gridded samples, written with NumPy fancy
indexing, :func:`numpy.einsum` and :func:`numpy.linalg.pinv`, no kernels and
no threads.  Per query point and axis (``K`` the highest order asked along
the axis):

* locate the interval ``x[i] <= t <= x[i+1]``;
* interpolation, off the nodes: the ``G = acc + K`` nodes centred on the
  nearest node (odd G) or on the interval (even G), shifted inside at the
  edges, and Fornberg weights of every order at t (one local polynomial);
* interpolation, on a node: ``fastdiff.grid``'s stencil of each order at
  that node, with ``boundary="one-sided"`` (central stencil of
  ``stencil(k, acc)`` in the interior of a uniform axis, ``acc + k`` points
  at the edges, the ``clip(i - (p-1)//2, 0, n-p)`` window on non-uniform
  axes), as :mod:`fastdiff.reference` defines them;
* smoothing: the ``window`` nodes placed the same way, and the derivatives
  at t of the least-squares polynomial of ``degree`` (the pseudo-inverse of
  the Vandermonde matrix in coordinates scaled by the largest offset).

A mixed partial is the tensor product of the per-axis weights, summed over
the gathered neighbourhood.  Decreasing coordinates and complex values are
handled as in :mod:`fastdiff.data`.

Scattered points (a cloud that is not a tensor grid): the k nearest samples
of each query by sorting all distances, and ``numpy.linalg.lstsq`` on the
weighted local polynomial system (see ``_ScatteredFit``).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _validation as _V
from .._stencil import fornberg_rows, stencil
from . import nonuniform_row

__all__ = ["fit"]


def _node_stencil(x, uniform_h, i, k, acc):
    """fastdiff.grid's one-sided stencil of order k at node i: (indices, weights)."""
    n = len(x)
    if k == 0:
        return np.array([i]), np.array([1.0])
    p = acc + k
    if uniform_h is not None:
        st = stencil(k, acc)
        m = int(st.offsets[-1])
        if m <= i < n - m:
            return i + st.offsets.astype(int), st.weights / uniform_h**k
        start = 0 if i < m else n - p
        offs = np.arange(start, start + p) - i
        return offs + i, stencil(k, offsets=list(offs)).weights / uniform_h**k
    return nonuniform_row(x, i, k, acc)


def _window(x, t, G):
    n = len(x)
    i = int(np.clip(np.searchsorted(x, t, side="right") - 1, 0, n - 2))
    if G % 2:
        j = i if t - x[i] <= x[i + 1] - t else i + 1
        s = j - (G - 1) // 2
    else:
        s = i - G // 2 + 1
    s = min(max(s, 0), n - G)
    return i, np.arange(s, s + G)


def _lsq_weights(z, degree, k):
    s = np.max(np.abs(z)) or 1.0
    Vm = (z[:, None] / s) ** np.arange(degree + 1)[None, :]
    return math.factorial(k) * np.linalg.pinv(Vm)[k] / s**k


def _axis(x, uniform_h, t, k, K, acc, window, degree):
    """(indices, weights) of order k along one axis at coordinate t."""
    n = len(x)
    if window is None:
        i = int(np.clip(np.searchsorted(x, t, side="right") - 1, 0, n - 2))
        for node in (i, i + 1):
            if t == x[node]:
                return _node_stencil(x, uniform_h, node, k, acc)
        _, idx = _window(x, t, acc + K)
        return idx, fornberg_rows((x[idx] - t)[None, :], k)[0]
    _, idx = _window(x, t, window)
    return idx, _lsq_weights(x[idx] - t, degree, k)


class _Fit:
    def __init__(self, coords, values, vector, is_complex, flip, perm, acc, window, degree,
                 extrapolate):
        self.coords, self.values, self.vector = coords, values, vector
        self.is_complex, self.flip, self.perm = is_complex, flip, perm
        self.acc, self.window, self.degree, self.extrapolate = acc, window, degree, extrapolate
        self.n = len(coords)
        self.h = []
        for x in coords:
            step = (x[-1] - x[0]) / (len(x) - 1)
            self.h.append(step if np.max(np.abs(np.diff(x) - step)) <= 1e-12 * abs(step)
                          else None)

    def _queries(self, q):
        if q is None:
            mesh = np.meshgrid(*[(-x if d in self.flip else x) for d, x in
                                 enumerate(self.coords)], indexing="ij")
            Q = np.stack([g.ravel() for g in mesh], axis=1)
            return Q, False, True
        Q, single = _V.data_queries(q, self.n)
        return Q, single, False

    def _derivative(self, Q, alpha, K):
        """(M, m) values of D^alpha at the queries (engine coordinates)."""
        out = np.empty((len(Q), self.values.shape[-1]), dtype=self.values.dtype)
        for r, t in enumerate(Q):
            idx, wts = [], []
            for d in range(self.n):
                td = -t[d] if d in self.flip else t[d]
                ix, w = _axis(self.coords[d], self.h[d], td, alpha[d], K[d], self.acc,
                              None if self.window is None else self.window[d], self.degree)
                idx.append(ix)
                wts.append(w * (-1.0) ** (alpha[d] * (d in self.flip)))
            block = self.values[np.ix_(*idx)]            # (w_0, ..., w_{n-1}, m)
            for w in reversed(wts):     # the last spatial axis first
                block = np.einsum("...jm,j->...m", block, w)
            out[r] = block
        return out

    def _run(self, q, terms, tail):
        Q, single, at_samples = self._queries(q)
        K = [max(a[d] for a, _ in terms) for d in range(self.n)]
        m = self.values.shape[-1]
        size = int(np.prod(tail)) if tail else 1
        res = np.zeros((len(Q), m, size), dtype=self.values.dtype)
        for a, ds in terms:
            v = self._derivative(Q, a, K)
            for o, c in ds:
                res[:, :, o] += c * v
        res = res.reshape((len(Q), m) + tuple(tail))
        if not self.vector:
            res = res[:, 0]
        if at_samples:
            res = res.reshape(tuple(len(x) for x in self.coords) + res.shape[1:])
            if self.perm is not None:
                res = res.reshape((-1,) + res.shape[self.n:])[self.perm]
            return res
        return res[0] if single else res

    def __call__(self, q=None):
        return self._run(q, [((0,) * self.n, [(0, 1.0)])], ())

    def gradient(self, q=None):
        n = self.n
        return self._run(q, [(tuple(int(d == e) for e in range(n)), [(d, 1.0)])
                             for d in range(n)], (n,))

    def jacobian(self, q=None):
        g = self.gradient(q)
        return g if self.vector else g[..., None, :]

    def hessian(self, q=None):
        n = self.n
        terms = []
        for d in range(n):
            for e in range(d, n):
                a = tuple(int(d == k) + int(e == k) for k in range(n))
                terms.append((a, [(d * n + e, 1.0)] + ([(e * n + d, 1.0)] if e != d else [])))
        return self._run(q, terms, (n, n))

    def laplacian(self, q=None):
        n = self.n
        return self._run(q, [(tuple(2 * int(d == k) for k in range(n)), [(0, 1.0)])
                             for d in range(n)], ())

    def derivative(self, q=None, orders=1):
        return self._run(q, [(_V.data_orders(orders, self.n), [(0, 1.0)])], ())

    def directional(self, q, v, normalize=True):
        vv = _V.data_directions(v, self.n, normalize)
        g = self.gradient(q)
        if vv.ndim == 2 and self.vector:
            vv = vv[:, None, :]
        return np.sum(g * vv, axis=-1)


class _ScatteredFit(_Fit):
    """Scattered samples: per query, the k nearest samples (brute force), the
    weighted least-squares polynomial of degree p in (x - q)/R (R = 1.25 x
    the farthest neighbour's distance, weights (1 - (d/R)^2)^2) by
    numpy.linalg.lstsq, and D^alpha = alpha! c_alpha / R^|alpha|."""

    def __init__(self, P, values, vector, degree, k):
        self.P, self.values, self.vector = P, values, vector
        self.n = P.shape[1]
        self.degree, self.k = degree, k
        self.E = [e for p in range(degree + 1) for e in _exponents(self.n, p)]

    def _queries(self, q):
        if q is None:
            return self.P, False, False
        Q, single = _V.data_queries(q, self.n)
        return Q, single, False

    def _run(self, q, terms, tail):
        Q, single, _ = self._queries(q)
        m = self.values.shape[-1]
        size = int(np.prod(tail)) if tail else 1
        res = np.zeros((len(Q), m, size), dtype=self.values.dtype)
        index = {e: c for c, e in enumerate(self.E)}
        for r, t in enumerate(Q):
            d = np.sqrt(np.sum((self.P - t) ** 2, axis=1))
            nb = np.argsort(d, kind="stable")[:self.k]
            R = 1.25 * d[nb[-1]] or 1.0
            sw = np.clip(1 - (d[nb] / R) ** 2, 0, None)          # sqrt of the weights
            U = (self.P[nb] - t) / R
            Vm = np.stack([np.prod(U ** np.array(e), axis=1) for e in self.E], axis=1)
            coef = np.linalg.lstsq(sw[:, None] * Vm, sw[:, None] * self.values[nb],
                                   rcond=None)[0]
            for a, ds in terms:
                c = coef[index[tuple(a)]] * np.prod([math.factorial(v) for v in a]) \
                    / R ** sum(a)
                for o, cf in ds:
                    res[r, :, o] += cf * c
        res = res.reshape((len(Q), m) + tuple(tail))
        if not self.vector:
            res = res[:, 0]
        return res[0] if single else res


def _exponents(n, p):
    import itertools
    out = []
    for combo in itertools.combinations_with_replacement(range(n), p):
        e = [0] * n
        for d in combo:
            e[d] += 1
        out.append(tuple(e))
    return out


def fit(points, values, *, acc=4, smoothing=None, degree=None, extrapolate=False):
    """The slow twin of :func:`fastdiff.data.fit` (same arguments; the
    returned object has the same methods without ``full_output`` and
    ``num_threads``)."""
    _V.check_acc(acc)
    perm = None
    # (the input rules of fastdiff.data: masked samples, rows of points)
    from ..data._api import _rows_of_points, _unmasked
    values, hidden = _unmasked(values)
    if isinstance(points, (tuple, list)) and all(np.ndim(x) == 1 for x in points) \
            and not _rows_of_points(points, values):
        coords = _V.data_coords(points)
        vals, vector = _V.data_values(values, tuple(len(x) for x in coords))
        if hidden is not None:
            vals[hidden if vector else hidden[..., None]] = np.nan
    else:
        cloud = _V.data_cloud(points)
        vals, vector = _V.data_values(values, (cloud.shape[0],))
        coords = [np.unique(cloud[:, d]) for d in range(cloud.shape[1])]
        grid_like = np.prod([float(len(c)) for c in coords]) == len(cloud) and len(
            np.unique(cloud, axis=0)) == len(cloud)
        if hidden is not None:
            rows = np.asarray(hidden, dtype=bool).reshape(cloud.shape[0], -1).any(axis=1)
            if grid_like:
                vals[rows] = np.nan
            else:
                cloud, vals = cloud[~rows], vals[~rows]
        if not grid_like:
            n = cloud.shape[1]
            p = (4 if n <= 3 else 3 if n <= 5 else 2) if degree is None else int(degree)
            k = int(smoothing) if smoothing is not None else \
                int(math.ceil(1.75 * math.comb(n + p, p)))
            return _ScatteredFit(cloud, vals, vector, p, k)
        index = tuple(np.searchsorted(c, cloud[:, d]) for d, c in enumerate(coords))
        perm = np.ravel_multi_index(index, tuple(len(c) for c in coords))
        grid = np.full(tuple(len(c) for c in coords) + vals.shape[1:], np.nan, dtype=vals.dtype)
        grid.reshape((-1,) + vals.shape[1:])[perm] = vals
        vals = grid
    flip = tuple(d for d, x in enumerate(coords) if x[-1] < x[0])
    coords = [(-x if d in flip else x) for d, x in enumerate(coords)]
    window = _V.data_smoothing(smoothing, len(coords))
    return _Fit(coords, vals, vector, vals.dtype.kind == "c", flip, perm, int(acc), window,
                3 if degree is None else int(degree), bool(extrapolate))
