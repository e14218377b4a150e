"""fastdiff.reference's differential operators on their own (laplacian,
hessian, divergence, curl, jacobian, directional): against
scipy.ndimage.laplace, vector-calculus identities, the worked examples of the
seed documents and the building blocks derivative/gradient."""
import itertools

import numpy as np
import pytest
import scipy.ndimage as ndi

from _helpers import MODES, RESULT_DTYPE, make_array, random_values
from fastdiff import reference as ref

SCIPY_MODE = {"periodic": "wrap", "wrap": "wrap", "constant": "constant",
              "nearest": "nearest", "reflect": "reflect", "mirror": "mirror"}


def stretched(n, lo=0.0, hi=2.0, amp=0.15):
    """Smooth, strictly increasing, unevenly spaced coordinates on [lo, hi]."""
    t = np.linspace(0.0, 1.0, n)
    return lo + (hi - lo) * (t + amp * np.sin(np.pi * t) / np.pi)


def close(got, expected, scale=1.0, rtol=1e-12):
    np.testing.assert_allclose(got, expected, rtol=0, atol=rtol * scale)


# --------------------------------------------------------------------------
# scipy.ndimage.laplace (acc=2, equal spacing, matching modes)
# --------------------------------------------------------------------------

@pytest.mark.parametrize("mode", list(SCIPY_MODE))
@pytest.mark.parametrize("shape", [(13,), (7, 9), (5, 6, 8), (3, 4, 5, 6), (1, 2, 7)])
def test_laplacian_equals_scipy_laplace(mode, shape):
    u = make_array(shape, seed=len(shape))
    h = 0.35
    expected = ndi.laplace(u, mode=SCIPY_MODE[mode], cval=-0.75) / h**2
    got = ref.laplacian(u, spacing=h, boundary=mode, cval=-0.75)
    assert got.shape == shape and got.dtype == np.float64
    close(got, expected, 4 * len(shape) / h**2 * np.abs(u).max())


@pytest.mark.parametrize("mode", list(SCIPY_MODE))
def test_laplacian_equals_scipy_laplace_on_chosen_axes(mode):
    u = make_array((6, 7, 8), seed=3)
    expected = sum(ndi.correlate1d(u, [1.0, -2.0, 1.0], axis=a, mode=SCIPY_MODE[mode], cval=2.0)
                   for a in (2, 0)) / 0.5**2
    got = ref.laplacian(u, axes=(-1, 0), spacing=0.5, boundary=mode, cval=2.0)
    close(got, expected, 8 / 0.25 * np.abs(u).max())


def test_laplacian_is_the_sum_of_second_derivatives():
    u = make_array((9, 10, 11), seed=4)
    x = stretched(11)
    kw = dict(spacing=[0.5, 0.25, x], boundary=["periodic", "mirror", "one-sided"], acc=4,
              cval=1.5)
    got = ref.laplacian(u, **kw)
    expected = sum(ref.derivative(u, a, 2, spacing=kw["spacing"][a], acc=4,
                                  boundary=kw["boundary"][a], cval=1.5) for a in range(3))
    close(got, expected, np.abs(expected).max())


# --------------------------------------------------------------------------
# hessian: structure, composition rule, trace
# --------------------------------------------------------------------------

HESS_CASES = [(mode, acc) for mode in MODES for acc in (2, 4, 6)]


def hessian_kwargs(mode, acc, ndim, coords=False):
    shape = tuple(acc + 4 + a for a in range(ndim))
    spacing = [0.4 + 0.2 * a for a in range(ndim)]
    if coords and mode == "one-sided":
        spacing = [stretched(n, 0, 0.3 * n) for n in shape]
    return shape, dict(spacing=spacing, acc=acc, boundary=mode, cval=0.6)


