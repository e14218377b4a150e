"""``fd.data.fit``: derivatives of sampled data, anywhere.

The fit object holds the samples (on a tensor grid: the grid engine) and
evaluates values and derivatives at query points, or at the samples
themselves (``q=None``).  Results put the query axes first and the
derivative axes last: ``gradient`` gives (M, n), ``jacobian`` (M, m, n),
``hessian`` (M, n, n) or (M, m, n, n).
"""
from __future__ import annotations

import math

import numpy as np

from .. import _validation as V
from . import _smoothing
from ._grid_engine import LIMITS, GridEngine

__all__ = ["fit", "Fit", "Result"]


class Result:
    """Derivatives with error estimates (``full_output=True``).

    Attributes
    ----------
    value : ndarray
        The derivatives (the shape the method returns without
        ``full_output``).
    error : ndarray
        Estimated absolute error of each value (same shape): twice the
        difference with a second estimate (interpolation: ``acc + 2``, or
        ``acc - 2`` where the grid is too short; smoothing: a polynomial two
        degrees higher over the same window), plus rounding.
    success : ndarray of bool
        False where the value or its estimate is not finite (NaN samples in
        the window, a singular least-squares window).
    """

    __slots__ = ("value", "error", "success")

    def __init__(self, value, error, success):
        self.value, self.error, self.success = value, error, success

    def __repr__(self):
        return f"Result(value={self.value!r}, error={self.error!r}, success={self.success!r})"


def _grid_of_cloud(P):
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


