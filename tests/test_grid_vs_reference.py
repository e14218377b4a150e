"""fastdiff.grid (Cython/OpenMP kernels) against fastdiff.reference (pure NumPy).

The full product dtype x ndim x layout x boundary x acc x order x spacing is
far too big to run, so the main test walks a pairwise covering set: every
value of every parameter appears, and every pair of values of two parameters
appears in at least one case. Focused tests then cover what pairs miss: tiny
axes, non-uniform grids at every order, out=, axes, NaN and inf (threads:
test_threads.py).
"""
import itertools
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fastdiff as fd
from _helpers import (DTYPES, LAYOUTS, MODES, RESULT_DTYPE, make_array, random_values,
                      tolerance, weight_norm)
from fastdiff import reference as ref

grid = fd.grid


def pairwise(params, seed=0, candidates=30):
    """A small list of cases (dicts) covering every pair of values of every two
    parameters (greedy, deterministic)."""
    names = list(params)
    sizes = [len(params[n]) for n in names]
    uncovered = {(i, a, j, b)
                 for i, j in itertools.combinations(range(len(names)), 2)
                 for a in range(sizes[i]) for b in range(sizes[j])}
    rng = random.Random(seed)

    def gain(case, k, v):
        return sum((min(k, l), v if k < l else case[l], max(k, l), case[l] if k < l else v)
                   in uncovered for l in case)

    cases = []
    while uncovered:
        best, best_score = None, -1
        pool = sorted(uncovered)
        for _ in range(candidates):
            i, a, j, b = rng.choice(pool)
            case = {i: a, j: b}
            rest = [k for k in range(len(names)) if k not in case]
            rng.shuffle(rest)
            for k in rest:
                case[k] = max(range(sizes[k]), key=lambda v: (gain(case, k, v), rng.random()))
            score = sum((i, case[i], j, case[j]) in uncovered
                        for i, j in itertools.combinations(range(len(names)), 2))
            if score > best_score:
                best, best_score = case, score
        uncovered -= {(i, best[i], j, best[j])
                      for i, j in itertools.combinations(range(len(names)), 2)}
        cases.append({names[k]: params[names[k]][v] for k, v in best.items()})
    return cases


PARAMS = {
    "dtype": DTYPES,
    "ndim": [1, 2, 3, 4],
    "layout": LAYOUTS,
    "boundary": MODES + ["per-axis"],
    "acc": [2, 4, 6],
    "order": [1, 2, 3, 4, 5, 6],
    "spacing": ["scalar", "per-axis", "coords"],
}
CASES = pairwise(PARAMS)


def case_id(c):
    return "-".join(f"{c[k]}" if k != "ndim" else f"{c[k]}d" for k in PARAMS)


def stretched(n, lo=0.0, hi=2.0, amp=0.2):
    """Smooth, strictly increasing, unevenly spaced coordinates."""
    t = np.linspace(0.0, 1.0, n)
    return lo + (hi - lo) * (t + amp * np.sin(np.pi * t) / np.pi)


def cval_for(dtype):
    return 0.75 - 0.5j if np.dtype(dtype).kind == "c" else 0.75


def check(got, expected, u, norm):
    """got equals expected to a few ulps of the result times the weight norm."""
    assert got.dtype == expected.dtype
    assert got.shape == expected.shape
    atol = tolerance(u, expected.dtype, norm)
    np.testing.assert_allclose(got, expected, rtol=0, atol=atol)


def derivative_both(u, axis, order, **kw):
    return grid.derivative(u, axis, order, **kw), ref.derivative(u, axis, order, **kw)


def gradient_both(u, **kw):
    return grid.gradient(u, **kw), ref.gradient(u, **kw)


def entry_norm(n, order, acc, sp, mode):
    return weight_norm(n, order, acc, sp, "one-sided" if mode == "one-sided" else "central")


# --------------------------------------------------------------------------
# the pairwise walk
# --------------------------------------------------------------------------

