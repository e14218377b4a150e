"""fastdiff.grid's differential operators (laplacian, hessian, divergence,
curl, jacobian, directional) against fastdiff.reference.

The main test walks a pairwise covering set of function x dtype x ndim x
layout x boundary x acc x spacing kind x axes (like test_grid_vs_reference);
focused tests cover exact Hessian symmetry, Laplacian = trace of the Hessian,
out=, tiny axes, NaN masks and the errors (threads: test_threads.py).
"""
import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastdiff as fd
from _helpers import DTYPES, MODES, RESULT_DTYPE, in_layout, make_array, random_values
from fastdiff import reference as ref
from test_grid_vs_reference import (cval_for, check, empty_out, entry_norm, pairwise,
                                    stretched)

grid = fd.grid

FUNCTIONS = ["laplacian", "hessian", "divergence", "curl", "jacobian", "directional"]
VECTOR_FUNCTIONS = {"divergence", "curl", "jacobian"}
ORDER = {"laplacian": 2, "hessian": 2}  # the others take first derivatives

PARAMS = {
    "function": FUNCTIONS,
    "dtype": DTYPES,
    "ndim": [1, 2, 3, 4],
    "layout": ["C", "F", "strided", "negative", "interleaved"],
    "boundary": MODES + ["per-axis"],
    "acc": [2, 4, 6],
    "spacing": ["scalar", "per-axis", "coords"],
    "axes": ["all", "some"],
}
CASES = pairwise(PARAMS, seed=1)


def case_id(c):
    return "-".join(f"{c[k]}d" if k == "ndim" else f"{c[k]}" for k in PARAMS)


def field(shape, dtype, layout, seed):
    """Seeded values in ``layout``; "interleaved" stores axis 0 innermost
    (for a vector field: the components of a point side by side)."""
    if layout == "interleaved":
        if len(shape) == 1:
            return make_array(shape, dtype, "strided", seed)
        vals = random_values(shape, dtype, seed)
        out = np.moveaxis(np.ascontiguousarray(np.moveaxis(vals, 0, -1)), -1, 0)
        np.testing.assert_array_equal(out, vals)
        return out
    return make_array(shape, dtype, layout, seed)


