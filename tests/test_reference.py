"""fastdiff.reference on its own: against numpy.gradient, scipy.ndimage,
exact polynomial derivatives and measured convergence orders."""
import numpy as np
import pytest
import scipy.ndimage as ndi
from hypothesis import given
from hypothesis import strategies as st
from numpy.polynomial import Polynomial

import fastdiff as fd
from _helpers import MODES, RESULT_DTYPE, make_array, random_values
from fastdiff import reference as ref

SCIPY_MODE = {"periodic": "wrap", "wrap": "wrap", "constant": "constant",
              "nearest": "nearest", "reflect": "reflect", "mirror": "mirror"}


def stretched(n, lo=0.0, hi=2.0, amp=0.15):
    """Smooth, strictly increasing, unevenly spaced coordinates on [lo, hi]."""
    t = np.linspace(0.0, 1.0, n)
    return lo + (hi - lo) * (t + amp * np.sin(np.pi * t) / np.pi)


def np_gradient(u, spacings, axes):
    g = np.gradient(u, *spacings, axis=axes, edge_order=2)
    return np.stack(g) if isinstance(g, (list, tuple)) else g[None]


# --------------------------------------------------------------------------
# numpy.gradient (acc=2, edge_order=2)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(9,), (7, 5), (4, 6, 5)])
@pytest.mark.parametrize("kind", ["unit", "scalar", "per-axis", "coords", "mixed"])
def test_gradient_equals_numpy_gradient(shape, kind):
    u = make_array(shape, seed=len(shape))
    rng = np.random.default_rng(1)
    coords = [np.cumsum(rng.uniform(0.3, 1.7, n)) for n in shape]
    spacings = {
        "unit": [1.0] * len(shape),
        "scalar": [0.37] * len(shape),
        "per-axis": [0.5 + 0.25 * i for i in range(len(shape))],
        "coords": coords,
        "mixed": [coords[i] if i % 2 == 0 else 0.3 for i in range(len(shape))],
    }[kind]
    spacing = spacings[0] if kind in ("unit", "scalar") else spacings
    got = ref.gradient(u, spacing=spacing)
    expected = np_gradient(u, spacings, tuple(range(len(shape))))
    assert got.shape == (len(shape),) + shape
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_first_derivative_equals_numpy_gradient(axis):
    u = make_array((6, 8, 7), seed=3)
    x = np.cumsum(np.linspace(1.0, 2.0, u.shape[axis]) ** 2)
    expected = np.gradient(u, x, axis=axis, edge_order=2)
    got = ref.derivative(u, axis, spacing=x)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def test_decreasing_coordinates_equal_numpy_gradient():
    u = make_array((12,), seed=4)
    x = -np.cumsum(np.random.default_rng(2).uniform(0.5, 1.5, 12))
    expected = np.gradient(u, x, edge_order=2)
    np.testing.assert_allclose(ref.derivative(u, 0, spacing=x), expected, rtol=1e-12,
                               atol=1e-12 * np.abs(expected).max())


# --------------------------------------------------------------------------
# scipy.ndimage.correlate1d for the extension modes
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", list(SCIPY_MODE))
@pytest.mark.parametrize("order, acc", [(1, 2), (1, 6), (2, 4), (3, 2), (4, 6), (6, 2)])
@pytest.mark.parametrize("n", [1, 2, 3, 5, 17])
def test_modes_equal_scipy_correlate1d(mode, order, acc, n):
    u = make_array((4, n, 3), seed=n)
    h = 0.7
    w = fd.stencil(order, acc=acc).weights
    expected = ndi.correlate1d(u, w, axis=1, mode=SCIPY_MODE[mode], cval=-1.25) / h**order
    got = ref.derivative(u, 1, order, spacing=h, acc=acc, boundary=mode, cval=-1.25)
    np.testing.assert_allclose(got, expected, rtol=1e-12,
                               atol=1e-13 * np.abs(w).sum() / h**order)


@pytest.mark.parametrize("mode", MODES[1:])
def test_modes_complex_equal_scipy_correlate1d(mode):
    u = make_array((3, 11), "complex128", seed=7)
    w = fd.stencil(2, acc=4).weights
    cval = 0.5 - 2.0j
    expected = ndi.correlate1d(u, w, axis=-1, mode=SCIPY_MODE[mode], cval=cval) / 0.3**2
    got = ref.derivative(u, -1, 2, spacing=0.3, acc=4, boundary=mode, cval=cval)
    assert got.dtype == np.complex128
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-11)