@pytest.mark.parametrize("mode, acc", HESS_CASES)
@pytest.mark.parametrize("ndim", [1, 2, 3])
def test_hessian_structure(mode, acc, ndim):
    shape, kw = hessian_kwargs(mode, acc, ndim, coords=ndim == 2)
    u = make_array(shape, seed=acc + ndim)
    H = ref.hessian(u, **kw)
    assert H.shape == (ndim, ndim) + shape and H.dtype == np.float64
    sp = kw["spacing"]
    for i, j in itertools.product(range(ndim), repeat=2):
        np.testing.assert_array_equal(H[i, j], H[j, i])  # exactly symmetric
        if i == j:
            expected = ref.derivative(u, i, 2, spacing=sp[i], acc=acc, boundary=mode, cval=0.6)
            np.testing.assert_array_equal(H[i, i], expected)
        elif i < j:
            # the composition rule: inner D_j with cval, outer D_i with 0
            inner = ref.derivative(u, j, 1, spacing=sp[j], acc=acc, boundary=mode, cval=0.6)
            outer = ref.derivative(inner, i, 1, spacing=sp[i], acc=acc, boundary=mode)
            np.testing.assert_array_equal(H[i, j], outer)
            # the other order agrees to rounding in every mode
            inner = ref.derivative(u, i, 1, spacing=sp[i], acc=acc, boundary=mode, cval=0.6)
            other = ref.derivative(inner, j, 1, spacing=sp[j], acc=acc, boundary=mode)
            close(other, H[i, j], np.abs(u).max() * 1e3)


def test_hessian_outer_derivative_pads_constant_mode_with_zero():
    # with cval != 0, composing with cval also in the outer derivative would
    # be wrong at the edges: the inner derivative of a constant ghost row is 0
    u = make_array((8, 9), seed=5)
    H = ref.hessian(u, boundary="constant", cval=3.0)
    inner = ref.derivative(u, 1, boundary="constant", cval=3.0)
    wrong = ref.derivative(inner, 0, boundary="constant", cval=3.0)
    assert np.abs(wrong - H[0, 1]).max() > 0.5
    np.testing.assert_array_equal(wrong[1:-1], H[0, 1][1:-1])
    # and equals the 2-D stencil on the cval-padded array
    p = np.pad(u, 1, constant_values=3.0)
    mixed = (p[2:, 2:] - p[2:, :-2] - p[:-2, 2:] + p[:-2, :-2]) / 4
    close(H[0, 1], mixed, 10.0)


@pytest.mark.parametrize("mode", MODES + ["per-axis"])
@pytest.mark.parametrize("acc", [2, 4, 6])
def test_laplacian_is_the_trace_of_the_hessian(mode, acc):
    shape = (acc + 4, acc + 5, acc + 3)
    modes = ["periodic", "one-sided", "constant"] if mode == "per-axis" else mode
    spacing = [0.3, stretched(shape[1]), 0.7] if mode == "per-axis" else [0.3, 0.5, 0.7]
    u = make_array(shape, seed=acc)
    kw = dict(spacing=spacing, acc=acc, boundary=modes, cval=-1.0)
    L = ref.laplacian(u, **kw)
    H = ref.hessian(u, **kw)
    close(L, np.trace(H), np.abs(L).max())
    # and on a subset of axes, in another order
    L = ref.laplacian(u, axes=(2, 0), **dict(kw, spacing=[0.7, 0.3],
                                              boundary=modes if isinstance(modes, str)
                                              else [modes[2], modes[0]]))
    H = ref.hessian(u, axes=(2, 0), **dict(kw, spacing=[0.7, 0.3],
                                            boundary=modes if isinstance(modes, str)
                                            else [modes[2], modes[0]]))
    close(L, np.trace(H), np.abs(L).max())


def test_hessian_axes_order():
    u = make_array((7, 8, 9), seed=6)
    H = ref.hessian(u, axes=(2, 0), spacing=[0.5, 0.25], boundary=["reflect", "nearest"])
    assert H.shape == (2, 2, 7, 8, 9)
    np.testing.assert_array_equal(H[0, 0], ref.derivative(u, 2, 2, spacing=0.5,
                                                          boundary="reflect"))
    np.testing.assert_array_equal(H[1, 1], ref.derivative(u, 0, 2, spacing=0.25,
                                                          boundary="nearest"))
    inner = ref.derivative(u, 0, spacing=0.25, boundary="nearest")
    np.testing.assert_array_equal(H[0, 1], ref.derivative(inner, 2, spacing=0.5,
                                                          boundary="reflect"))
    assert ref.hessian(u, axes=1).shape == (1, 1, 7, 8, 9)


