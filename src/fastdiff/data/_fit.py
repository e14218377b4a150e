"""The fit object of ``fd.data``: the public methods (shared by both
engines) and the result shapes.  The engines' fits are `GridFit`
(``_grid_fit``) and `ScatteredFit` (``_scattered_fit``)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._typing import ArrayLike, Threads
from .. import _validation as V
from ._grid_engine import LIMITS

__all__ = ["Fit", "Result"]


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


class Fit:
    """Samples of a function, ready for derivatives anywhere.

    Made by `fastdiff.data.fit`; see there for the parameters.  Every method
    takes query points ``q`` ((M, n), or (n,) for one point) or ``q=None``
    for the samples themselves, and ``full_output`` / ``num_threads``.
    """

    def __init__(self, engine, vector, is_complex, extrapolate):
        self._engine = engine
        self._vector = vector          # values had a trailing component axis
        self._complex = is_complex     # components hold (real, imaginary) pairs
        self.extrapolate = extrapolate
        self.ndim = engine.n
        self.ncomp = engine.m // (2 if is_complex else 1)

    # -- the public methods -------------------------------------------------

    def __call__(self, q: ArrayLike | None = None, *, full_output: bool = False,
                 num_threads: Threads = None) -> Any:
        """The fitted values at ``q`` ((M,) or (M, m); ``q=None``: at the samples)."""
        n = self.ndim
        return self._run(q, [((0,) * n, [(0, 1.0)])], (), full_output, num_threads)

    def gradient(self, q: ArrayLike | None = None, *, full_output: bool = False,
                 num_threads: Threads = None) -> Any:
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
        raise V.data_quantity(name)

    def evaluate(self, q: ArrayLike | None = None,
                 what: str | Sequence[str] = ("value", "gradient"), *, full_output: bool = False,
                 num_threads: Threads = None) -> Any:
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
        what = V.data_what(what)
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

    def value_and_gradient(self, q: ArrayLike | None = None, *,
                           num_threads: Threads = None) -> Any:
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

    def jacobian(self, q: ArrayLike | None = None, *, full_output: bool = False,
                 num_threads: Threads = None) -> Any:
        """Jacobian at ``q``: (M, m, n) (m = 1 for scalar data)."""
        n = self.ndim
        terms = [(tuple(int(d == e) for e in range(n)), [(d, 1.0)]) for d in range(n)]
        return self._run(q, terms, (n,), full_output, num_threads, keep_comp=True)

    def hessian(self, q: ArrayLike | None = None, *, full_output: bool = False,
                num_threads: Threads = None) -> Any:
        """Hessian at ``q``: (M, n, n), or (M, m, n, n) for m components."""
        n = self.ndim
        terms = []
        for d in range(n):
            for e in range(d, n):
                a = tuple(int(d == k) + int(e == k) for k in range(n))
                dst = [(d * n + e, 1.0)] + ([(e * n + d, 1.0)] if e != d else [])
                terms.append((a, dst))
        return self._run(q, terms, (n, n), full_output, num_threads)

    def laplacian(self, q: ArrayLike | None = None, *, full_output: bool = False,
                  num_threads: Threads = None) -> Any:
        """Laplacian (sum of the pure second derivatives) at ``q``: (M,) or (M, m)."""
        n = self.ndim
        terms = [(tuple(2 * int(d == k) for k in range(n)), [(0, 1.0)]) for d in range(n)]
        return self._run(q, terms, (), full_output, num_threads)

    def derivative(self, q: ArrayLike | None = None, orders: int | Sequence[int] = 1, *,
                   full_output: bool = False, num_threads: Threads = None) -> Any:
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
        a = V.data_orders(orders, self.ndim, LIMITS["max_order"])
        return self._run(q, [(a, [(0, 1.0)])], (), full_output, num_threads)

    def directional(self, q: ArrayLike | None, v: ArrayLike, *, normalize: bool = True,
                    full_output: bool = False, num_threads: Threads = None) -> Any:
        """Derivative along direction ``v`` at ``q``: (M,) or (M, m).

        ``v`` is one direction (n,) or one per query point (M, n) (with
        ``q=None``, one per sample, in the samples' order);
        ``normalize`` divides each by its Euclidean norm."""
        vv = V.data_directions(v, self.ndim, normalize)
        res = self.gradient(q, full_output=full_output, num_threads=num_threads)
        g = res.value if full_output else res
        if vv.ndim == 2:
            tail = 2 if self._vector else 1
            lead = g.shape[:g.ndim - tail]
            if q is None and vv.shape[0] == int(np.prod(lead)):
                # one direction per sample, in the samples' (C) order
                vv = vv.reshape(lead + (self.ndim,))
            elif q is None or g.ndim < tail + 1 or vv.shape[0] != g.shape[0]:
                V.data_direction_count(vv.shape[0], self.ndim,
                                       f"{1 if g.ndim < tail + 1 else g.shape[0]} query point(s)",
                                       int(np.prod(lead)) if q is None else None)
            if self._vector:
                vv = vv[..., None, :]
        out = np.sum(g * vv, axis=-1)
        if not full_output:
            return out
        err = np.sum(res.error * np.abs(vv), axis=-1)
        return Result(out, err, np.isfinite(out) & np.isfinite(err))

    # -- machinery ------------------------------------------------------------

    # -- what every engine provides ---------------------------------------------

    def _raw(self, q, terms, tail, num_threads, *params):
        """(raw (L, mm, *tail) float64, lead shape, single) at q or the samples."""
        raise NotImplementedError

    def _run(self, q, terms, tail, full_output, num_threads, keep_comp=False):
        """The user's result (a `Result` with ``full_output``)."""
        raise NotImplementedError

    def _shape(self, raw, lead, single, keep_comp):
        """(L, mm, *tail) float64 -> the user's shape and dtype."""
        if self._complex:
            raw = raw.reshape((raw.shape[0], raw.shape[1] // 2, 2) + raw.shape[2:])
            raw = raw[:, :, 0] + 1j * raw[:, :, 1]
        if not self._vector and not keep_comp:
            raw = raw[:, 0]
        raw = raw.reshape(tuple(lead) + raw.shape[1:])
        return raw[0] if single else raw


_Q = """    q : array_like or None
        Query points (M, n), or one point (n,); None: at the samples."""
_TAIL = """    full_output : bool, optional
        Return a `Result` (value, error estimate, success) instead.
    num_threads : int, optional
        OpenMP threads (None: OpenMP's maximum; see `fastdiff.grid.derivative`)."""
_EXTRA = {
    "derivative": """    orders : int or sequence of int
        The multi-index: one derivative order per axis (an int for 1-D data).""",
    "directional": """    v : array_like
        One direction (n,) or one per query point (M, n).
    normalize : bool, optional
        Divide each direction by its Euclidean norm (default).""",
    "evaluate": """    what : str or sequence of str
        Names among "value", "gradient", "jacobian", "hessian", "laplacian".""",
}


def _add_parameters(cls):
    """A numpydoc Parameters section on every public method (the shared
    descriptions written once), before its Examples."""
    for name in ("__call__", "gradient", "jacobian", "hessian", "laplacian", "derivative",
                 "directional", "evaluate", "value_and_gradient"):
        fn = getattr(cls, name)
        tail = _TAIL if name != "value_and_gradient" else _TAIL.split("\n", 2)[2]
        parts = [_Q] + ([_EXTRA[name]] if name in _EXTRA else []) + [tail]
        body = "\n".join(("    " + line) if line else line
                         for line in "\n".join(parts).split("\n"))   # method indent
        section = "\n\n        Parameters\n        ----------\n" + body + "\n"
        doc = fn.__doc__ or ""
        marker = "\n        Examples\n"
        if marker in doc:
            head, ex = doc.split(marker, 1)
            doc = head.rstrip() + section + marker + ex
        else:
            doc = doc.rstrip() + section + "        "
        fn.__doc__ = doc
    return cls


_add_parameters(Fit)