class Problem:
    """One call of one operator: its input, keyword arguments and the scale of
    the rounding error of every output entry."""

    def __init__(self, fn, dtype, ndim, layout, boundary, acc, spacing, axes, seed):
        self.fn = fn
        order = ORDER.get(fn, 1)
        sdim = max(ndim, 2) if fn == "curl" else ndim
        if fn == "curl":
            k = 3 if sdim >= 3 else 2
            ax = tuple(range(k)) if sdim == k else (3, 0, 2)
            if axes == "some":  # the axes in another order
                ax = ax[::-1]
        elif axes == "some" and sdim > 1:
            ax = tuple(range(sdim))[::-1][:-1]  # all but axis 0, reversed
        else:
            ax = tuple(range(sdim))
        k = len(ax)
        shape = tuple(acc + order + 1 + 2 * a if sdim > 1 else acc + 25 for a in range(sdim))
        modes = ([MODES[(seed + a) % len(MODES)] for a in range(k)]
                 if boundary == "per-axis" else [boundary] * k)
        steps = [0.5 + 0.25 * a for a in range(k)]
        if spacing == "scalar":
            entries = [0.5] * k
        elif spacing == "per-axis":
            entries = steps
        else:  # coordinates where the mode allows them, steps elsewhere
            entries = [stretched(shape[a], 0, steps[c] * (shape[a] - 1))
                       if modes[c] == "one-sided" else steps[c] for c, a in enumerate(ax)]
        self.kw = dict(acc=acc, cval=cval_for(dtype),
                       spacing=0.5 if spacing == "scalar" else entries,
                       boundary=modes if boundary == "per-axis" else boundary)
        if axes == "some" or sdim != k:
            # negative axes on every other case
            self.kw["axes"] = tuple(a - sdim if (seed + c) % 2 else a for c, a in enumerate(ax))
        self.n1 = [entry_norm(shape[a], 1, acc, entries[c], modes[c]) for c, a in enumerate(ax)]
        self.n2 = [entry_norm(shape[a], 2, acc, entries[c], modes[c]) for c, a in enumerate(ax)]
        self.shape, self.k, self.dtype = shape, k, dtype
        if fn in VECTOR_FUNCTIONS:
            m = 1 + seed % 3 if fn == "jacobian" else k
            self.args = (field((m,) + shape, dtype, layout, seed),)
        else:
            self.args = (field(shape, dtype, layout, seed),)
        if fn == "directional":
            rng = np.random.default_rng(seed)
            if seed % 2:  # a field of directions, with a zero vector somewhere
                d = rng.standard_normal((k,) + shape)
                d[(slice(None),) + tuple(n // 2 for n in shape)] = 0.0
            else:
                d = rng.uniform(0.5, 2.0, k) * rng.choice([-1, 1], k)
            self.normalize = seed % 4 != 3
            self.kw["normalize"] = self.normalize
            self.direction = d
            self.args += (d,)

    def both(self, **extra):
        kw = dict(self.kw, **extra)
        return (getattr(grid, self.fn)(*self.args, **kw),
                getattr(ref, self.fn)(*self.args, **kw))

    def check(self, got, expected):
        """got equals expected entry by entry to a few ulps times the weight norm."""
        assert got.dtype == expected.dtype == RESULT_DTYPE[self.dtype]
        assert got.shape == expected.shape
        u, n1, n2, k = self.args[0], self.n1, self.n2, self.k
        fn = self.fn
        if fn == "laplacian":
            check(got, expected, u, sum(n2))
        elif fn == "hessian":
            for i, j in itertools.product(range(k), repeat=2):
                norm = n2[i] if i == j else n1[i] * n1[j]
                check(got[i, j], expected[i, j], u, norm)
        elif fn in ("divergence", "curl"):
            check(got, expected, u, sum(n1))
        elif fn == "jacobian":
            for c, j in itertools.product(range(u.shape[0]), range(k)):
                check(got[c, j], expected[c, j], u, n1[j])
        else:
            d = np.abs(self.direction)
            scale = 1.0 if self.normalize else d.max()
            check(got, expected, u, sum(n1) * scale)


def problem(case, seed):
    return Problem(case["function"], case["dtype"], case["ndim"], case["layout"],
                   case["boundary"], case["acc"], case["spacing"], case["axes"], seed)


def result_shape(fn, args, k):
    a = args[0]
    if fn == "laplacian" or fn == "directional":
        return a.shape
    if fn == "hessian":
        return (k, k) + a.shape
    if fn == "divergence":
        return a.shape[1:]
    if fn == "curl":
        return a.shape[1:] if k == 2 else (3,) + a.shape[1:]
    return (a.shape[0], k) + a.shape[1:]


# --------------------------------------------------------------------------
# the pairwise walk
# --------------------------------------------------------------------------

def test_pairwise_covers_every_value():
    for name, values in PARAMS.items():
        assert {repr(c[name]) for c in CASES} == {repr(v) for v in values}, name
    assert len(CASES) < 120


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_matches_reference(case):
    p = problem(case, CASES.index(case))
    got, expected = p.both()
    assert got.shape == result_shape(p.fn, p.args, p.k)
    p.check(got, expected)
    if p.fn == "hessian":
        for i, j in itertools.combinations(range(p.k), 2):
            np.testing.assert_array_equal(got[i, j], got[j, i])


# --------------------------------------------------------------------------
# every function on every mode / dtype (the pairs above miss triples)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("fn", FUNCTIONS)
@pytest.mark.parametrize("mode", MODES + ["per-axis"])
def test_every_function_every_mode(fn, mode):
    i = FUNCTIONS.index(fn) * 7 + (MODES + ["per-axis"]).index(mode)
    p = Problem(fn, ["float64", "complex128", "float32"][i % 3], 3,
                ["C", "F", "strided", "negative", "interleaved"][i % 5], mode, [2, 4, 6][i % 3],
                ["scalar", "per-axis", "coords"][i % 3], "all", i)
    p.check(*p.both())


@pytest.mark.parametrize("fn", FUNCTIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_every_function_every_dtype(fn, dtype):
    i = FUNCTIONS.index(fn) * 7 + DTYPES.index(dtype)
    p = Problem(fn, dtype, 2 + i % 2, ["C", "F", "strided", "negative", "interleaved"][i % 5],
                MODES[i % 6], [2, 4, 6][i % 3], "per-axis", "all", i)
    p.check(*p.both())


@pytest.mark.parametrize("fn", ["laplacian", "hessian", "divergence", "jacobian",
                                "directional"])
@pytest.mark.parametrize("mode", MODES[1:])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_tiny_axes_extension_modes(fn, mode, n):
    # the stencil is wider than the axis: indices wrap/reflect more than once
    dtype = "complex128" if n == 3 else "float64"
    u = make_array((n, 5), dtype, "F" if n % 2 else "C", seed=n)
    kw = dict(spacing=0.4, acc=4, boundary=mode, cval=cval_for(dtype))
    if fn in VECTOR_FUNCTIONS:
        args = (np.stack([u, 2 * u[::-1, ::-1]]),)
    elif fn == "directional":
        args = (u, [1.0, -2.0])
    else:
        args = (u,)
    got = getattr(grid, fn)(*args, **kw)
    expected = getattr(ref, fn)(*args, **kw)
    n1 = entry_norm(n, 1, 4, 0.4, "central")
    n2 = entry_norm(n, 2, 4, 0.4, "central")
    check(got, expected, args[0], 4 * max(n2, n1 * n1))


@pytest.mark.parametrize("order_of_axes", [(0, 1, 2), (2, 0, 1), (-1, -2)])
@pytest.mark.parametrize("kind", ["coords", "mixed"])
def test_nonuniform_hessian_and_laplacian(order_of_axes, kind):
    shape = (9, 10, 11)
    u = make_array(shape, "float64", "F", seed=3)
    axes = [a % 3 for a in order_of_axes]
    spacing = [stretched(shape[a], amp=0.3) if (kind == "coords" or a != 1) else 0.3
               for a in axes]
    kw = dict(axes=order_of_axes, spacing=spacing, acc=4)
    H, Hr = grid.hessian(u, **kw), ref.hessian(u, **kw)
    n1 = [entry_norm(shape[a], 1, 4, s, "one-sided") for a, s in zip(axes, spacing)]
    n2 = [entry_norm(shape[a], 2, 4, s, "one-sided") for a, s in zip(axes, spacing)]
    for i, j in itertools.product(range(len(axes)), repeat=2):
        check(H[i, j], Hr[i, j], u, n2[i] if i == j else n1[i] * n1[j])
    check(grid.laplacian(u, **kw), ref.laplacian(u, **kw), u, sum(n2))


# --------------------------------------------------------------------------
# hessian symmetric, laplacian = trace(hessian)
# --------------------------------------------------------------------------

SYM_CASES = [(mode, dtype, acc) for mode in MODES + ["per-axis"]
             for dtype, acc in [("float64", 2), ("float32", 4), ("complex128", 6)]]


def sym_kwargs(mode, acc, dtype, shape):
    modes = [MODES[(a + 1) % 6] for a in range(len(shape))] if mode == "per-axis" else mode
    spacing = [stretched(n) if m == "one-sided" else 0.3 + 0.1 * a
               for a, (n, m) in enumerate(zip(shape, modes))] if mode == "per-axis" \
        else [0.3 + 0.1 * a for a in range(len(shape))]
    return dict(spacing=spacing, boundary=modes, acc=acc, cval=cval_for(dtype))


@pytest.mark.parametrize("mode, dtype, acc", SYM_CASES)
def test_hessian_exactly_symmetric_and_trace_is_laplacian(mode, dtype, acc):
    shape = (acc + 4, acc + 6, acc + 5)
    for layout in ("C", "negative"):
        u = make_array(shape, dtype, layout, seed=acc)
        kw = sym_kwargs(mode, acc, dtype, shape)
        H = grid.hessian(u, **kw)
        for i, j in itertools.combinations(range(3), 2):
            np.testing.assert_array_equal(H[i, j], H[j, i])
        L = grid.laplacian(u, **kw)
        modes = kw["boundary"] if mode == "per-axis" else [mode] * 3
        n2 = sum(entry_norm(n, 2, acc, s, m) for n, s, m in zip(shape, kw["spacing"], modes))
        check(L, np.trace(H).astype(L.dtype), u, n2)


# --------------------------------------------------------------------------
# out=
# --------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["C", "F", "strided"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex64", "int64"])
@pytest.mark.parametrize("fn", FUNCTIONS)
def test_out(fn, dtype, kind):
    i = FUNCTIONS.index(fn)
    p = Problem(fn, dtype, 3, "F" if i % 2 else "C", MODES[i], 4, "per-axis", "all", i + 2)
    expected = getattr(ref, fn)(*p.args, **p.kw)
    out = empty_out(expected.shape, RESULT_DTYPE[dtype], kind)
    res = getattr(grid, fn)(*p.args, out=out, **p.kw)
    assert res is out
    p.check(out, expected)


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_out_errors(fn):
    p = Problem(fn, "float64", 2, "C", "one-sided", 2, "scalar", "all", 0)
    shape = result_shape(fn, p.args, p.k)
    bad = [(np.empty(shape[:-1] + (shape[-1] + 1,)), ValueError, "out has shape"),
           (np.empty(shape, np.float32), ValueError, "out has dtype"),
           ([0.0], TypeError, "out must be a numpy array")]
    for out, exc, match in bad:
        for mod in (grid, ref):
            with pytest.raises(exc, match=match):
                getattr(mod, fn)(*p.args, out=out, **p.kw)
    # out overlapping the input
    if fn in ("laplacian", "directional"):
        both = np.zeros((2,) + shape)
        args = (both[0],) + p.args[1:]
        for mod in (grid, ref):
            with pytest.raises(ValueError, match="out overlaps the input"):
                getattr(mod, fn)(*args, out=both[0], **p.kw)


# --------------------------------------------------------------------------
# NaN propagates only where a stencil reads it
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("acc", [2, 4])
def test_nan_mask_matches_reference(mode, acc):
    u = make_array((13, 11, 10), "float64", "C", seed=9)
    u[0, 0, 0] = np.nan      # a corner
    u[6, 5, 4] = np.nan      # the interior
    u[12, 3, 9] = np.nan     # an edge
    v = np.stack([u, u[::-1], u[:, ::-1]])
    kw = dict(acc=acc, boundary=mode)
    for fn, args in [("laplacian", (u,)), ("hessian", (u,)), ("divergence", (v,)),
                     ("curl", (v,)), ("jacobian", (v,)), ("directional", (u, [1.0, 2, 3]))]:
        got = getattr(grid, fn)(*args, **kw)
        expected = getattr(ref, fn)(*args, **kw)
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected), err_msg=fn)
        assert 0 < np.isnan(expected).sum() < expected.size // 2


# --------------------------------------------------------------------------
# errors: both modules raise the same type with the same message
# --------------------------------------------------------------------------

u3 = random_values((6, 7, 8), "float64")
v3 = random_values((3, 6, 7, 8), "float64")

ERRORS = [
    ("divergence", (v3[:2],), {}, ValueError, "components"),
    ("divergence", (v3,), dict(axes=(0, 2)), ValueError, "components"),
    ("curl", (v3[:2],), {}, ValueError, "components"),
    ("curl", (v3[:2, :, :, 0],), dict(axes=(0, 1)), None, None),  # fine: 2-D curl
    ("curl", (np.ones((4, 5, 6, 7, 8)),), {}, ValueError, "curl"),
    ("curl", (np.ones((1, 5, 6, 7)),), dict(axes=1), ValueError, "curl"),
    ("curl", (np.ones((4, 5, 6, 7, 8)),), dict(axes=(0, 1, 2, 3)), ValueError, "curl"),
    ("divergence", (np.ones(5),), {}, ValueError, "v"),
    ("jacobian", (np.ones(5),), {}, ValueError, "v"),
    ("jacobian", (np.ones((0, 5)),), {}, ValueError, "v"),
    ("jacobian", ("abc",), {}, TypeError, "v"),
    ("jacobian", (np.ones((2, 5), dtype="U1"),), {}, TypeError, "v"),
    ("jacobian", (v3,), dict(axes=(0, 3)), ValueError, "axes"),
    ("jacobian", (v3,), dict(axes=(0, -3)), ValueError, "axes"),
    ("jacobian", (v3[:, :2],), {}, ValueError, "axis 0 has 2 points"),
    ("divergence", (v3,), dict(boundary=["periodic", "mirror"]), ValueError, "boundary"),
    ("directional", (u3, [1.0, 2.0]), {}, ValueError, "direction"),
    ("directional", (u3, np.ones((3, 6, 7))), {}, ValueError, "direction"),
    ("directional", (u3, np.ones((2, 6, 7, 8))), {}, ValueError, "direction"),
    ("directional", (u3, [0.0, 0.0, 0.0]), {}, ValueError,
     "direction must not be the zero vector"),
    ("directional", (u3, [1.0, 2.0]), dict(axes=(0, 2)), None, None),  # fine
    ("directional", (u3, "abc"), {}, TypeError, "direction"),
    ("laplacian", (u3[:, :3],), {}, ValueError,
     "axis 1 has 3 points, but a second derivative with acc=2 and one-sided "
     "boundaries needs at least 4"),
    ("hessian", (u3,), dict(acc=6), ValueError, "axis 0 has 6 points"),
    ("hessian", (u3,), dict(axes=(1, 1)), ValueError, "axes must not repeat"),
    ("laplacian", (u3,), dict(spacing=[0.1, 0.2]), ValueError, "spacing has 2 entries"),
    ("laplacian", (u3,), dict(num_threads=0), ValueError, "num_threads"),
    ("hessian", (u3,), dict(cval=1j, boundary="constant"), TypeError, "cval"),
]


@pytest.mark.parametrize("fn, args, kw, exc, match", ERRORS,
                         ids=[f"{e[0]}-{i}" for i, e in enumerate(ERRORS)])
def test_errors_identical_to_reference(fn, args, kw, exc, match):
    if exc is None:
        got = getattr(grid, fn)(*args, **kw)
        expected = getattr(ref, fn)(*args, **kw)
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
        return
    messages = []
    for mod in (grid, ref):
        with pytest.raises(exc, match=match) as info:
            getattr(mod, fn)(*args, **kw)
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_zero_direction_in_a_field_gives_zero():
    x = np.linspace(-2, 2, 21)
    X, Y = np.meshgrid(x, x, indexing="ij")
    f = X**2 + Y**2
    d = np.stack([X, Y])  # zero at the origin
    got = grid.directional(f, d, spacing=0.2)
    assert got[10, 10] == 0.0
    np.testing.assert_allclose(got, 2 * np.hypot(X, Y), rtol=0, atol=1e-11)
    np.testing.assert_allclose(got, ref.directional(f, d, spacing=0.2), rtol=0, atol=1e-12)


def test_seed_paraboloid_on_20x20_grid():
    x = np.linspace(-2.0, 2.0, 20)
    X, Y = np.meshgrid(x, x, indexing="ij")
    f = X**2 + Y**2
    h = x[1] - x[0]
    np.testing.assert_allclose(grid.laplacian(f, spacing=h), 4.0, rtol=0, atol=1e-11)
    H = grid.hessian(f, spacing=[x, x])
    np.testing.assert_allclose(H, np.array([[2.0, 0.0], [0.0, 2.0]])[:, :, None, None]
                               * np.ones((20, 20)), rtol=0, atol=1e-11)
    np.testing.assert_allclose(grid.directional(f, [1, 1], spacing=h),
                               (2 * X + 2 * Y) / np.sqrt(2), rtol=0, atol=1e-12)


# --------------------------------------------------------------------------
# property: random small problems never crash and match the reference
# --------------------------------------------------------------------------

@given(
    shape=st.lists(st.integers(1, 8), min_size=1, max_size=4),
    dtype=st.sampled_from(["float64", "float32", "complex128"]),
    layout=st.sampled_from(["C", "F", "strided", "negative"]),
    mode=st.sampled_from(MODES),
    acc=st.sampled_from([2, 4, 6]),
)
def test_random_hessian_laplacian_match_reference(shape, dtype, layout, mode, acc):
    shape = tuple(shape)
    u = in_layout(random_values(shape, dtype, seed=sum(shape)), layout)
    kw = dict(acc=acc, boundary=mode, cval=cval_for(dtype))
    try:
        Hr = ref.hessian(u, **kw)
    except ValueError as exc:
        assert mode == "one-sided" and "needs at least" in str(exc)
        for fn in (grid.hessian, grid.laplacian):
            with pytest.raises(ValueError, match="needs at least"):
                fn(u, **kw)
        return
    H = grid.hessian(u, **kw)
    k = len(shape)
    n1 = [entry_norm(n, 1, acc, 1.0, mode) for n in shape]
    n2 = [entry_norm(n, 2, acc, 1.0, mode) for n in shape]
    for i, j in itertools.product(range(k), repeat=2):
        check(H[i, j], Hr[i, j], u, n2[i] if i == j else n1[i] * n1[j])
        np.testing.assert_array_equal(H[i, j], H[j, i])
    check(grid.laplacian(u, **kw), ref.laplacian(u, **kw), u, sum(n2))


# --------------------------------------------------------------------------
# unusual inputs: zero strides, zero direction components, cache tiling
# --------------------------------------------------------------------------

@pytest.mark.parametrize("d", [[0.0, 1.0, 0.0], [0.0, 0.0, -2.0], [0.0, 0.0, 0.0]])
@pytest.mark.parametrize("normalize", [True, False])
def test_directional_zero_components(d, normalize):
    u = make_array((6, 7, 8), "float64", "F", seed=11)
    if normalize and not any(d):
        return  # the zero-vector error, tested above
    got = grid.directional(u, d, normalize=normalize, boundary="reflect", acc=4)
    expected = ref.directional(u, d, normalize=normalize, boundary="reflect", acc=4)
    check(got, expected, u, 3 * entry_norm(8, 1, 4, 1.0, "central"))
    if not any(d):
        np.testing.assert_array_equal(got, 0.0)


@pytest.mark.parametrize("fn", FUNCTIONS)
@pytest.mark.parametrize("mode", ["one-sided", "periodic", "constant"])
def test_broadcast_zero_stride_inputs(fn, mode):
    rng = np.random.default_rng(12)
    kw = dict(boundary=mode, cval=0.5, acc=4)
    if fn in VECTOR_FUNCTIONS:
        inputs = [np.broadcast_to(rng.standard_normal((7, 8, 9)), (3, 7, 8, 9)),
                  np.broadcast_to(rng.standard_normal((3, 1, 8, 1)), (3, 7, 8, 9))]
    else:
        inputs = [np.broadcast_to(rng.standard_normal(9), (7, 8, 9)),
                  np.broadcast_to(rng.standard_normal((7, 1, 1)), (7, 8, 9))]
    for a in inputs:
        args = (a, [1.0, -0.5, 2.0]) if fn == "directional" else (a,)
        got = getattr(grid, fn)(*args, **kw)
        expected = getattr(ref, fn)(*args, **kw)
        n = entry_norm(7, 2, 4, 1.0, mode)
        check(got, expected, a, 4 * n * n)


@pytest.mark.parametrize("fn", ["hessian", "curl", "laplacian"])
def test_cache_tiled_slabs(fn):
    # slabs of (700 x 1100) float32 / (500 x 800) float64 rows exceed the
    # kernels' tile budget, so stencils across axis 0 walk axis 1 in tiles
    shape, dtype = ((4, 700, 1100), "float32") if fn != "hessian" else ((4, 500, 800),
                                                                         "float64")
    u = make_array(shape, dtype, "C", seed=13)
    kw = dict(boundary=["periodic", "one-sided", "nearest"], acc=2)
    if fn == "hessian":
        kw = dict(axes=(0, 1), boundary=["periodic", "one-sided"], acc=2)
        args = (u,)
    elif fn == "curl":
        args = (np.stack([u, u[::-1], u[:, ::-1]]),)
    else:
        args = (u,)
    got = getattr(grid, fn)(*args, num_threads=2, **kw)
    expected = getattr(ref, fn)(*args, **kw)
    n = entry_norm(4, 2, 2, 1.0, "one-sided")
    check(got, expected, u, 3 * n * n)
    np.testing.assert_array_equal(got, getattr(grid, fn)(*args, num_threads=1, **kw))


def test_powers_merge_equal_terms():
    # (1 + D(0) + D(1) + D(2))**10 kept 4^10 terms: 9 s to build
    D = fd.grid.D
    op = (1 + D(0) + D(1)) ** 3
    assert len(op.terms) == 10
    assert repr((D(0) + D(1)) ** 2) == "D(0)**2 + 2.0 * D(0) * D(1) + D(1)**2"
    assert len(((1 + D(0) + D(1) + D(2)) ** 11).terms) == 364
    u = np.random.default_rng(1).random((12, 13))
    np.testing.assert_allclose(op(u, acc=4), ref.apply(op, u, acc=4), rtol=1e-12, atol=1e-12)
    # coefficient arrays stay apart (a product of arrays is not merged)
    c = np.linspace(1, 2, 13)
    assert len(((c * D(1) + D(0)) * D(0)).terms) == 2