# --------------------------------------------------------------------------
# vector-calculus identities (exact up to rounding for every mode, because
# the 1-D operators along different axes commute)
# --------------------------------------------------------------------------

def field_kwargs(mode, acc, shape, coords):
    spacing = [0.3 + 0.1 * a for a in range(len(shape))]
    if coords and mode == "one-sided":
        spacing = [stretched(n, 0, 0.3 * n, amp=0.3) for n in shape]
    return dict(spacing=spacing, acc=acc, boundary=mode)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("acc", [2, 4, 6])
@pytest.mark.parametrize("coords", [False, True], ids=["steps", "coords"])
def test_curl_of_gradient_is_zero(mode, acc, coords):
    for shape in [(acc + 3, acc + 4, acc + 5), (acc + 4, acc + 6)]:
        u = make_array(shape, seed=acc)
        kw = field_kwargs(mode, acc, shape, coords)
        g = ref.gradient(u, cval=0.0, **kw)
        c = ref.curl(g, **kw)
        assert c.shape == ((3,) + shape if len(shape) == 3 else shape)
        close(c, 0.0, np.abs(g).max() * np.abs(u).max() * 1e2, rtol=1e-13)


@pytest.mark.parametrize("acc", [2, 4])
def test_curl_of_gradient_constant_mode_needs_zero_outer_cval(acc):
    # like the hessian rule: derivatives of gradient components pad with 0
    u = make_array((acc + 4, acc + 5, acc + 3), seed=7)
    g = ref.gradient(u, boundary="constant", cval=2.5, acc=acc)
    close(ref.curl(g, boundary="constant", cval=0.0, acc=acc), 0.0, np.abs(u).max(),
          rtol=1e-13)
    assert np.abs(ref.curl(g, boundary="constant", cval=2.5, acc=acc)).max() > 0.1


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("acc", [2, 4, 6])
@pytest.mark.parametrize("coords", [False, True], ids=["steps", "coords"])
def test_divergence_of_curl_is_zero(mode, acc, coords):
    shape = (acc + 3, acc + 4, acc + 5)
    v = make_array((3,) + shape, seed=acc + 1)
    kw = field_kwargs(mode, acc, shape, coords)
    c = ref.curl(v, cval=0.5, **kw)
    d = ref.divergence(c, **kw)
    close(d, 0.0, np.abs(c).max() * np.abs(v).max() * 1e2, rtol=1e-13)


@pytest.mark.parametrize("mode", MODES + ["per-axis"])
def test_divergence_curl_directional_follow_from_jacobian(mode):
    shape = (6, 7, 8)
    modes = ["mirror", "one-sided", "periodic"] if mode == "per-axis" else mode
    kw = dict(spacing=[0.5, stretched(7) if mode == "per-axis" else 0.3, 0.2], acc=4,
              boundary=modes, cval=0.25)
    v = make_array((3,) + shape, seed=8)
    J = ref.jacobian(v, **kw)
    assert J.shape == (3, 3) + shape
    for i in range(3):
        np.testing.assert_array_equal(J[i], ref.gradient(v[i], **kw))
    close(ref.divergence(v, **kw), np.trace(J), np.abs(J).max())
    close(ref.curl(v, **kw), np.stack([J[2, 1] - J[1, 2], J[0, 2] - J[2, 0], J[1, 0] - J[0, 1]]),
          np.abs(J).max())
    # 2-D curl on the first two axes of S
    w = v[:2]
    J2 = ref.jacobian(w, axes=(0, 1), **dict(kw, spacing=kw["spacing"][:2],
                                             boundary=modes if isinstance(modes, str)
                                             else modes[:2]))
    got = ref.curl(w, axes=(0, 1), **dict(kw, spacing=kw["spacing"][:2],
                                          boundary=modes if isinstance(modes, str)
                                          else modes[:2]))
    assert got.shape == shape
    close(got, J2[1, 0] - J2[0, 1], np.abs(J2).max())
    # directional = gradient . unit direction
    u = v[0]
    d = np.array([1.0, -2.0, 0.5])
    g = ref.gradient(u, **kw)
    close(ref.directional(u, d, **kw), np.tensordot(d / np.linalg.norm(d), g, 1),
          np.abs(g).max())
    close(ref.directional(u, d, normalize=False, **kw), np.tensordot(d, g, 1),
          4 * np.abs(g).max())