def test_pairwise_covers_every_value():
    for name, values in PARAMS.items():
        assert {repr(c[name]) for c in CASES} == {repr(v) for v in values}, name
    assert len(CASES) < 100


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_matches_reference(case):
    dtype, ndim, layout = case["dtype"], case["ndim"], case["layout"]
    acc, order = case["acc"], case["order"]
    i = CASES.index(case)
    p = acc + order
    shape = tuple(p + 1 + 2 * a if ndim > 1 else p + 25 for a in range(ndim))
    u = make_array(shape, dtype, layout, seed=i)

    modes = ([MODES[(i + a) % len(MODES)] for a in range(ndim)]
             if case["boundary"] == "per-axis" else [case["boundary"]] * ndim)
    steps = [0.5 + 0.25 * a for a in range(ndim)]
    if case["spacing"] == "scalar":
        entries = [0.5] * ndim
    elif case["spacing"] == "per-axis":
        entries = steps
    else:  # coordinates where the mode allows them, steps elsewhere
        entries = [stretched(n, 0, steps[a] * (n - 1)) if modes[a] == "one-sided" else steps[a]
                   for a, n in enumerate(shape)]
    cval = cval_for(dtype)

    # derivative along one axis (negative axis on every other case)
    axis = i % ndim
    kw = dict(acc=acc, cval=cval,
              spacing=entries[axis] if case["spacing"] != "per-axis" else [entries[axis]],
              boundary=modes[axis] if case["boundary"] != "per-axis" else [modes[axis]])
    got, expected = derivative_both(u, axis - ndim * (i % 2), order, **kw)
    assert expected.dtype == RESULT_DTYPE[dtype]
    check(got, expected, u, entry_norm(shape[axis], order, acc, entries[axis], modes[axis]))

    # gradient over all axes
    spacing = entries[0] if case["spacing"] == "scalar" else entries
    boundary = modes if case["boundary"] == "per-axis" else modes[0]
    got, expected = gradient_both(u, spacing=spacing, acc=acc, boundary=boundary, cval=cval)
    assert got.shape == (ndim,) + shape
    for a in range(ndim):
        check(got[a], expected[a], u, entry_norm(shape[a], 1, acc, entries[a], modes[a]))


# --------------------------------------------------------------------------
# focused sweeps
# --------------------------------------------------------------------------

PRODUCT = list(itertools.product(DTYPES, LAYOUTS, [1, 2, 3, 4]))


@pytest.mark.parametrize("dtype, layout, ndim", PRODUCT)
def test_every_dtype_layout_ndim(dtype, layout, ndim):
    # the full product of the data-shape dimensions, the operator cycling
    i = PRODUCT.index((dtype, layout, ndim))
    mode, acc = MODES[i % len(MODES)], [2, 4, 6][i % 3]
    shape = tuple(acc + 3 + a for a in range(ndim))
    u = make_array(shape, dtype, layout, seed=100 + i)
    kw = dict(acc=acc, boundary=mode, cval=cval_for(dtype), spacing=0.7)
    for axis in range(ndim):
        order = 1 + (i + axis) % 3
        got, expected = derivative_both(u, axis, order, **kw)
        check(got, expected, u, entry_norm(shape[axis], order, acc, 0.7, mode))
    got, expected = gradient_both(u, **kw)
    check(got, expected, u, entry_norm(max(shape), 1, acc, 0.7, mode))


@pytest.mark.parametrize("order", [1, 2, 3, 4, 5, 6])
@pytest.mark.parametrize("acc", [2, 4, 6])
def test_nonuniform_every_order(order, acc):
    dtype = ["float64", "float32", "complex128"][order % 3]
    layout = LAYOUTS[(order + acc) % 4]
    n = acc + order + 3
    u = make_array((5, n), dtype, layout, seed=order * acc)
    x = stretched(n, amp=0.3)
    if order % 2:
        x = -x[::-1] * 3.0  # decreasing on odd orders
    got, expected = derivative_both(u, 1, order, spacing=x, acc=acc)
    check(got, expected, u, weight_norm(n, order, acc, x, "one-sided"))


@pytest.mark.parametrize("mode", MODES[1:] + ["wrap"])
@pytest.mark.parametrize("n", [1, 2, 3, 4])
@pytest.mark.parametrize("order, acc", [(1, 2), (1, 6), (2, 4), (4, 6), (6, 2)])
def test_tiny_axes_extension_modes(mode, n, order, acc):
    # the stencil is wider than the axis: indices wrap/reflect more than once
    dtype = "complex128" if n == 3 else "float64"
    u = make_array((n, 5), dtype, "F" if n % 2 else "C", seed=n)
    kw = dict(spacing=0.4, acc=acc, boundary=mode, cval=cval_for(dtype))
    got, expected = derivative_both(u, 0, order, **kw)
    check(got, expected, u, weight_norm(n, order, acc, 0.4, "central"))
    got, expected = gradient_both(u, **kw)
    check(got, expected, u, weight_norm(n, 1, acc, 0.4, "central"))


@pytest.mark.parametrize("order, acc", [(1, 2), (2, 2), (1, 4), (3, 4), (2, 6), (6, 6)])
def test_one_sided_shortest_axis(order, acc):
    # exactly acc + order points: both edge windows are the whole axis
    n = acc + order
    u = make_array((3, n), "float64", "C", seed=n)
    got, expected = derivative_both(u, 1, order, spacing=0.3, acc=acc)
    check(got, expected, u, weight_norm(n, order, acc, 0.3, "one-sided"))


