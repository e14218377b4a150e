"""`GridFit`: the fit of samples on a tensor grid (the grid engine at query
points, fd.grid plans or smoothing tables at the samples)."""
from __future__ import annotations

import numpy as np

from .. import _validation as V
from . import _smoothing
from ._fit import Fit, Result
from ._grid_engine import LIMITS

__all__ = ["GridFit", "grid_of_cloud"]


def grid_of_cloud(P):
    """If the rows of P (N, n) are a complete tensor grid, each exactly once:
    (axes' sorted coordinates, flat grid index of every row); else None."""
    N, n = P.shape
    axes, index = [], []
    for d in range(n):
        u, inv = np.unique(P[:, d], return_inverse=True)
        axes.append(u)
        index.append(inv.reshape(-1))
    lens = tuple(len(u) for u in axes)
    if int(np.prod([float(x) for x in lens])) != N:
        return None
    flat = np.ravel_multi_index(tuple(index), lens)
    if np.bincount(flat, minlength=N).max() != 1:
        return None
    return axes, flat


class GridFit(Fit):
    """A `Fit` of gridded samples (see `fastdiff.data.fit`): ``acc`` the
    interpolation order, or ``window``/``degree`` the smoothing fit."""

    def __init__(self, engine, vector, is_complex, flip, perm, acc, window, degree, extrapolate):
        super().__init__(engine, vector, is_complex, extrapolate)
        self._flip = flip          # axes whose coordinates were given decreasing
        self._perm = perm          # cloud row -> flat grid index (None: grid input)
        self.acc = acc
        self.window = window       # per axis, or None (interpolation)
        self.degree = degree
        self.extrapolate = extrapolate
        self.ndim = engine.n
        self.ncomp = engine.m // (2 if is_complex else 1)
        lo = np.where(np.isin(np.arange(engine.n), flip), -engine.hi, engine.lo)
        hi = np.where(np.isin(np.arange(engine.n), flip), -engine.lo, engine.hi)
        self._box = (lo, hi)      # in the user's coordinates

    def __repr__(self):
        how = (f"acc={self.acc}" if self.window is None
               else f"smoothing={self.window}, degree={self.degree}")
        shape = "x".join(str(n) for n in self._engine.lens)
        comps = f", {self.ncomp} components" if self._vector else ""
        return f"<fastdiff.data.Fit: grid {shape}{comps}, {how}>"

    def _queries(self, q):
        """(Q (M, n) float64 as given, single); checked by chunks in ``_eval``."""
        return V.data_queries(q, self.ndim)

    def _check_chunk(self, qc, c0):
        """Raise for the first query of a chunk that is not finite or (unless
        extrapolating) outside the sampled box; ``c0`` its first index."""
        V.data_query_chunk(qc, c0, None, "")
        if not self.extrapolate:
            lo, hi = self._box
            out = np.flatnonzero(((qc < lo) | (qc > hi)).any(axis=1))
            V.data_query_chunk(qc, c0, int(out[0]) if len(out) else -1,
                               f"the sampled box {list(zip(lo.tolist(), hi.tolist()))}")

    def _orders_needed(self, terms):
        return [max(a[d] for a, _ in terms) for d in range(self.ndim)]

    def _check_nodes(self, terms, acc, window, degree):
        e = self._engine
        K = self._orders_needed(terms)
        for d, (n_d, k) in enumerate(zip(e.lens, K)):
            V.data_axis_samples(d, n_d, k, acc, None if window is None else window[d], degree,
                                LIMITS["max_window"])

    def _signs(self, terms):
        """Terms with the sign flips of decreasing axes folded in."""
        if not self._flip:
            return terms
        out = []
        for a, ds in terms:
            s = (-1.0) ** sum(a[d] for d in self._flip)
            out.append((a, [(o, c * s) for o, c in ds]))
        return out

    def _eval(self, Q, terms, tail, nthreads, acc, window, degree):
        """(M, mm, *tail) float64 outputs of the engine."""
        e = self._engine
        M = Q.shape[0]
        size = int(np.prod(tail)) if tail else 1
        out = np.empty((M, e.m) + tuple(tail))
        e.evaluate(Q, self._signs(terms), out.reshape(-1), e.m * size, size, nthreads,
                   acc=acc, window=window, degree=degree, flip=self._flip,
                   check=self._check_chunk)
        return out

    def _at_samples(self, terms, tail, nthreads, acc, window, degree):
        """(*lens, mm, *tail) at every node of the grid."""
        e = self._engine
        if window is not None and max(window) > _smoothing.MAX_TABLE_WIDTH:
            # (queries in the user's coordinates: decreasing axes are stored
            # negated, and `_eval` negates its queries' again)
            mesh = np.meshgrid(*[-x if d in self._flip else x for d, x in enumerate(e.coords)],
                               indexing="ij")
            Q = np.stack([g.ravel() for g in mesh], axis=1)
            r = self._eval(Q, terms, tail, nthreads, acc, window, degree)
            return r.reshape(e.lens + r.shape[1:])
        if window is not None:
            # least-squares tables at the nodes, one grid-kernel pass per axis;
            # a term with one destination, its only writer, gets its last
            # pass stored there directly
            out = np.empty(e.lens + (e.m,) + tuple(tail))
            flat = out.reshape(e.lens + (e.m, -1))
            signed = self._signs(terms)
            writers = {}
            for _, ds in signed:
                for o, _c in ds:
                    writers[o] = writers.get(o, 0) + 1
            direct = [flat[..., ds[0][0]] if len(ds) == 1 and ds[0][1] == 1.0
                      and writers[ds[0][0]] == 1 else None for _, ds in signed]
            res = _smoothing.at_nodes(e, [a for a, _ in terms], window, degree, nthreads,
                                      e._tables, direct)
            started = set()
            for (a, ds), r, d in zip(signed, res, direct):
                if d is not None:
                    continue
                for o, c in ds:
                    if o in started:
                        flat[..., o] += c * r
                    else:
                        np.multiply(r, c, out=flat[..., o])
                        started.add(o)
            return out
        from ..grid import D
        n = self.ndim
        spacing = [x if s[0] == "coords" else s[1] for x, s in zip(e.coords, e.specs)] + [1.0]
        out = np.zeros(e.lens + (e.m,) + tuple(tail))
        flat = out.reshape(e.lens + (e.m, -1))
        for a, ds in self._signs(terms):
            op = None
            for d in range(n):
                if a[d]:
                    op = D(d, a[d]) if op is None else op * D(d, a[d])
            r = e.values if op is None else op(e.values, spacing=spacing, acc=acc,
                                               num_threads=nthreads)
            for o, c in ds:
                flat[..., o] += c * r
        return out

    def _raw(self, q, terms, tail, num_threads, acc, window, degree):
        """(raw (L, mm, *tail) float64, lead shape, single) at q or the samples."""
        nthreads = V.num_threads(num_threads)
        self._check_nodes(terms, acc, window, degree)
        if q is None:
            raw = self._at_samples(terms, tail, nthreads, acc, window, degree)
            lead = raw.shape[:self.ndim]
            raw = raw.reshape((-1,) + raw.shape[self.ndim:])
            if self._perm is not None:
                raw = raw[self._perm]
                lead = (raw.shape[0],)
            return raw, lead, False
        Q, single = self._queries(q)
        return self._eval(Q, terms, tail, nthreads, acc, window, degree), (Q.shape[0],), single

    def _run(self, q, terms, tail, full_output, num_threads, keep_comp=False):
        acc, window, degree = self.acc, self.window, self.degree
        raw, lead, single = self._raw(q, terms, tail, num_threads, acc, window, degree)
        value = self._shape(raw, lead, single, keep_comp)
        if not full_output:
            return value
        alt = self._alternative(terms, acc, window, degree)
        if alt is None:
            err = np.full(value.shape, np.nan)
        else:
            raw2 = self._raw(q, terms, tail, num_threads, *alt)[0]
            other = self._shape(raw2, lead, single, keep_comp)
            # twice the difference (the second estimate is not exact either),
            # plus the rounding of both
            err = 2.0 * np.abs(other - value) + 8 * np.finfo(float).eps * (
                np.abs(value) + np.abs(other))
            noise = self._noise(terms, tail)
            if noise is not None:
                err = err + noise
        ok = np.isfinite(value) & np.isfinite(err)
        return Result(value, err, ok)

    def _noise(self, terms, tail):
        """With smoothing: twice the standard deviation the samples' noise
        (`_smoothing.engine_sigma`) gives each output, from the largest
        weight norms of the fit's tables, or None.  The difference of two
        fits alone left noise out: estimates covered 26-83 % of the true
        errors on noisy data."""
        if self.window is None:
            return None
        e = self._engine
        if "sigma" not in e._tables:
            e._tables["sigma"] = _smoothing.engine_sigma(e)
        sigma = e._tables["sigma"]
        if not sigma:
            return None
        var = np.zeros(int(np.prod(tail)) if tail else 1)
        for a, ds in terms:
            v = 1.0
            for d in range(self.ndim):
                t = _smoothing.cached_table(e, e._tables, d, self.window[d], self.degree, a[d])
                v *= _smoothing.max_sq_norm(t)
            for o, c in ds:
                var[o] += c * c * v
        return 2.0 * sigma * np.sqrt(var).reshape(tuple(tail))

    def _alternative(self, terms, acc, window, degree):
        """A second estimate for the error: (acc, window, degree) or None."""
        e = self._engine
        K = self._orders_needed(terms)
        if window is None:
            for a in (acc + 2, acc - 2):
                if a >= 2 and all(n_d >= a + k for n_d, k in zip(e.lens, K)):
                    return a, None, None
            return None
        for dg in (degree + 2, degree + 1, degree - 1):
            if dg >= max(K) and all(w >= dg + 1 for w in window) and dg <= LIMITS["max_degree"]:
                return acc, window, dg
        return None