def test_jacobian_of_m_components_on_chosen_axes():
    v = make_array((4, 6, 7, 8), seed=9)
    J = ref.jacobian(v, axes=(-1, 1), spacing=[0.5, 0.25], boundary="reflect")
    assert J.shape == (4, 2, 6, 7, 8)
    for i in range(4):
        np.testing.assert_array_equal(J[i, 0], ref.derivative(v[i], 2, spacing=0.5,
                                                              boundary="reflect"))
        np.testing.assert_array_equal(J[i, 1], ref.derivative(v[i], 1, spacing=0.25,
                                                              boundary="reflect"))


def test_curl_axes_pick_three_axes_of_a_4d_field():
    v = make_array((3, 5, 6, 7, 8), seed=10)
    c = ref.curl(v, axes=(3, 0, 2), boundary="periodic")
    assert c.shape == (3, 5, 6, 7, 8)

    def d(comp, ax):
        return ref.derivative(v[comp], ax, boundary="periodic")
    close(c[0], d(2, 0) - d(1, 2), 10.0)
    close(c[1], d(0, 2) - d(2, 3), 10.0)
    close(c[2], d(1, 3) - d(0, 0), 10.0)


# --------------------------------------------------------------------------
# the seed documents' worked examples (../shared/seeds/)
# --------------------------------------------------------------------------

def paraboloid(n=20):
    x = np.linspace(-2.0, 2.0, n)
    X, Y = np.meshgrid(x, x, indexing="ij")
    return x, X, Y, X**2 + Y**2


def test_seed_paraboloid_on_20x20_grid():
    # f = x^2 + y^2 on a 20x20 grid over [-2, 2]^2: one-sided acc=2 stencils
    # are exact for quadratics, so the results hold at EVERY grid point
    x, X, Y, f = paraboloid()
    h = x[1] - x[0]
    g = ref.gradient(f, spacing=h)
    close(g, np.stack([2 * X, 2 * Y]), 1.0, rtol=1e-12)
    H = ref.hessian(f, spacing=h)
    close(H, np.array([[2.0, 0.0], [0.0, 2.0]])[:, :, None, None] * np.ones((20, 20)), 1.0,
          rtol=1e-11)
    L = ref.laplacian(f, spacing=h)
    close(L, 4.0, 1.0, rtol=1e-11)
    # coordinate arrays give the same
    close(ref.laplacian(f, spacing=[x, x]), 4.0, 1.0, rtol=1e-11)


def test_seed_paraboloid_gradients_at_points():
    # the seed's points (1,1), (0,0), (-1,2) are grid points at step 0.2
    x = np.linspace(-2.0, 2.0, 21)
    X, Y = np.meshgrid(x, x, indexing="ij")
    g = ref.gradient(X**2 + Y**2, spacing=[x, x])
    at = {p: (int(round((p[0] + 2) / 0.2)), int(round((p[1] + 2) / 0.2)))
          for p in [(1.0, 1.0), (0.0, 0.0), (-1.0, 2.0)]}
    for p, expected in [((1.0, 1.0), (2, 2)), ((0.0, 0.0), (0, 0)), ((-1.0, 2.0), (-2, 4))]:
        close(g[(slice(None),) + at[p]], expected, 1.0, rtol=1e-12)


def test_seed_directional_of_paraboloid_along_diagonal():
    x, X, Y, f = paraboloid()
    h = x[1] - x[0]
    d = ref.directional(f, [1, 1], spacing=h)
    close(d, (2 * X + 2 * Y) / np.sqrt(2), 1.0, rtol=1e-12)
    close(ref.directional(f, [1, 1], spacing=h, normalize=False), 2 * X + 2 * Y, 1.0)
    # a field of directions: radial unit vectors give |grad f| = 2r, 0 at r=0
    r = np.hypot(X, Y)
    field = np.stack([X, Y])
    close(ref.directional(f, field, spacing=h), 2 * r, 1.0, rtol=1e-11)
    field[:, 3, 4] = 0.0
    got = ref.directional(f, field, spacing=h)
    assert got[3, 4] == 0.0