def test_one_sided_too_short_axis_raises_like_reference():
    u = np.ones((4, 5))
    for f in (grid.derivative, ref.derivative):
        with pytest.raises(ValueError, match=r"axis 1 has 5 points.*needs at least 6"):
            f(u, 1, 2, acc=4)
    x = stretched(5)
    for f in (grid.derivative, ref.derivative):
        with pytest.raises(ValueError, match="uniform grid"):
            f(u, 1, spacing=x, boundary="reflect")


@pytest.mark.parametrize("dtype", list(RESULT_DTYPE))
def test_result_dtype(dtype):
    u = random_values((6, 5), dtype)
    assert grid.derivative(u, 0).dtype == RESULT_DTYPE[dtype]
    assert grid.gradient(u).dtype == RESULT_DTYPE[dtype]


def test_byteswapped_input():
    u = random_values((9, 8), "float64", seed=3)
    swapped = u.astype(u.dtype.newbyteorder())
    got = grid.gradient(swapped, acc=4, boundary="mirror")
    assert got.dtype == np.float64 and got.dtype.isnative
    check(got, ref.gradient(u, acc=4, boundary="mirror"), u,
          weight_norm(9, 1, 4, 1.0, "central"))


@pytest.mark.parametrize("spacing", [
    [stretched(8), 0.5],                 # a coordinate array and a step
    (0.25, stretched(11)),
    [stretched(8), stretched(11)],       # coordinate arrays of different lengths
], ids=["coords-step", "step-coords", "coords-coords"])
def test_spacing_mixes_steps_and_coordinates(spacing):
    u = make_array((8, 11), "float64", seed=12)
    got, expected = gradient_both(u, spacing=spacing, acc=4)
    for a, n in enumerate(u.shape):
        check(got[a], expected[a], u, weight_norm(n, 1, 4, spacing[a], "one-sided"))


def test_evenly_spaced_coordinates_allow_every_mode():
    u = make_array((6, 11), "float64", seed=4)
    x = 0.2 * np.arange(11) - 1.0
    for mode in MODES:
        got, expected = derivative_both(u, 1, 2, spacing=x, acc=4, boundary=mode)
        check(got, expected, u, weight_norm(11, 2, 4, 0.2, "one-sided"))


# --------------------------------------------------------------------------
# out=
# --------------------------------------------------------------------------

def empty_out(shape, dtype, kind):
    if kind == "C":
        return np.full(shape, np.nan, dtype=dtype)
    if kind == "F":
        return np.asfortranarray(np.full(shape, np.nan, dtype=dtype))
    big = np.full(tuple(2 * s for s in shape), np.nan, dtype=dtype)
    return big[tuple(slice(1, None, 2) for _ in shape)]


@pytest.mark.parametrize("kind", ["C", "F", "strided"])
@pytest.mark.parametrize("dtype", ["float64", "float32", "complex64"])
def test_out_derivative(kind, dtype):
    u = make_array((7, 8, 9), dtype, "C", seed=1)
    out = empty_out(u.shape, dtype, kind)
    res = grid.derivative(u, 1, 2, acc=4, boundary="nearest", out=out)
    assert res is out
    check(out, ref.derivative(u, 1, 2, acc=4, boundary="nearest"), u,
          weight_norm(8, 2, 4, 1.0, "central"))


@pytest.mark.parametrize("kind", ["C", "F", "strided"])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_out_gradient(kind, dtype):
    u = make_array((7, 8, 9), dtype, "F", seed=2)
    out = empty_out((2,) + u.shape, RESULT_DTYPE[dtype], kind)
    x = stretched(9)
    kw = dict(axes=(2, 0), spacing=[x, 0.5], acc=2)
    res = grid.gradient(u, out=out, **kw)
    assert res is out
    expected = ref.gradient(u, **kw)
    check(out[0], expected[0], u, weight_norm(9, 1, 2, x, "one-sided"))
    check(out[1], expected[1], u, weight_norm(7, 1, 2, 0.5, "one-sided"))


@pytest.mark.parametrize("bad, exc", [
    (np.empty((5, 6)), ValueError),                  # wrong shape
    (np.empty((5, 7), np.float32), ValueError),      # wrong dtype
])
def test_out_mismatch_raises(bad, exc):
    with pytest.raises(exc, match="out"):
        grid.derivative(np.ones((5, 7)), 1, out=bad)


def test_out_overlapping_input_raises():
    u = np.ones((5, 7))
    with pytest.raises(ValueError, match="out"):
        grid.derivative(u, 1, out=u)


# --------------------------------------------------------------------------
# axes
# --------------------------------------------------------------------------