@given(
    shape=st.lists(st.integers(1, 6), min_size=1, max_size=3),
    data=st.data(),
    mode=st.sampled_from(MODES[1:]),
    order=st.integers(1, 4),
    acc=st.sampled_from([2, 4, 6]),
)
def test_modes_equal_scipy_correlate1d_property(shape, data, mode, order, acc):
    axis = data.draw(st.integers(-len(shape), len(shape) - 1), label="axis")
    u = random_values(tuple(shape), "float64", seed=sum(shape))
    w = fd.stencil(order, acc=acc).weights
    expected = ndi.correlate1d(u, w, axis=axis, mode=SCIPY_MODE[mode], cval=0.5)
    got = ref.derivative(u, axis, order, acc=acc, boundary=mode, cval=0.5)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * np.abs(w).sum())


# --------------------------------------------------------------------------
# polynomials of degree < acc + order are differentiated exactly
# --------------------------------------------------------------------------

POLY_CASES = [(o, a) for a in (2, 4, 6) for o in (1, 2, 3, 4)] + [(5, 2), (6, 2), (5, 4)]


def random_poly(degree, seed):
    return Polynomial(np.random.default_rng(seed).uniform(-1, 1, degree + 1))


def grid_points(kind, n):
    if kind == "uniform":
        return np.linspace(-1.0, 1.5, n)
    if kind == "decreasing":
        return stretched(n, 1.5, -1.0, amp=0.3)
    return stretched(n, -1.0, 1.5, amp=0.3)


@pytest.mark.parametrize("kind", ["uniform", "nonuniform", "decreasing"])
@pytest.mark.parametrize("order, acc", POLY_CASES)
def test_polynomials_are_differentiated_exactly(kind, order, acc):
    p = acc + order
    poly = random_poly(p - 1, seed=p)
    n = p + 4
    x = grid_points(kind, n)
    spacing = x[1] - x[0] if kind == "uniform" else x
    got = ref.derivative(poly(x), 0, order, spacing=spacing, acc=acc)
    expected = poly.deriv(order)(x)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-9 * np.abs(expected).max())


@pytest.mark.parametrize("kind", ["uniform", "nonuniform"])
@pytest.mark.parametrize("order, acc", [(1, 2), (2, 2), (1, 4), (3, 4)])
def test_polynomial_of_degree_acc_plus_order_is_not_exact(kind, order, acc):
    # the counterpart of the test above: one degree more and the boundary
    # rows are wrong, so that test has teeth
    p = acc + order
    poly = Polynomial([0.0] * p + [1.0])
    x = grid_points(kind, p + 4)
    spacing = x[1] - x[0] if kind == "uniform" else x
    err = np.abs(ref.derivative(poly(x), 0, order, spacing=spacing, acc=acc)
                 - poly.deriv(order)(x))
    assert err[0] > 1e-6 and err[-1] > 1e-6


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_polynomial_gradient_3d(axis):
    # u = P(x_axis) on a 3-D grid with a different spacing kind per axis
    shape = (9, 10, 11)
    acc = 4
    poly = random_poly(acc, seed=axis)
    grids = [np.linspace(0, 1, shape[0]), stretched(shape[1]), np.linspace(-2, 2, shape[2])]
    spacing = [grids[0][1] - grids[0][0], grids[1], grids[2]]
    xs = np.meshgrid(*grids, indexing="ij")
    g = ref.gradient(poly(xs[axis]), spacing=spacing, acc=acc)
    expected = np.broadcast_to(poly.deriv()(xs[axis]), shape)
    for i in range(3):
        if i == axis:
            np.testing.assert_allclose(g[i], expected, rtol=1e-10,
                                       atol=1e-10 * np.abs(expected).max())
        else:
            np.testing.assert_allclose(g[i], 0.0, atol=1e-11)


# --------------------------------------------------------------------------
# convergence order, boundary rows included
# --------------------------------------------------------------------------

def f(x):
    return np.sin(2 * x) + np.exp(x)


def f_deriv(x, k):
    return 2.0**k * np.sin(2 * x + k * np.pi / 2) + np.exp(x)


# (acc, order, smallest n): sizes where truncation dominates rounding
CONVERGENCE = [(2, 1, 32), (2, 2, 64), (2, 3, 32), (2, 4, 64),
               (4, 1, 32), (4, 2, 48), (4, 3, 32), (4, 4, 16),
               (6, 1, 32), (6, 2, 16), (6, 3, 24), (6, 4, 16)]


def measured_order(acc, order, n0, coords):
    sizes = (n0 * 2 ** (np.arange(5) / 2)).astype(int)
    errors, steps = [], []
    for n in sizes:
        x = stretched(n) if coords else np.linspace(0.0, 2.0, n)
        spacing = x if coords else x[1] - x[0]
        d = ref.derivative(f(x), 0, order, spacing=spacing, acc=acc)
        errors.append(np.abs(d - f_deriv(x, order)).max())
        steps.append(2.0 / (n - 1))
    return np.polyfit(np.log(steps), np.log(errors), 1)[0]