def test_seed_monkey_saddle_hessian_at_origin():
    # f = x^3 - 3xy^2: critical point at the origin where the Hessian
    # [[6x, -6y], [-6y, -6x]] vanishes (a degenerate critical point)
    x = np.linspace(-1.0, 1.0, 21)
    X, Y = np.meshgrid(x, x, indexing="ij")
    f = X**3 - 3 * X * Y**2
    g = ref.gradient(f, spacing=x[1] - x[0], acc=4)  # exact for cubics
    close(g, np.stack([3 * X**2 - 3 * Y**2, -6 * X * Y]), 1.0, rtol=1e-12)
    close(g[:, 10, 10], 0.0, 1.0, rtol=1e-13)
    H = ref.hessian(f, spacing=x[1] - x[0])  # acc=2 is exact here
    expected = np.array([[6 * X, -6 * Y], [-6 * Y, -6 * X]])
    close(H, expected, 1.0, rtol=1e-11)
    close(H[:, :, 10, 10], np.zeros((2, 2)), 1.0, rtol=1e-12)


def test_seed_saddle_hessian_eigenvalues_of_both_signs():
    x = np.linspace(-1.0, 1.0, 11)
    X, Y = np.meshgrid(x, x, indexing="ij")
    H = ref.hessian(X**2 - Y**2, spacing=0.2)
    close(H, np.array([[2.0, 0.0], [0.0, -2.0]])[:, :, None, None] * np.ones((11, 11)), 1.0,
          rtol=1e-11)
    ev = np.linalg.eigvalsh(H[:, :, 5, 5])
    assert ev[0] < 0 < ev[1]
    close(ev, [-2.0, 2.0], 1.0, rtol=1e-11)


def test_seed_jacobian_of_vector_function():
    # f(x, y) = [x^2 + y, xy]: J = [[2x, 1], [y, x]]; J(1, 2) = [[2, 1], [2, 1]]
    x = np.linspace(-2.0, 2.0, 21)
    X, Y = np.meshgrid(x, x, indexing="ij")
    J = ref.jacobian(np.stack([X**2 + Y, X * Y]), spacing=0.2)
    close(J, np.array([[2 * X, np.ones_like(X)], [Y, X]]), 1.0, rtol=1e-12)
    close(J[:, :, 15, 20], [[2.0, 1.0], [2.0, 1.0]], 1.0, rtol=1e-12)


def test_rotation_and_source_fields():
    x = np.linspace(-1.0, 1.0, 9)
    X, Y, Z = np.meshgrid(x, x, x, indexing="ij")
    rot = np.stack([-Y, X, np.zeros_like(X)])
    c = ref.curl(rot, spacing=0.25)
    close(c, np.stack([0 * X, 0 * X, 2 + 0 * X]), 1.0)
    close(ref.divergence(rot, spacing=0.25), 0.0, 1.0)
    close(ref.divergence(np.stack([X, Y, Z]), spacing=0.25), 3.0, 1.0)
    close(ref.curl(rot[:2, :, :, 0], spacing=0.25), 2.0, 1.0)


# --------------------------------------------------------------------------
# dtypes, out=, errors
# --------------------------------------------------------------------------

def all_ops(u, v, **kw):
    return {
        "laplacian": ref.laplacian(u, **kw),
        "hessian": ref.hessian(u, **kw),
        "divergence": ref.divergence(v, **kw),
        "curl": ref.curl(v, **kw),
        "jacobian": ref.jacobian(v, **kw),
        "directional": ref.directional(u, [0.5, -1.0, 2.0], **kw),
    }


@pytest.mark.parametrize("dtype", list(RESULT_DTYPE))
def test_result_dtype(dtype):
    u = random_values((5, 6, 7), dtype)
    v = random_values((3, 5, 6, 7), dtype)
    for name, res in all_ops(u, v).items():
        assert res.dtype == RESULT_DTYPE[dtype], name


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
def test_single_precision_is_rounded_from_double(dtype):
    u = random_values((5, 6, 7), dtype)
    v = random_values((3, 5, 6, 7), dtype)
    wide = np.complex128 if dtype == "complex64" else np.float64
    got = all_ops(u, v, acc=4, boundary="mirror")
    expected = all_ops(u.astype(wide), v.astype(wide), acc=4, boundary="mirror")
    for name in got:
        np.testing.assert_array_equal(got[name], expected[name].astype(dtype), err_msg=name)