class Fit:
    """Samples of a function, ready for derivatives anywhere.

    Made by `fastdiff.data.fit`; see there for the parameters.  Every method
    takes query points ``q`` ((M, n), or (n,) for one point) or ``q=None``
    for the samples themselves, and ``full_output`` / ``num_threads``.
    """

    def __init__(self, engine, vector, is_complex, flip, perm, acc, window, degree, extrapolate):
        self._engine = engine
        self._vector = vector
        self._complex = is_complex
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

    # -- the public methods -------------------------------------------------

    def __call__(self, q=None, *, full_output=False, num_threads=None):
        """The fitted values at ``q`` ((M,) or (M, m); ``q=None``: at the samples)."""
        n = self.ndim
        return self._run(q, [((0,) * n, [(0, 1.0)])], (), full_output, num_threads)

    def gradient(self, q=None, *, full_output=False, num_threads=None):
        """Gradient at ``q``: (M, n) for scalar data, (M, m, n) for m components.

        Examples
        --------
        >>> import numpy as np, fastdiff as fd
        >>> x = np.linspace(-2, 2, 20)
        >>> X, Y = np.meshgrid(x, x)
        >>> f = fd.data.fit(np.column_stack([X.ravel(), Y.ravel()]), (X**2 + Y**2).ravel())
        >>> np.round(f.gradient([[1.0, 1.0], [0.0, 0.0], [-1.0, 2.0]]), 10) + 0.0
        array([[ 2.,  2.],
               [ 0.,  0.],
               [-2.,  4.]])
        """
        n = self.ndim
        terms = [(tuple(int(d == e) for e in range(n)), [(d, 1.0)]) for d in range(n)]
        return self._run(q, terms, (n,), full_output, num_threads)

    def _items(self, name):
        """(terms, tail, keep_comp) of one named quantity."""
        n = self.ndim
        first = [(tuple(int(d == e) for e in range(n)), [(d, 1.0)]) for d in range(n)]
        if name == "value":
            return [((0,) * n, [(0, 1.0)])], (), False
        if name in ("gradient", "jacobian"):
            return first, (n,), name == "jacobian"
        if name == "hessian":
            terms = []
            for d in range(n):
                for e in range(d, n):
                    a = tuple(int(d == k) + int(e == k) for k in range(n))
                    terms.append((a, [(d * n + e, 1.0)] + ([(e * n + d, 1.0)] if e != d
                                                             else [])))
            return terms, (n, n), False
        if name == "laplacian":
            return [(tuple(2 * int(d == k) for k in range(n)), [(0, 1.0)])
                    for d in range(n)], (), False
        raise ValueError(f"what: unknown quantity {name!r}; use 'value', 'gradient', "
                         f"'jacobian', 'hessian' or 'laplacian'")

    def evaluate(self, q=None, what=("value", "gradient"), *, full_output=False,
                 num_threads=None):
        """Several quantities from one pass: a tuple with one array (or
        `Result`) per name in ``what`` ("value", "gradient", "jacobian",
        "hessian", "laplacian"), each shaped as its own method returns it.

        One pass reads every sample window once (grids: the window fits the
        highest order asked for along each axis, so values and first
        derivatives come from the same local polynomial as the second
        derivatives; scattered points: one least-squares solve per query).

        Examples
        --------
        >>> import numpy as np, fastdiff as fd
        >>> x = np.linspace(0, 1, 11)
        >>> f = fd.data.fit((x, x), np.add.outer(x**2, 3 * x))
        >>> v, g, L = f.evaluate([0.25, 0.5], ("value", "gradient", "laplacian"))
        >>> round(float(v), 12), np.round(g, 12), round(float(L), 10)
        (1.5625, array([0.5, 3. ]), 2.0)
        """
        if isinstance(what, str):
            what = (what,)
        items = [self._items(w) for w in what]
        terms, spans, off = [], [], 0
        for t, tail, keep in items:
            size = int(np.prod(tail)) if tail else 1
            terms += [(a, [(o + off, c) for o, c in ds]) for a, ds in t]
            spans.append((off, size, tail, keep))
            off += size
        res = self._run(q, terms, (off,), full_output, num_threads, keep_comp=True)

        def split(arr, start, size, tail, keep):
            part = arr[..., start:start + size]
            part = part.reshape(part.shape[:-1] + tuple(tail))
            if not keep and not self._vector:
                # drop the component axis (just before the tail)
                part = part.reshape(part.shape[:part.ndim - len(tail) - 1] + tuple(tail))
            return part

        out = []
        for start, size, tail, keep in spans:
            if full_output:
                out.append(Result(split(res.value, start, size, tail, keep),
                                  split(res.error, start, size, tail, keep),
                                  split(res.success, start, size, tail, keep)))
            else:
                out.append(split(res, start, size, tail, keep))
        return tuple(out)

    def value_and_gradient(self, q=None, *, num_threads=None):
        """``evaluate(q, ("value", "gradient"))``: values and gradient from
        one pass over the samples.  On grids the values come from the
        gradient's local polynomial (one node more per axis than ``fit(q)``
        uses), so the two are consistent; they agree with ``fit(q)`` to the
        accuracy order.

        Examples
        --------
        >>> import numpy as np, fastdiff as fd
        >>> x = np.linspace(0, 1, 11)
        >>> f = fd.data.fit((x, x), np.add.outer(x**2, 3 * x))
        >>> v, g = f.value_and_gradient([0.25, 0.5])
        >>> round(float(v), 12), np.round(g, 12)
        (1.5625, array([0.5, 3. ]))
        """
        return self.evaluate(q, ("value", "gradient"), num_threads=num_threads)

    def jacobian(self, q=None, *, full_output=False, num_threads=None):
        """Jacobian at ``q``: (M, m, n) (m = 1 for scalar data)."""
        n = self.ndim
        terms = [(tuple(int(d == e) for e in range(n)), [(d, 1.0)]) for d in range(n)]
        return self._run(q, terms, (n,), full_output, num_threads, keep_comp=True)

    def hessian(self, q=None, *, full_output=False, num_threads=None):
        """Hessian at ``q``: (M, n, n), or (M, m, n, n) for m components."""
        n = self.ndim
        terms = []
        for d in range(n):
            for e in range(d, n):
                a = tuple(int(d == k) + int(e == k) for k in range(n))
                dst = [(d * n + e, 1.0)] + ([(e * n + d, 1.0)] if e != d else [])
                terms.append((a, dst))
        return self._run(q, terms, (n, n), full_output, num_threads)

    def laplacian(self, q=None, *, full_output=False, num_threads=None):
        """Laplacian (sum of the pure second derivatives) at ``q``: (M,) or (M, m)."""
        n = self.ndim
        terms = [(tuple(2 * int(d == k) for k in range(n)), [(0, 1.0)]) for d in range(n)]
        return self._run(q, terms, (), full_output, num_threads)

    def derivative(self, q=None, orders=1, *, full_output=False, num_threads=None):
        """The mixed partial of multi-index ``orders`` (one order per axis;
        an int for 1-D data) at ``q``: (M,) or (M, m).

        Examples
        --------
        >>> import numpy as np, fastdiff as fd
        >>> x = np.linspace(0, 1, 11)
        >>> f = fd.data.fit((x, x), np.outer(x**2, x**3))      # x^2 y^3
        >>> round(float(f.derivative([0.33, 0.71], orders=(1, 2))), 10)    # 2x * 6y
        2.8116
        """
        a = V.data_orders(orders, self.ndim)
        if max(a) > LIMITS["max_order"]:
            raise ValueError(f"orders={a}: at most order {LIMITS['max_order']} per axis")
        return self._run(q, [(a, [(0, 1.0)])], (), full_output, num_threads)

    def directional(self, q, v, *, normalize=True, full_output=False, num_threads=None):
        """Derivative along direction ``v`` at ``q``: (M,) or (M, m).

        ``v`` is one direction (n,) or one per query point (M, n);
        ``normalize`` divides each by its Euclidean norm."""
        vv = V.data_directions(v, self.ndim, normalize)
        res = self.gradient(q, full_output=full_output, num_threads=num_threads)
        g = res.value if full_output else res
        if vv.ndim == 2:
            if q is None or g.ndim < (3 if self._vector else 2) or vv.shape[0] != g.shape[0]:
                count = "the samples" if q is None else f"{1 if g.ndim < 2 else g.shape[0]} " \
                                                         f"query point(s)"
                raise ValueError(f"v has {vv.shape[0]} directions; one per query point needs "
                                 f"q of shape ({vv.shape[0]}, {self.ndim}), got {count}")
            if self._vector:
                vv = vv[:, None, :]
        out = np.sum(g * vv, axis=-1)
        if not full_output:
            return out
        err = np.sum(res.error * np.abs(vv), axis=-1)
        return Result(out, err, np.isfinite(out) & np.isfinite(err))

    # -- machinery ------------------------------------------------------------

    def _queries(self, q):
        """(Q (M, n) float64 as given, single); checked by chunks in ``_eval``."""
        return V.data_queries(q, self.ndim)

    def _check_chunk(self, qc, c0):
        """Raise for the first query of a chunk that is not finite or (unless
        extrapolating) outside the sampled box; ``c0`` its first index."""
        finite = np.isfinite(qc).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise ValueError(f"q must be finite; query point {c0 + i} is {qc[i].tolist()}")
        if not self.extrapolate:
            lo, hi = self._box
            out = ((qc < lo) | (qc > hi)).any(axis=1)
            if out.any():
                i = int(np.flatnonzero(out)[0])
                raise ValueError(f"query point {c0 + i} {qc[i].tolist()} lies outside the "
                                 f"sampled box {list(zip(lo.tolist(), hi.tolist()))}; pass "
                                 f"extrapolate=True to evaluate it anyway")

    def _orders_needed(self, terms):
        return [max(a[d] for a, _ in terms) for d in range(self.ndim)]

    def _check_nodes(self, terms, acc, window, degree):
        e = self._engine
        K = self._orders_needed(terms)
        for d, (n_d, k) in enumerate(zip(e.lens, K)):
            if window is None:
                need = acc + k
                if n_d < need:
                    what = f"a {V.ordinal(k)} derivative" if k else "values"
                    raise ValueError(f"axis {d} has {n_d} samples, but {what} with acc={acc} "
                                     f"need at least {need} (lower acc)")
            else:
                if k > degree:
                    raise ValueError(f"a {V.ordinal(k)} derivative along axis {d} needs "
                                     f"degree >= {k}, got degree={degree}")
                if window[d] > n_d:
                    raise ValueError(f"smoothing window {window[d]} on axis {d} is longer than "
                                     f"the axis ({n_d} samples)")
                if window[d] < degree + 1:
                    raise ValueError(f"smoothing window {window[d]} on axis {d} is too short "
                                     f"for degree {degree} (needs at least {degree + 1} points)")
                if window[d] > LIMITS["max_window"]:
                    raise ValueError(f"smoothing window {window[d]} on axis {d}: at most "
                                     f"{LIMITS['max_window']} points")

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
            mesh = np.meshgrid(*e.coords, indexing="ij")
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
        ok = np.isfinite(value) & np.isfinite(err)
        return Result(value, err, ok)

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

    def _shape(self, raw, lead, single, keep_comp):
        """(L, mm, *tail) float64 -> the user's shape and dtype."""
        if self._complex:
            raw = raw.reshape((raw.shape[0], raw.shape[1] // 2, 2) + raw.shape[2:])
            raw = raw[:, :, 0] + 1j * raw[:, :, 1]
        if not self._vector and not keep_comp:
            raw = raw[:, 0]
        raw = raw.reshape(tuple(lead) + raw.shape[1:])
        return raw[0] if single else raw


def fit(points, values, *, acc=4, smoothing=None, degree=None, extrapolate=False):
    """Prepare sampled data for derivatives at any point.

    Parameters
    ----------
    points : tuple of 1-D arrays, or (N, n) array
        The sample locations: one coordinate array per axis of a tensor grid
        (uniform or not, increasing or decreasing), or N points in n
        dimensions.  A point cloud that is a complete tensor grid in any row
        order (a flattened ``meshgrid``) is recognised and put on the grid;
        any other cloud goes to the scattered engine (needs scipy): weighted
        local least-squares polynomials through the nearest samples of each
        query (see ``fastdiff.data._scattered`` for the choices).
    values : array_like
        The samples: shape ``(*lens)`` for a grid (``(N,)`` for a cloud), or
        with a trailing axis of m components (vector-valued data: Jacobians).
        Real or complex; computed in float64 (complex128).  NaN samples
        spoil only the queries whose windows contain them.
    acc : int, optional
        Accuracy order (even, >= 2) of interpolation: derivatives of the
        local polynomial through ``acc + k`` nodes per axis (k the highest
        order along that axis) converge as O(h**acc).  On a node the
        weights are exactly `fastdiff.grid`'s (one-sided at the edges).
    smoothing : None, int, sequence of int, or "auto", optional
        None interpolates.  A window (points per axis) fits a least-squares
        polynomial of ``degree`` over the window around each query
        (Savitzky-Golay, on any grid and at any point) for noisy data.
        On scattered points the window is the number of neighbours of each
        fit (default 1.75 times the number of monomials of ``degree``).
        ``"auto"`` chooses the window of each axis (the neighbour count)
        from the data: the one minimising an estimate of the gradient's
        mean squared error (the choice is in ``Fit.window``).  At the samples (``q=None``) the fit
        runs one grid-kernel pass per axis and keeps the work arrays of the
        intermediate passes (each the size of ``values``) for the next call.
    degree : int, optional
        Degree of the least-squares polynomial: on grids with ``smoothing``
        (default 3), and of the local fits on scattered points (default 4
        in up to 3-D, 3 in 4-5 D, 2 above); at least the highest derivative
        order asked for.
    extrapolate : bool, optional
        Allow queries outside the sampled box (scattered: the convex hull
        of the samples; the nearest fit's polynomial is evaluated there);
        otherwise they raise ValueError.

    Returns
    -------
    Fit
        With ``gradient``, ``jacobian``, ``hessian``, ``laplacian``,
        ``directional``, ``derivative`` and the values themselves
        (``fit(q)``), each at query points ``q`` or, with ``q=None``, at the
        samples.

    Examples
    --------
    >>> import numpy as np, fastdiff as fd
    >>> x = np.linspace(-2, 2, 20)
    >>> X, Y = np.meshgrid(x, x)
    >>> pts = np.column_stack([X.ravel(), Y.ravel()])
    >>> F = np.column_stack([(X**2 + Y).ravel(), (X * Y).ravel()])
    >>> np.round(fd.data.fit(pts, F).jacobian([1.0, 2.0]), 10) + 0.0
    array([[2., 1.],
           [2., 1.]])
    """
    V.check_acc(acc)
    if not isinstance(extrapolate, (bool, np.bool_)):
        raise TypeError(f"extrapolate must be True or False, got {extrapolate!r}")
    if degree is not None:
        degree = V.data_degree(degree)
        if degree > LIMITS["max_degree"]:
            raise ValueError(f"degree={degree}: at most {LIMITS['max_degree']}")
    perm = None
    if isinstance(points, (tuple, list)) and len(points) > 0 and all(
            np.ndim(x) == 1 for x in points):
        coords = V.data_coords(points)
        vals, vector = V.data_values(values, tuple(len(x) for x in coords))
    else:
        cloud = V.data_cloud(points)
        vals, vector = V.data_values(values, (cloud.shape[0],))
        found = _grid_of_cloud(cloud)
        if found is None:
            return _scattered_fit(cloud, vals, vector, smoothing, degree, extrapolate)
        coords, perm = found
        if any(len(x) < 2 for x in coords):
            d = next(d for d, x in enumerate(coords) if len(x) < 2)
            raise ValueError(f"points: axis {d} has a single coordinate value; every axis "
                             f"needs at least 2")
        grid = np.empty(tuple(len(x) for x in coords) + vals.shape[1:], dtype=vals.dtype)
        grid.reshape((-1,) + vals.shape[1:])[perm] = vals
        vals = grid
    n = len(coords)
    if n > LIMITS["max_ndim"]:
        raise ValueError(f"points has {n} dimensions; fd.data supports at most "
                         f"{LIMITS['max_ndim']}")
    flip = []
    for d, x in enumerate(coords):
        if x[-1] < x[0]:
            flip.append(d)
            coords[d] = -x
    flip = tuple(flip)
    specs = [V._coords(x, len(x), f"points[{d}]") for d, x in enumerate(coords)]
    is_complex = vals.dtype.kind == "c"
    if is_complex:
        vals = vals.view(np.float64).reshape(vals.shape[:-1] + (2 * vals.shape[-1],))
    window = V.data_smoothing(smoothing, n)
    degree = 3 if degree is None else degree
    engine = GridEngine(coords, specs, vals)
    if window == "auto":
        window, _ = _smoothing.auto_window(engine, degree, _smoothing.MAX_TABLE_WIDTH,
                                           V.num_threads(None))
        if window is None:
            raise ValueError("smoothing='auto' needs at least 5 samples along some axis and "
                             f"room for a window of degree + 3 = {degree + 3} points on every "
                             f"axis (or give the window)")
    return Fit(engine, vector, is_complex, flip, perm, int(acc), window, degree,
               bool(extrapolate))


def _scattered_fit(cloud, vals, vector, smoothing, degree, extrapolate):
    """The fit of a point cloud that is not a grid."""
    try:
        from . import _scattered
    except ImportError as exc:   # pragma: no cover - scipy is installed in the tests
        raise ImportError("fd.data on scattered points needs scipy (pip install scipy)") \
            from exc
    N, n = cloud.shape
    if degree is None:
        degree = _scattered.default_degree(n)
    C = _scattered.n_monomials(n, degree)
    if C > _scattered.MAX_MONOMIALS:
        raise ValueError(f"degree={degree} in {n}-D has {C} monomials; the scattered engine "
                         f"fits at most {_scattered.MAX_MONOMIALS} (lower the degree)")
    if smoothing is None:
        k = int(math.ceil(_scattered._PER_MONOMIAL * C))
    elif isinstance(smoothing, str) and smoothing == "auto":
        k = None
    else:
        w = V.data_smoothing(smoothing, 1)
        if not isinstance(w, list):
            raise ValueError(f"smoothing must be None, 'auto' or a number of neighbours, "
                             f"got {smoothing!r}")
        k = w[0]
        if k < C + 1:
            raise ValueError(f"smoothing={k} neighbours is too few for a degree-{degree} fit "
                             f"in {n}-D ({C} monomials): give at least {C + 1}")
    need = C + 1 if k is None else k
    if N < need:
        raise ValueError(f"points has {N} samples, but a degree-{degree} fit in {n}-D needs "
                         f"{need} neighbours per query (lower the degree or the smoothing)")
    is_complex = vals.dtype.kind == "c"
    if is_complex:
        vals = vals.view(np.float64).reshape(N, 2 * vals.shape[-1])
    engine = _scattered.ScatteredEngine(cloud, vals, degree, k or need, V.num_threads(None))
    dup = engine.duplicates()
    if dup is not None:
        raise ValueError(f"points {dup[0]} and {dup[1]} are the same point "
                         f"{cloud[dup[0]].tolist()}; remove or average duplicate samples")
    if k is None:
        engine.k = _scattered.auto_neighbours(engine, V.num_threads(None))
    return ScatteredFit(engine, vector, is_complex, bool(extrapolate))


class ScatteredFit(Fit):
    """A `Fit` of scattered samples (see `fit`): the same methods; ``window``
    is the number of neighbours of each local fit, ``degree`` its degree."""

    def __init__(self, engine, vector, is_complex, extrapolate):
        self._engine = engine
        self._vector = vector
        self._complex = is_complex
        self._flip = ()
        self._perm = None
        self.acc = None
        self.window = engine.k
        self.degree = engine.degree
        self.extrapolate = extrapolate
        self.ndim = engine.n
        self.ncomp = engine.m // (2 if is_complex else 1)

    def __repr__(self):
        comps = f", {self.ncomp} components" if self._vector else ""
        return (f"<fastdiff.data.Fit: {self._engine.N} scattered points in {self.ndim}-D"
                f"{comps}, degree {self.degree}, {self.window} neighbours>")

    def _check_nodes(self, terms, *unused):
        top = max(max(a) for a, _ in terms)
        if top > self.degree:
            raise ValueError(f"a {V.ordinal(top)} derivative needs degree >= {top}, got "
                             f"degree={self.degree}")

    def _check_chunk(self, qc, c0):
        finite = np.isfinite(qc).all(axis=1)
        if not finite.all():
            i = int(np.flatnonzero(~finite)[0])
            raise ValueError(f"q must be finite; query point {c0 + i} is {qc[i].tolist()}")
        if not self.extrapolate:
            i = self._engine.outside(qc)
            if i >= 0:
                raise ValueError(f"query point {c0 + i} {qc[i].tolist()} lies outside the "
                                 f"convex hull of the samples; pass extrapolate=True to "
                                 f"evaluate it anyway")

    def _fits(self, q, terms, tail, num_threads, lower):
        nthreads = V.num_threads(num_threads)
        self._check_nodes(terms)
        e = self._engine
        if q is None:
            Q, single, check = e.points, False, None
        else:
            Q, single = V.data_queries(q, self.ndim)
            check = self._check_chunk
        M = Q.shape[0]
        size = int(np.prod(tail)) if tail else 1
        out = np.empty((M, e.m) + tuple(tail))
        out2 = np.empty((M, e.m) + tuple(tail)) if lower else None
        success = e.evaluate(Q, terms, out.reshape(-1), e.m * size, size, nthreads,
                             out2=None if out2 is None else out2.reshape(-1), check=check)
        return out, out2, success, (M,), single

    def _raw(self, q, terms, tail, num_threads, *unused):
        out, _, _, lead, single = self._fits(q, terms, tail, num_threads, False)
        return out, lead, single

    def _run(self, q, terms, tail, full_output, num_threads, keep_comp=False):
        out, out2, success, lead, single = self._fits(q, terms, tail, num_threads,
                                                      full_output)
        value = self._shape(out, lead, single, keep_comp)
        if not full_output:
            return value
        other = self._shape(out2, lead, single, keep_comp)
        err = 2.0 * np.abs(other - value) + 8 * np.finfo(float).eps * (
            np.abs(value) + np.abs(other))
        ok = success.reshape(success.shape + (1,) * (value.ndim - (0 if single else 1)))
        if single:
            ok = ok[0]
        return Result(value, err, np.isfinite(value) & np.isfinite(err) & ok)