@pytest.mark.parametrize("axes", [(1,), (-1, 0), (2, -3), (-2,), (0, 1, 2), (2, 1, 0)])
def test_gradient_axes(axes):
    u = make_array((8, 9, 10), "float64", "strided", seed=5)
    steps = [0.3, 0.6, 0.9][:len(axes)]
    modes = ["periodic", "one-sided", "reflect"][:len(axes)]
    got, expected = gradient_both(u, axes=axes, spacing=steps, boundary=modes, acc=4)
    assert got.shape == (len(axes),) + u.shape
    for c, (ax, h, mode) in enumerate(zip(axes, steps, modes)):
        norm = entry_norm(u.shape[ax], 1, 4, h, mode)
        check(got[c], expected[c], u, norm)
        # component c is the derivative along axes[c]
        single = grid.derivative(u, ax, spacing=h, boundary=mode, acc=4)
        check(got[c], single, u, norm)


def test_gradient_int_axes():
    u = make_array((8, 9), "float32", seed=6)
    got = grid.gradient(u, axes=-1)
    assert got.shape == (1, 8, 9)
    check(got[0], ref.derivative(u, 1), u, weight_norm(9, 1, 2, 1.0, "one-sided"))


def test_gradient_duplicate_axes_raise():
    with pytest.raises(ValueError, match="axes"):
        grid.gradient(np.ones((5, 5)), axes=(1, -1))


# --------------------------------------------------------------------------
# NaN and inf propagate only where a stencil reads them
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("order, acc", [(1, 2), (2, 2), (1, 4), (3, 2)])
def test_nan_mask_matches_reference(mode, order, acc):
    u = make_array((13, 11), "float64", "C", seed=9)
    u[0, 0] = np.nan         # a corner
    u[6, 5] = np.nan         # the interior
    u[12, 3] = np.inf        # an edge
    u[2, 10] = -np.inf
    for axis in (0, 1):
        got, expected = derivative_both(u, axis, order, acc=acc, boundary=mode)
        bad = ~np.isfinite(expected)
        assert 0 < bad.sum() < u.size // 2
        np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
        np.testing.assert_array_equal(np.isposinf(got), np.isposinf(expected))
        np.testing.assert_array_equal(np.isneginf(got), np.isneginf(expected))
        check(np.where(bad, 0, got), np.where(bad, 0, expected), np.where(np.isfinite(u), u, 0),
              entry_norm(u.shape[axis], order, acc, 1.0, mode))


def test_nan_mask_nonuniform_and_complex():
    u = make_array((9, 12), "complex128", "F", seed=10)
    u[4, 0] = np.nan
    u[0, 6] = complex(np.nan, 0.0)
    x = stretched(12)
    got, expected = gradient_both(u, spacing=[0.5, x], acc=2)
    assert np.isnan(expected).any()
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))


# --------------------------------------------------------------------------
# numpy.gradient (acc=2, edge_order=2)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(40,), (12, 15), (6, 7, 8)])
@pytest.mark.parametrize("kind", ["scalar", "per-axis", "coords"])
@pytest.mark.parametrize("layout", ["C", "negative"])
def test_gradient_equals_numpy_gradient(shape, kind, layout):
    u = make_array(shape, "float64", layout, seed=len(shape))
    rng = np.random.default_rng(11)
    spacings = {
        "scalar": [0.25] * len(shape),
        "per-axis": [0.25 * (a + 1) for a in range(len(shape))],
        "coords": [np.cumsum(rng.uniform(0.5, 1.5, n)) for n in shape],
    }[kind]
    got = grid.gradient(u, spacing=0.25 if kind == "scalar" else spacings)
    g = np.gradient(u, *spacings, edge_order=2)
    expected = np.stack(g) if len(shape) > 1 else g[None]
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


# --------------------------------------------------------------------------
# property: random small problems never crash and match the reference
# --------------------------------------------------------------------------

@given(
    shape=st.lists(st.integers(1, 9), min_size=1, max_size=4),
    data=st.data(),
    dtype=st.sampled_from(["float64", "float32", "complex128"]),
    layout=st.sampled_from(LAYOUTS),
    mode=st.sampled_from(MODES),
    order=st.integers(1, 4),
    acc=st.sampled_from([2, 4, 6]),
)
def test_random_problems_match_reference(shape, data, dtype, layout, mode, order, acc):
    shape = tuple(shape)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    u = make_array(shape, dtype, layout, seed=sum(shape))
    kw = dict(acc=acc, boundary=mode, cval=cval_for(dtype))
    try:
        expected = ref.derivative(u, axis, order, **kw)
    except ValueError as exc:
        assert mode == "one-sided"
        with pytest.raises(ValueError, match="needs at least"):
            grid.derivative(u, axis, order, **kw)
        assert "needs at least" in str(exc)
        return
    got = grid.derivative(u, axis, order, **kw)
    check(got, expected, u, entry_norm(shape[axis], order, acc, 1.0, mode))