def test_complex_is_linear():
    u = random_values((6, 7, 8), "complex128", seed=2)
    v = random_values((3, 6, 7, 8), "complex128", seed=3)
    kw = dict(acc=4, boundary="constant", cval=0.0)
    got = all_ops(u, v, **kw)
    re, im = all_ops(u.real, v.real, **kw), all_ops(u.imag, v.imag, **kw)
    for name in got:
        close(got[name], re[name] + 1j * im[name], np.abs(got[name]).max(), rtol=1e-14)


def test_layout_does_not_matter():
    values = random_values((3, 6, 7, 8), "float64", seed=8)
    expected = all_ops(values[0], values, acc=4, boundary="reflect")
    for layout in ("F", "strided", "negative"):
        v = make_array(values.shape, layout=layout, seed=8)
        got = all_ops(v[0], v, acc=4, boundary="reflect")
        for name in got:
            np.testing.assert_array_equal(got[name], expected[name], err_msg=name)


def test_out_is_filled_and_returned():
    u = random_values((5, 6, 7), "float32")
    v = random_values((3, 5, 6, 7), "float32")
    expected = all_ops(u, v)
    calls = {
        "laplacian": lambda out: ref.laplacian(u, out=out),
        "hessian": lambda out: ref.hessian(u, out=out),
        "divergence": lambda out: ref.divergence(v, out=out),
        "curl": lambda out: ref.curl(v, out=out),
        "jacobian": lambda out: ref.jacobian(v, out=out),
        "directional": lambda out: ref.directional(u, [0.5, -1.0, 2.0], out=out),
    }
    for name, call in calls.items():
        out = np.full(expected[name].shape, np.nan, np.float32, order="F")
        assert call(out) is out
        np.testing.assert_array_equal(out, expected[name], err_msg=name)


@pytest.mark.parametrize("call, exc, match", [
    (lambda: ref.divergence(np.ones((2, 5, 6, 7))), ValueError,
     "v has 2 components, but 3 axes are differentiated"),
    (lambda: ref.divergence(np.ones((3, 5, 6, 7)), axes=(0, 2)), ValueError,
     "v has 3 components, but 2 axes"),
    (lambda: ref.curl(np.ones((3, 5, 6))), ValueError, "components"),
    (lambda: ref.curl(np.ones((4, 5, 6, 7, 8))), ValueError, "curl"),
    (lambda: ref.curl(np.ones((1, 5, 6, 7)), axes=1), ValueError, "curl"),
    (lambda: ref.jacobian(np.ones(5)), ValueError, "v"),
    (lambda: ref.divergence(np.ones(5)), ValueError, "v"),
    (lambda: ref.jacobian("abc"), TypeError, "v"),
    (lambda: ref.jacobian(np.ones((2, 5), dtype="U1")), TypeError, "v"),
    (lambda: ref.divergence(np.ones((2, 5, 6)), axes=(0, 2)), ValueError, "axes"),
    (lambda: ref.directional(np.ones((5, 6)), [1.0, 2.0, 3.0]), ValueError, "direction"),
    (lambda: ref.directional(np.ones((5, 6)), np.ones((2, 5, 7))), ValueError, "direction"),
    (lambda: ref.directional(np.ones((5, 6)), [0.0, 0.0]), ValueError,
     "direction must not be the zero vector"),
    (lambda: ref.laplacian(np.ones((5, 3)), acc=2), ValueError,
     "axis 1 has 3 points, but a second derivative with acc=2 and one-sided "
     "boundaries needs at least 4"),
    (lambda: ref.hessian(np.ones((5, 5)), acc=4), ValueError, "axis 0 has 5 points"),
    (lambda: ref.hessian(np.ones((5, 6)), out=np.empty((2, 5, 6))), ValueError, "out"),
])
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