@pytest.mark.parametrize("acc, order, n0", CONVERGENCE)
def test_convergence_order_uniform(acc, order, n0):
    assert measured_order(acc, order, n0, coords=False) == pytest.approx(acc, abs=0.3)


@pytest.mark.parametrize("acc, order, n0", CONVERGENCE)
def test_convergence_order_nonuniform(acc, order, n0):
    slope = measured_order(acc, order, n0, coords=True)
    if order % 2:
        assert slope == pytest.approx(acc, abs=0.3)
    else:
        # on a smooth non-uniform grid an even derivative's error term of
        # order h**acc is small, so the pre-asymptotic slope can be higher
        assert acc - 0.3 <= slope <= acc + 1.3


@pytest.mark.parametrize("acc", [2, 4, 6])
@pytest.mark.parametrize("order", [1, 2])
def test_convergence_order_periodic(acc, order):
    errors, steps = [], []
    for n in (16, 23, 32, 45):
        h = 2 * np.pi / n
        x = h * np.arange(n)
        d = ref.derivative(np.sin(x), 0, order, spacing=h, acc=acc, boundary="periodic")
        errors.append(np.abs(d - np.sin(x + order * np.pi / 2)).max())
        steps.append(h)
    assert np.polyfit(np.log(steps), np.log(errors), 1)[0] == pytest.approx(acc, abs=0.3)


# --------------------------------------------------------------------------
# semantics
# --------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", list(RESULT_DTYPE))
def test_result_dtype(dtype):
    u = random_values((12, 5), dtype)
    assert ref.derivative(u, 0).dtype == RESULT_DTYPE[dtype]
    assert ref.gradient(u).dtype == RESULT_DTYPE[dtype]


@pytest.mark.parametrize("dtype", ["int64", "bool", "float16", "uint8", "int32"])
def test_other_dtypes_are_computed_like_float64(dtype):
    u = random_values((7, 9), dtype)
    expected = ref.gradient(u.astype(np.float64), acc=4)
    got = ref.gradient(u, acc=4)
    np.testing.assert_allclose(got, expected, rtol=1e-6 if dtype == "float16" else 0, atol=0)


def test_float32_is_rounded_from_float64():
    u = random_values((20,), "float32")
    np.testing.assert_array_equal(ref.derivative(u, 0, 2, acc=4),
                                  ref.derivative(u.astype(np.float64), 0, 2, acc=4)
                                  .astype(np.float32))


def test_complex_is_linear():
    u = random_values((9, 8), "complex128", seed=5)
    x = stretched(8)
    kw = dict(spacing=[0.5, x], acc=4)
    expected = ref.gradient(u.real, **kw) + 1j * ref.gradient(u.imag, **kw)
    np.testing.assert_allclose(ref.gradient(u, **kw), expected, rtol=1e-14, atol=1e-14)


def test_layout_and_byte_order_do_not_matter():
    values = random_values((6, 7, 8), "float64", seed=8)
    expected = ref.gradient(values, acc=4, boundary="reflect")
    for layout in ("F", "strided", "negative"):
        got = ref.gradient(make_array(values.shape, layout=layout, seed=8), acc=4,
                           boundary="reflect")
        np.testing.assert_array_equal(got, expected)
    swapped = values.astype(values.dtype.newbyteorder())
    got = ref.gradient(swapped, acc=4, boundary="reflect")
    assert got.dtype.isnative
    np.testing.assert_array_equal(got, expected)


def test_gradient_components_follow_axes():
    u = random_values((8, 9, 10), "float64")
    g = ref.gradient(u, axes=(-1, 0), spacing=[0.5, 2.0], boundary=["mirror", "one-sided"])
    assert g.shape == (2, 8, 9, 10)
    np.testing.assert_array_equal(g[0], ref.derivative(u, 2, spacing=0.5, boundary="mirror"))
    np.testing.assert_array_equal(g[1], ref.derivative(u, 0, spacing=2.0))


def test_gradient_spacing_mixes_steps_and_coordinates():
    u = random_values((8, 11), "float64")
    x0, x1 = stretched(8), stretched(11)
    for spacing in ([x0, 0.5], (0.5, x1), [x0, x1]):
        g = ref.gradient(u, spacing=spacing)
        for a in range(2):
            np.testing.assert_array_equal(g[a], ref.derivative(u, a, spacing=spacing[a]))


def test_gradient_single_axis_accepts_coordinates():
    u = random_values((8, 9), "float64")
    x = stretched(9)
    np.testing.assert_array_equal(ref.gradient(u, axes=1, spacing=x)[0],
                                  ref.derivative(u, 1, spacing=x))
    np.testing.assert_array_equal(ref.gradient(u, axes=[1], spacing=[x])[0],
                                  ref.derivative(u, 1, spacing=[x]))


def test_evenly_spaced_coordinates_are_a_uniform_grid():
    u = random_values((5, 13), "float64")
    x = 0.25 * np.arange(13) + 3.0
    for mode in MODES:
        np.testing.assert_allclose(
            ref.derivative(u, 1, 2, spacing=x, acc=4, boundary=mode),
            ref.derivative(u, 1, 2, spacing=0.25, acc=4, boundary=mode), rtol=1e-12, atol=1e-10)
    # decreasing and evenly spaced: a negative step
    np.testing.assert_allclose(ref.derivative(u, 1, spacing=x[::-1]),
                               -ref.derivative(u, 1, spacing=0.25), rtol=1e-12, atol=1e-12)


def test_decreasing_coordinates_mirror_increasing_ones():
    poly = random_poly(3, seed=9)  # p = acc + order = 4 points: exact
    x = stretched(15, amp=0.3)
    up = ref.derivative(poly(x), 0, 2, spacing=x, acc=2)
    down = ref.derivative(poly(x[::-1]), 0, 2, spacing=x[::-1], acc=2)
    np.testing.assert_allclose(down[::-1], up, rtol=1e-9, atol=1e-9)


def test_one_sided_rows_use_the_edge_windows():
    # 1-D, first derivative, acc=2: row 0 reads u[0:3], row n-1 reads u[n-3:]
    u = np.array([0.0, 1.0, 4.0, 9.0, 16.0, 25.0])
    d = ref.derivative(u, 0)
    np.testing.assert_allclose(d, [0.0, 2.0, 4.0, 6.0, 8.0, 10.0], rtol=1e-15, atol=1e-15)
    d2 = ref.derivative(u, 0, 2)  # 4 points at the edges, exact for u = i**2
    np.testing.assert_allclose(d2, 2.0, rtol=1e-14)


def test_nan_touches_only_outputs_that_read_it():
    u = np.arange(10.0) ** 2
    u[5] = np.nan
    d = ref.derivative(u, 0)  # central [-1/2, 0, 1/2]: the centre tap is not read
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(d)), [4, 6])
    d = ref.derivative(u, 0, 2)
    np.testing.assert_array_equal(np.flatnonzero(np.isnan(d)), [4, 5, 6])
    u[5], u[0] = 25.0, np.inf
    d = ref.derivative(u, 0, boundary="periodic")
    np.testing.assert_array_equal(np.flatnonzero(~np.isfinite(d)), [1, 9])


def test_constant_mode_uses_cval():
    u = np.ones(4)
    d = ref.derivative(u, 0, boundary="constant", cval=3.0)
    np.testing.assert_array_equal(d, [-1.0, 0.0, 0.0, 1.0])  # (1 - 3) / 2 at the left


def test_out_is_filled_and_returned():
    u = random_values((6, 7), "float32")
    out = np.empty((6, 7), np.float32, order="F")
    assert ref.derivative(u, 1, out=out) is out
    np.testing.assert_array_equal(out, ref.derivative(u, 1))
    gout = np.zeros((4, 6, 7), np.float32)[::2]
    assert ref.gradient(u, out=gout) is gout
    np.testing.assert_array_equal(gout, ref.gradient(u))


# Argument errors of both modules are tested in test_errors.py; these are the
# ones that follow from the semantics above.
@pytest.mark.parametrize("call, match", [
    (lambda: ref.derivative(np.ones(3), 0, 2),
     "axis 0 has 3 points, but a second derivative with acc=2 and one-sided "
     "boundaries needs at least 4"),
    (lambda: ref.derivative(np.ones((5, 6)), 1, acc=6), "axis 1 has 6 points.*needs at least 7"),
    (lambda: ref.gradient(np.ones((5, 6)), acc=6, boundary=["mirror", "one-sided"]),
     "axis 1 has 6 points.*needs at least 7"),
    (lambda: ref.derivative(np.ones(8), 0, spacing=stretched(8), acc=8),
     "axis 0 has 8 points.*non-uniform grid needs at least 9"),
    (lambda: ref.derivative(np.ones(9), 0, spacing=stretched(9), boundary="periodic"),
     "boundary 'periodic' on axis 0 needs a uniform grid"),
    (lambda: ref.gradient(np.ones((9, 4)), spacing=[stretched(9), 1.0],
                          boundary=["mirror", "one-sided"]),
     "boundary 'mirror' on axis 0 needs a uniform grid"),
])
def test_semantic_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


@pytest.mark.parametrize("mode", MODES[1:])
def test_extension_modes_accept_any_length(mode):
    # no minimum length outside "one-sided": a 1-point axis is fine
    d = ref.derivative(np.full((1, 3), 2.0), 0, 4, acc=6, boundary=mode, cval=2.0)
    np.testing.assert_allclose(d, 0.0, atol=1e-13)  # weights sum to 0 (to rounding)
