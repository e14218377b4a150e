"""findiff's own tests, ported to ``fd.grid`` and ``fd.stencil``.

Source: the ``tests/`` directory of the findiff 0.16.0 sdist (PyPI
``findiff-0.16.0.tar.gz``; 0.16.0 is the installed ``findiff.__version__``
when ported): test_findiff.py (TestFinDiff, TestFinDiffNonUniform),
test_diff.py, test_operators.py, test_vector.py, test_coefs.py,
test_stencils.py, test_bugs.py, test_accuracy.py, test_scaling.py,
test_nonuniform_accuracy.py, test_nonuniform_optimized.py, test_functional.py,
test_backend.py (TestNumpyRegression), test_utils.py, test_stability.py and
test_eigenvalue.py. One class here per findiff file, one test per findiff test
with the same name; the cases findiff repeats for its old ``FinDiff`` and its
new ``Diff`` API (test_findiff.py vs test_diff.py / test_operators.py) are
ported once and name both. The truths are findiff's analytic ones (findiff is
not imported); tolerances are findiff's: ``assert_array_almost_equal(...,
decimal=d)`` (|error| < 1.5 * 10**-d) is kept as such.

Convention map (findiff -> fastdiff), applied wherever a case uses it:

* ``Diff(axis, h, acc=a)``, ``FinDiff(axis, h, order, acc=a)`` ->
  ``fd.grid.D(axis, order)`` or ``fd.grid.derivative(u, axis, order)``.
  fastdiff operators carry no grid: ``spacing=`` and ``acc=`` are given when
  the operator is applied (or planned). For an operator, ``spacing`` has one
  entry per axis of the grid (findiff's per-axis ``h``); ``set_grid`` and
  deferred grids therefore have nothing to port (the grid is always deferred).
* A coordinate array ``Diff(axis, x)`` -> ``spacing=x`` (or one array per
  axis). fastdiff treats coordinates evenly spaced to 1e-12 as a uniform grid
  (SPEC), findiff always uses its non-uniform scheme for arrays. Where a
  findiff case passes ``np.linspace`` coordinates to exercise the non-uniform
  path, the port also runs the case on ``jittered`` coordinates (findiff's
  points moved by < 1e-7 steps, so that fastdiff's non-uniform scheme runs on
  findiff's grid at findiff's tolerance) or, for exact cases, on a stretched
  grid.
* ``periodic=True`` -> ``boundary="periodic"``; ``set_grid({0: {"h": dx,
  "periodic": True}, 1: dy})`` -> ``spacing=[dx, dy]``, ``boundary=
  ["periodic", "one-sided"]``.
* findiff's (only) non-periodic boundary treatment, one-sided stencils of the
  same accuracy, is fastdiff's default ``"one-sided"``. findiff uses the fully
  forward (backward) stencil on every row where the central one does not fit;
  fastdiff shifts the window instead (off-centred stencils of the same width,
  e.g. offsets -1..3 on row 1, as SPEC says). Values agree to the accuracy
  order; cases asserting matrix entries of rows 1.. (issues 24 and 31) check
  rows 0 and the centre as findiff does and fastdiff's own row 1 weights.
* ``Diff(0) * Diff(1)``, ``FinDiff((0, dx), (1, dy))`` -> ``D(0) * D(1)``;
  ``Diff(0)**k`` and ``Diff(0) * Diff(0)`` -> ``D(0)**k`` (both libraries use
  the direct order-k stencil); ``D(D(u))`` (repeated application) ->
  ``derivative`` twice. findiff's ``*`` is composition (the right factor is
  applied first), so a coefficient to the right of a derivative is
  differentiated too (``Diff(0) * X`` is d(X u)/dx); in fastdiff a coefficient
  multiplies the derivative beside it (``D(0) * X`` is X du/dx, SPEC). The
  ported cases have coefficients on the left only, where the two agree.
* ``Coef(c) * op`` and ``c * op`` -> ``c * op``. fastdiff has no separate
  ``Identity``/``FieldOperator``: a number or a real array added to an
  operator is that multiple of the identity (``op + 1``, ``op + V``), and a
  bare multiple of the identity is written ``0 * D(0) + c`` (``ident`` below).
* ``op.matrix(shape)`` -> ``op.plan(shape, spacing=...).matrix()``, or
  ``fd.grid.matrix`` / ``fd.grid.laplacian_matrix``. findiff's per-point
  stencils (``op.stencil(shape)``, ``Stencil.apply``) -> the rows of that
  matrix (fastdiff's only per-point stencil representation).
* ``coefficients(deriv, acc)["center"|"forward"|"backward"]`` and
  ``calc_coefs(deriv, offsets)`` -> ``fd.stencil(order, acc)`` and
  ``fd.stencil(order, offsets=...)``; a 2-D ``Stencil`` that is a sum or
  product of 1-D stencils -> a row of the operator's matrix.
* ``Gradient``/``Divergence``/``Curl``/``Laplacian(h= | spac= | coords=)`` ->
  ``fd.grid.gradient``/``divergence``/``curl``/``laplacian(spacing=...)``
  (same stacked layouts). findiff rejects some arguments when the operator is
  built (``Curl(spac=[1])``); fastdiff validates at the call.
* ``eigs``/``eigsh`` with ``BoundaryConditions`` (Dirichlet rows) -> the
  eigenvalues of the matrix with the boundary rows and columns removed.
* Errors: findiff's ValueError for a non-array argument and for a non-number
  in operator algebra are TypeErrors in fastdiff (SPEC: wrong types are
  TypeError; Python's operator protocol). findiff's ``Diff(-1, h)`` error is
  a valid negative axis in fastdiff (NumPy convention).

Not ported (fastdiff has no such feature, or the test is about internals):

* PDE solving: test_pde.py, test_pde_old.py, test_robin_bc.py,
  test_iterative_solvers.py, test_ivp.py, ``BoundaryConditions``,
  ``TimeDependentPDE`` and the time-stepping/stability-warning cases of
  test_stability.py.
* Compact (implicit) schemes (test_compact.py; ``compact=`` in
  test_operators.py and test_stability.py) and findiff's ``boundary=
  "centered"`` closure (test_stability.py's centered cases).
* Symbolic stencils (test_symbolic.py; ``symbolic=True`` coefficients are
  ported as exact rationals); the ``analytic_inv`` parametrisation (fastdiff
  has one exact-rational path).
* Error estimation (test_error_estimation.py; test_backend's
  test_estimate_error): ``fd.grid`` has no error estimates.
* General multi-dimensional ``Stencil`` objects with arbitrary offsets: the
  "x-form" (diagonal) Laplacian, stencils applied ``on=`` slices or masks and
  outside the grid, the slice bugs of issue 99 (TestStencilSliceBugs): fastdiff's
  multi-axis stencils are sums/products of 1-D stencils; those cases are ported.
* ``str``/``repr`` of operators (TestRepr, FieldOperator str) and the class
  checks of test_add_scalar_to_identity (findiff's expression classes).
* test_grid.py (findiff's axis objects), test_utils.py's index helpers,
  deferred grids (test_diff_deferred*, "Unknown axis type", ``Diff()``
  without an axis), the FinDiff deprecation warnings, the JAX/CuPy backends,
  benchmarks and example notebooks.
* findiff internals of test_nonuniform_optimized.py (batched coefficients,
  stored coefficients, ``_apply_nonuni_weights``); their observable
  structure (stencil widths per row) is ported through matrix rows.
* The eigen-solver API (``eigs``/``eigsh`` methods, their return shapes,
  ``sigma`` (test_operators' test_eigs(h)_with_sigma), generalized
  ``M=Identity()``, eigenvectors zero on Dirichlet points, which holds by
  construction once those points are removed): fastdiff has none; the
  eigenvalues and the first eigenvector are ported through matrices.
* test_vector's test_h_and_coords_raises (``Laplacian(h=..., coords=...)``):
  fastdiff has a single ``spacing`` argument, so both cannot be given.
* test_scaling's helper assertAlmostEqual and other helpers without asserts.
"""
from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import (assert_allclose, assert_almost_equal, assert_array_almost_equal,
                           assert_array_equal)

import fastdiff as fd

sparse = pytest.importorskip("scipy.sparse")   # the matrices are scipy.sparse

D = fd.grid.D
grid = fd.grid


def jittered(x, k=0):
    """x with every point moved by < 1e-7 steps: findiff's grid, but beyond
    fastdiff's 1e-12 uniformity test, so fastdiff's non-uniform path runs
    (the truths are evaluated at the moved points; see the map)."""
    return x + 1e-7 * (x[1] - x[0]) * np.sin(1.3 * np.arange(len(x)) + k)


def mesh(shape, lo, hi, endpoint=True, jitter=False):
    """findiff's grid()/make_grid()/init_mesh(): coordinates, steps, mesh."""
    lo = np.broadcast_to(lo, (len(shape),))
    hi = np.broadcast_to(hi, (len(shape),))
    axes = [np.linspace(lo[k], hi[k], n, endpoint=endpoint) for k, n in enumerate(shape)]
    if jitter:
        axes = [jittered(a, k) for k, a in enumerate(axes)]
    return axes, [a[1] - a[0] for a in axes], np.meshgrid(*axes, indexing="ij")


def ident(c=1.0):
    """findiff's ``Coef(c) * Identity()`` (``FieldOperator(c)``)."""
    return 0 * D(0) + c


def stretched(n, lo=0.0, hi=1.0):
    """A smoothly non-uniform grid (for the non-uniform path, see the map)."""
    s = np.linspace(0, 1, n)
    return lo + (hi - lo) * (s + 0.2 * s * (1 - s))


def row(mat, i):
    """Row i of a sparse matrix as {column: weight} without stored zeros."""
    r = mat.getrow(i).tocoo()
    return {int(c): v for c, v in zip(r.col, r.data) if v != 0}


def loglog_slope(x, y):
    return np.polyfit(np.log(x), np.log(y), 1)[0]


# --------------------------------------------------------------------------
# test_findiff.py (TestFinDiff), with the Diff duplicates of test_diff.py and
# test_operators.py
# --------------------------------------------------------------------------
class TestFinDiff:

    def test_findiff_still_works(self):
        x = np.linspace(0, 2 * np.pi, 100)
        result = grid.derivative(np.sin(x), 0, spacing=x[1] - x[0], acc=4)
        assert_array_almost_equal(result, np.cos(x), decimal=4)

    def test_partial_diff_1d(self):
        x = np.linspace(0, 1, 11)
        ux = D(0)(x**3, spacing=x[1] - x[0], acc=4)
        assert_array_almost_equal(ux, 3 * x**2, decimal=5)

    @pytest.mark.parametrize("ny", [100, 80], ids=["test_findiff", "test_operators"])
    def test_partial_diff(self, ny):
        # test_findiff.py uses ny = 100, test_operators.py ny = 80
        x = np.linspace(0, np.pi, 100)
        dx = x[1] - x[0]
        assert_array_almost_equal(D(0)(np.sin(x), spacing=dx, acc=4), np.cos(x), decimal=5)
        y = np.linspace(0, np.pi, ny)
        X, Y = np.meshgrid(x, y, indexing="ij")
        uxy = (D(0) * D(1))(np.sin(X) * np.sin(Y), spacing=[dx, y[1] - y[0]], acc=4)
        assert_array_almost_equal(uxy, np.cos(X) * np.cos(Y), decimal=5)

    @pytest.mark.parametrize("sign", [1, -1], ids=["test_plus", "test_minus"])
    def test_plus_minus(self, sign):
        _, h, (X, Y) = mesh((50, 50), 0, 1)
        d = D(0) + D(1) if sign > 0 else D(0) - D(1)
        assert_array_almost_equal(d(X**2 + Y**2, spacing=h), 2 * X + sign * 2 * Y)

    def test_multiply(self):
        _, h, (X, Y) = mesh((5, 5), 0, 1)
        assert_array_almost_equal((X * D(0, 2))(X**2 + Y**2, spacing=h), 2 * X)

    def test_multiply_operators(self):
        _, h, (X, Y) = mesh((50, 50), 0, 1)
        uxx = (D(0) * D(0))(X**2 + Y**2, spacing=h)
        assert_array_almost_equal(uxx, np.ones_like(X) * 2)

    def test_laplace(self):
        _, h, (X, Y, Z) = mesh((50, 50, 50), 0, 1)
        u = X**3 + Y**3 + Z**3
        laplace = D(0, 2) + D(1, 2) + D(2, 2)
        lap_u = laplace(u, spacing=h)
        assert_array_almost_equal(lap_u, 6 * X + 6 * Y + 6 * Z)
        assert_array_almost_equal(grid.laplacian(u, spacing=h), lap_u)
        d = X * D(0) + Y * D(1) + Z * D(2)
        f = d(lap_u, spacing=h)
        f2 = (d * laplace)(u, spacing=h)
        assert_array_almost_equal(f2, f)
        assert_array_almost_equal(f2, 6 * (X + Y + Z))

    def test_identity(self):
        x = np.linspace(-1, 1, 100)
        u = x**2
        assert_array_equal(u, ident()(u))
        assert_array_equal(2 * u, (2 * ident())(u))
        assert_array_equal(x * u, (x * ident())(u))

    def test_identity_2d(self):
        (x, _), _, (X, Y) = mesh((100, 100), -1, 1)
        u = X**2 + Y**2
        assert_array_equal(u, ident()(u))
        assert_array_equal(2 * u, (2 * ident())(u))
        assert_array_equal(X * u, (X * ident())(u))
        linop = D(0) + 2
        assert_array_almost_equal(2 * X + 2 * u, linop(u, spacing=x[1] - x[0]))

    def test_spac(self):
        _, (dx, dy), (X, Y) = mesh((100, 100), -1, 1)
        u = X**2 + Y**2
        assert_array_almost_equal(2 * X, D(0)(u, spacing=[dx, dy]))
        assert_array_almost_equal(2 * Y, D(1)(u, spacing=[dx, dy]))
        assert_array_almost_equal(np.ones_like(u), (D(0) * D(1))(X * Y, spacing=[dx, dy]))

    def test_mixed_partials(self):
        _, h, (X, Y, Z) = mesh((50, 50, 50), 0, 1)
        diffed = (D(0) * D(1) * D(2))(X**2 * Y**2 * Z**2, spacing=h)
        assert_array_almost_equal(8 * X * Y * Z, diffed)

    def test_linear_combinations(self):
        _, h, (X, Y, Z) = mesh((30, 30, 30), 0, 1)
        d = X * D(0) + Y**2 * D(1, 2)
        assert_array_almost_equal(d(X**2 + Y**2 + Z**2, spacing=h), 2 * X**2 + 2 * Y**2)

    def test_local_stencil_single_axis_center_1d(self):
        # op.stencil(shape).apply(u, idx) / apply_all(u) -> rows of the matrix
        x = np.linspace(0, 1, 50)
        dx = x[1] - x[0]
        u = x**3
        d2u_dx2 = D(0, 2)(u, spacing=dx)
        mat = D(0, 2).plan(u.shape, spacing=dx).matrix()
        idx = 5
        actual = sum(w * u[c] for c, w in row(mat, idx).items())
        assert pytest.approx(d2u_dx2[idx]) == actual
        assert_array_almost_equal(d2u_dx2, mat @ u)
        assert_array_almost_equal(d2u_dx2, 6 * x)   # beyond findiff: the truth

    @pytest.mark.parametrize("case", [
        "single_axis_center_2d_compared_with_findiff", "operator_addition",
        "operator_mixed_partials", "operator_multiplication", "operator_with_coef"])
    def test_local_stencil(self, case):
        # test_local_stencil_<case>: the per-point form applied everywhere
        # equals the operator (and, for the mixed partials, the truth)
        if case.startswith("single"):
            _, h, (X, Y) = mesh((70, 70), -1, 1)
            op, u, truth = D(1, 2), X**3 * Y**3, 6 * X**3 * Y
        elif case == "operator_addition":
            _, h, (X, Y) = mesh((100, 100), -1, 1)
            op, u, truth = D(0, 2) + D(1, 2), X**3 + Y**3, 6 * X + 6 * Y
        else:
            _, h, (X, Y) = mesh((101, 101), 0, 10)
            op = {"operator_mixed_partials": D(0) * D(1),
                  "operator_multiplication": D(0) * D(1),
                  "operator_with_coef": 2 * D(0) * D(1)}[case]
            u = X * Y
            truth = (2.0 if "coef" in case else 1.0) * np.ones_like(X)
        expected = op(u, spacing=h)
        actual = (op.plan(u.shape, spacing=h).matrix() @ u.ravel()).reshape(u.shape)
        assert_array_almost_equal(expected, actual)
        assert_array_almost_equal(truth, actual)   # beyond findiff: the truth

    def test_matrix_1d(self):
        x = np.linspace(0, 6, 7)
        mat = D(0, 2).plan(x.shape, spacing=x[1] - x[0]).matrix()
        assert_array_almost_equal(2 * np.ones_like(x), mat.dot(x**2))
        assert_array_almost_equal(2 * np.ones_like(x),
                                  grid.matrix(x.shape, 2, spacing=x[1] - x[0]) @ x**2)

    def test_matrix_2d(self):
        # findiff's operator here is d2/dx2 + d2/dx2 (axis 0 twice: the y term
        # also says axis 0); ported as is, 2 + 2 = 4. The real Laplacian
        # (laplacian_matrix) gives 4 too.
        x = y = np.linspace(0, 4, 5)
        X, Y = np.meshgrid(x, y, indexing="ij")
        u = X**2 + Y**2
        op = D(0) ** 2 + D(0) ** 2
        mat = op.plan(u.shape, spacing=[x[1] - x[0], y[1] - y[0]]).matrix()
        assert_array_almost_equal(4 * np.ones(u.size), mat.dot(u.reshape(-1)))
        lap = grid.laplacian_matrix(u.shape, spacing=x[1] - x[0])
        assert_array_almost_equal(4 * np.ones(u.size), lap @ u.ravel())

    def test_matrix_2d_mixed(self):
        x, y = np.linspace(0, 5, 6), np.linspace(0, 6, 7)
        X, Y = np.meshgrid(x, y, indexing="ij")
        h = [x[1] - x[0], y[1] - y[0]]
        u = X**2 * Y**2
        op = D(0) * D(1)
        expected = op(u, spacing=h).reshape(-1)
        actual = op.plan(u.shape, spacing=h).matrix().dot(u.reshape(-1))
        assert_array_almost_equal(expected, actual)
        assert_array_almost_equal(4 * (X * Y).ravel(), actual)   # beyond findiff

    def test_matrix_1d_coeffs(self):
        x = np.linspace(0, 10, 11)
        L = x * D(0) ** 2
        u = np.random.default_rng(0).random(x.shape)
        actual = L.plan(x.shape, spacing=x[1] - x[0]).matrix().dot(u)
        assert_array_almost_equal(L(u, spacing=x[1] - x[0]).reshape(-1), actual)

    def test_eigs(self):
        # harmonic oscillator; Dirichlet bc -> boundary rows/columns removed
        x = np.linspace(-8, 8, 200)
        H = -0.5 * D(0, 2) + 0.5 * x**2
        mat = H.plan(x.shape, spacing=x[1] - x[0]).matrix().toarray()[1:-1, 1:-1]
        vals = np.sort(np.linalg.eigvals(mat).real)[:4]
        assert_array_almost_equal(vals, [0.5, 1.5, 2.5, 3.5], decimal=1)


# --------------------------------------------------------------------------
# test_findiff.py (TestFinDiffNonUniform), with test_diff.py's duplicates
# --------------------------------------------------------------------------
class TestFinDiffNonUniform:

    def test_1d_different_accs(self):
        x = np.r_[np.arange(0, 4, 0.05), np.arange(4, 10, 1)]
        f = np.exp(-(x**2))
        f_x = grid.derivative(f, 0, spacing=x, acc=4)
        assert_array_almost_equal(-2 * x * np.exp(-(x**2)), f_x, decimal=4)
        # same, but this time with default acc (also on jittered coordinates)
        for x in (np.linspace(0, 1, 100), jittered(np.linspace(0, 1, 100))):
            f = np.exp(-(x**2))
            f_x = D(0)(f, spacing=[x])
            assert_array_almost_equal(-2 * x * np.exp(-(x**2)), f_x, decimal=4)

    def test_3d_different_accs(self):
        x = y = np.r_[np.arange(0, 4, 0.05), np.arange(4, 10, 1)]
        z = np.r_[np.arange(0, 4.5, 0.05), np.arange(4.5, 10, 1)]
        X, Y, Z = np.meshgrid(x, y, z, indexing="ij")
        f = np.exp(-(X**2) - Y**2 - Z**2)
        fye = -2 * Y * f
        for acc in (4, 6):
            fy = grid.derivative(f, 1, spacing=y, acc=acc)
            assert_array_almost_equal(fy, fye, decimal=4)

    def test_1d_linear_combination(self):
        x = np.sqrt(np.linspace(0, 1, 10))
        d1 = x * D(0)
        d2 = x**2 * D(0, 2)
        kw = dict(spacing=[x], acc=4)
        assert_array_almost_equal(3 * x**3, d1(x**3, **kw))
        assert_array_almost_equal(6 * x**3, d2(x**3, **kw))
        assert_array_almost_equal(9 * x**3, (d1 + d2)(x**3, **kw))

    def test_3d_linear_combination(self):
        x = y = z = np.sqrt(np.linspace(0, 1, 10))
        X, Y, Z = np.meshgrid(x, y, z, indexing="ij")
        kw = dict(spacing=[x, y, z], acc=4)
        u = X**3 + Y**3 + Z**3
        d1, d2 = X * D(0), Y * D(1)
        assert_array_almost_equal(3 * X**3, d1(u, **kw))
        assert_array_almost_equal(3 * Y**3, d2(u, **kw))
        assert_array_almost_equal(3 * (X**3 + Y**3), (d1 + d2)(u, **kw))

    def test_several_tuples_as_args(self):
        x = y = z = np.sqrt(np.linspace(0, 1, 10))
        X, Y, Z = np.meshgrid(x, y, z, indexing="ij")
        d1 = D(0) * D(1)
        assert_array_almost_equal(d1(X * Y, spacing=[x, y, z], acc=4), np.ones_like(X))

    def test_accepts_not_more_than_three_args(self):
        # FinDiff(axis, coords, order, extra) -> D(axis, order, extra)
        with pytest.raises(TypeError):
            D(0, 2, 3)

    @pytest.mark.parametrize("x", [np.linspace(0, 6, 7), stretched(7, 0, 6)],
                             ids=["findiff-grid", "stretched"])
    def test_matrix_1d_nonuni(self, x):
        mat = D(0, 2).plan(x.shape, spacing=[x]).matrix()
        assert_array_almost_equal(2 * np.ones_like(x), mat.dot(x**2))

    @pytest.mark.parametrize("x", [np.linspace(0, 4, 5), stretched(5, 0, 4)],
                             ids=["findiff-grid", "stretched"])
    def test_matrix_2d_nonuni(self, x):
        y = x
        X, Y = np.meshgrid(x, y, indexing="ij")
        u = X**2 + Y**2
        mat = (D(0) ** 2 + D(1) ** 2).plan(u.shape, spacing=[x, y]).matrix()
        assert_array_almost_equal(4 * np.ones(u.size), mat.dot(u.reshape(-1)))
        lap = grid.laplacian_matrix(u.shape, spacing=[x, y])
        assert_array_almost_equal(4 * np.ones(u.size), lap @ u.ravel())

    @pytest.mark.parametrize("xy", [(np.linspace(0, 5, 6), np.linspace(0, 6, 7)),
                                    (stretched(6, 0, 5), stretched(7, 0, 6))],
                             ids=["findiff-grid", "stretched"])
    def test_matrix_2d_mixed_nonuni(self, xy):
        X, Y = np.meshgrid(*xy, indexing="ij")
        u = X**2 * Y**2
        op = D(0) * D(1)
        expected = op(u, spacing=list(xy)).reshape(-1)
        actual = op.plan(u.shape, spacing=list(xy)).matrix().dot(u.reshape(-1))
        assert_array_almost_equal(expected, actual)
        assert_array_almost_equal(4 * (X * Y).ravel(), actual)   # beyond findiff

    @pytest.mark.parametrize("x", [np.linspace(0, 10, 11), stretched(11, 0, 10)],
                             ids=["findiff-grid", "stretched"])
    def test_matrix_1d_coeffs_nonuni(self, x):
        L = x * D(0, 2)
        u = np.random.default_rng(1).random(x.shape)
        actual = L.plan(x.shape, spacing=[x]).matrix().dot(u)
        assert_array_almost_equal(L(u, spacing=[x]).reshape(-1), actual)


# --------------------------------------------------------------------------
# test_diff.py (Diff), cases not already above
# --------------------------------------------------------------------------
class TestDiff:

    def test_partial_d2_dx2_matrix_periodic(self):
        expected = np.array([[-2, 1, 0, 0, 0, 1], [1, -2, 1, 0, 0, 0],
                             [0, 1, -2, 1, 0, 0], [0, 0, 1, -2, 1, 0],
                             [0, 0, 0, 1, -2, 1], [1, 0, 0, 0, 1, -2]], dtype=np.float64)
        actual = (D(0) ** 2).plan((6,), spacing=1, boundary="periodic").matrix().toarray()
        assert_array_almost_equal(expected, actual)
        assert_array_almost_equal(
            expected, grid.matrix((6,), 2, boundary="periodic").toarray())

    def test_partial_d2_dx2_matrix_periodic_2d(self):
        x = y = np.linspace(0, np.pi, 100, endpoint=False)
        X, Y = np.meshgrid(x, y, indexing="ij")
        f = np.sin(X) ** 2 * np.sin(Y) ** 2
        mat = grid.matrix(f.shape, 1, axis=1, spacing=y[1] - y[0], acc=4,
                          boundary="periodic")
        actual = mat.dot(f.reshape(-1)).reshape(100, 100)
        assert_array_almost_equal(2 * np.sin(X) ** 2 * np.sin(Y) * np.cos(Y), actual)

    def test_diff_2d_periodic_in_one_axis(self):
        x = np.linspace(0, 2 * np.pi, 100, endpoint=False)
        y = np.linspace(0, 1, 100)
        X, Y = np.meshgrid(x, y, indexing="ij")
        f = np.sin(X) ** 2 * np.sin(Y) ** 2
        actual = D(0)(f, spacing=[x[1] - x[0], y[1] - y[0]], acc=6,
                      boundary=["periodic", "one-sided"])
        assert_array_almost_equal(2 * np.sin(X) * np.cos(X) * np.sin(Y) ** 2, actual)

    def test_partial_d2_dx2(self):
        x = np.linspace(0, 1, 101)
        assert_array_almost_equal(2, (D(0) ** 2)(x**2, spacing=x[1] - x[0]))

    def test_partial_d_dx_acc(self):
        x = np.linspace(0, 1, 11)
        expected = 3 * x**2
        actual = D(0)(x**3, spacing=x[1] - x[0])
        with pytest.raises(AssertionError):
            assert_array_almost_equal(expected, actual)
        assert_array_almost_equal(expected, D(0)(x**3, spacing=x[1] - x[0], acc=4))

    @pytest.mark.parametrize("case", ["d2_dxdy", "d_dx_on_2d_array", "add_two_diffs",
                                      "sub_two_diffs"])
    def test_partial(self, case):
        # test_partial_d2_dxdy, test_partial_d_dx_on_2d_array, test_add_two_diffs,
        # test_sub_two_diffs: sin(x) sin(y) on 50 x 50, default acc, decimal=3
        _, h, (X, Y) = mesh((50, 50), 0, 1)
        u = np.sin(X) * np.sin(Y)
        op, expected = {
            "d2_dxdy": (D(0) * D(1), np.cos(X) * np.cos(Y)),
            "d_dx_on_2d_array": (D(1), np.sin(X) * np.cos(Y)),
            "add_two_diffs": (D(0) ** 2 + D(1) ** 2, -2 * u),
            "sub_two_diffs": (D(0) ** 2 - D(1) ** 2, np.zeros_like(u)),
        }[case]
        assert_array_almost_equal(expected, op(u, spacing=h), decimal=3)

    @pytest.mark.parametrize("case", ["multiply_with_scalar", "multiply_with_variable_from_left",
                                      "identity", "linear_comb"])
    def test_acc4(self, case):
        # test_multiply_with_scalar, test_multiply_with_variable_from_left,
        # test_identity, test_linear_comb: acc=4, decimal=6
        _, h, (X, Y) = mesh((50, 50), 0, 1)
        u = np.sin(X) * np.sin(Y)
        op, expected = {
            "multiply_with_scalar": (3 * D(0) ** 2, -3 * u),
            "multiply_with_variable_from_left": (3 * X * Y * D(0) ** 2, -3 * X * Y * u),
            "identity": (D(0) ** 2 + 1, np.zeros_like(u)),
            "linear_comb": (3 * X * D(0) ** 2 - Y * (D(1) ** 2 + D(0)),
                            -3 * X * u - Y * (-u + np.cos(X) * np.sin(Y))),
        }[case]
        assert_array_almost_equal(expected, op(u, spacing=h, acc=4))


# --------------------------------------------------------------------------
# test_operators.py, cases not already above
# --------------------------------------------------------------------------
class TestOperators:

    F = np.array([1, 2, 3])

    @pytest.mark.parametrize("build, expected", [
        pytest.param(lambda: ident(), [1, 2, 3], id="applying_identity"),
        pytest.param(lambda: ident() + ident() + ident(), [3, 6, 9], id="add_identities"),
        pytest.param(lambda: ident() + 2, [3, 6, 9], id="add_scalar_to_identity"),
        pytest.param(lambda: 2 + ident(), [3, 6, 9], id="add_scalar_to_identity-radd"),
        pytest.param(lambda: ident(2) + ident(2), [4, 8, 12], id="add_scalars"),
        pytest.param(lambda: ident(2) - 2 * ident(2), [-2, -4, -6], id="sub_scalars"),
        pytest.param(lambda: ident(3) * ident(3), [9, 18, 27], id="multiply_scalars"),
        pytest.param(lambda: ident(3) * 2, [6, 12, 18], id="multiply_scalar_with_number"),
        pytest.param(lambda: 2 * ident(3), [6, 12, 18], id="multiply_scalar_with_number-rmul"),
        pytest.param(lambda: ident(3) * np.array([-1, 1, -1]), [-3, 6, -9],
                     id="multiply_scalar_with_field"),
        pytest.param(lambda: np.array([-1, 1, -1]) * ident(3), [-3, 6, -9],
                     id="multiply_scalar_with_field-rmul"),
        pytest.param(lambda: ident(2) + ident(3) * 4, [14, 28, 42],
                     id="mix_addition_and_multiplication"),
    ])
    def test_identity_algebra(self, build, expected):
        # findiff's Identity/FieldOperator algebra; I = 0 * D(0) + 1 (see the map)
        assert_array_equal(build()(self.F), expected)

    def test_simple_derivatives(self):
        x = np.linspace(0, 1, 100)
        dx = x[1] - x[0]
        f = x**3
        assert_array_almost_equal(D(0)(f, spacing=dx), 3 * x**2, decimal=3)
        assert_array_almost_equal(D(0)(f, spacing=dx, acc=4), 3 * x**2)
        assert_array_almost_equal((D(0) ** 2)(f, spacing=dx, acc=4), 6 * x)

    def test_pow_diff(self):
        # d.order == 1 and (d**2).order == 2, d unchanged: as behaviour
        x = np.linspace(0, 1, 11)
        d = D(0)
        d2 = d**2
        assert_array_almost_equal(d(x**2, spacing=0.1), 2 * x)
        assert_array_almost_equal(d2(x**2, spacing=0.1), 2 * np.ones_like(x))
        assert_array_almost_equal(d(x**2, spacing=0.1), 2 * x)

    def test_chained_derivatives(self):
        x = np.linspace(0, 1, 100)
        actual = (D(0) * D(0))(x**3, spacing=x[1] - x[0], acc=4)
        assert_array_almost_equal(actual, 6 * x)

    def test_set_grid_lazily(self):
        # no grid in the operator; the spacing comes with the call
        x = np.linspace(0, 1, 100)
        d_dx = D(0)
        diff_op = d_dx * d_dx + d_dx
        actual = diff_op(x**3, spacing=x[1] - x[0], acc=4)
        assert_array_almost_equal(actual, 6 * x + 3 * x**2)

    def test_harmonic(self):
        x = np.linspace(0, 1, 100)
        dx = x[1] - x[0]
        f = x**3
        T = -0.5 * D(0) ** 2
        V = 0.5 * x**2
        H = T + V
        assert_array_almost_equal(T(f, spacing=dx, acc=4), -3 * x)
        assert_array_almost_equal(ident(V)(f), 0.5 * x**2 * f)
        assert_array_almost_equal(H(f, spacing=dx, acc=4), -3 * x + 0.5 * x**2 * f)

    def test_rsub_operator(self):
        # findiff checks the shape only; the value is exact here (quadratic)
        x = np.linspace(0, 1, 30)
        f = x**2
        val = (2 - D(0))(f, spacing=0.1)
        assert val.shape == f.shape
        assert_array_almost_equal(val, 2 * f - 2 * x * (x[1] / 0.1))

    def test_scalar_operator_invalid_type_raises(self):
        # findiff: ValueError; fastdiff: TypeError (see the map)
        with pytest.raises(TypeError, match="str"):
            D(0) + "not a number"
        with pytest.raises(TypeError, match="str"):
            "not a number" * D(0)


# --------------------------------------------------------------------------
# test_vector.py
# --------------------------------------------------------------------------
def _sss(X, Y, Z):
    return np.sin(X) * np.sin(Y) * np.sin(Z)


def _grad_sss(X, Y, Z):
    return np.array([np.cos(X) * np.sin(Y) * np.sin(Z), np.sin(X) * np.cos(Y) * np.sin(Z),
                     np.sin(X) * np.sin(Y) * np.cos(Z)])


class TestVector:

    @pytest.mark.parametrize("kind", ["spac", "h", "coords", "jittered"],
                             ids=["test_3d_gradient_on_scalar_func", "test_spacing_with_h",
                                  "test_3d_gradient_on_scalar_func_non_uni",
                                  "test_3d_gradient_on_scalar_func_non_uni-jittered"])
    def test_3d_gradient_on_scalar_func(self, kind):
        axes, h, (X, Y, Z) = mesh((50, 50, 50), -1, 1, jitter=kind == "jittered")
        grad_f = grid.gradient(_sss(X, Y, Z), spacing=h if kind in ("spac", "h") else axes,
                               acc=4)
        assert_array_almost_equal(grad_f, _grad_sss(X, Y, Z))

    def test_3d_gradient_on_vector_func_should_fail(self):
        # fastdiff's gradient takes fields of any ndim: a (2, 50, 50, 50) input
        # is a 4-D field, rejected because 3 spacings are given for 4 axes
        axes, h, (X, Y, Z) = mesh((50, 50, 50), -1, 1)
        f = np.array([_sss(X, Y, Z)] * 2)
        with pytest.raises(ValueError, match="spacing"):
            grid.gradient(f, spacing=h, acc=4)

    def test_3d_divergence_on_vector_func(self):
        axes, h, (X, Y, Z) = mesh((50, 50, 50), -1, 1)
        f = np.array([_sss(X, Y, Z)] * 3)
        assert f.shape == (3, 50, 50, 50)
        div_f = grid.divergence(f, spacing=h, acc=4)
        assert_array_almost_equal(div_f, _grad_sss(X, Y, Z).sum(axis=0))

    def test_3d_divergence_on_vector_func_of_wrong_dim(self):
        axes, h, (X, Y, Z) = mesh((10, 10, 10), -1, 1)   # findiff: 50^3
        f = np.array([_sss(X, Y, Z)] * 3)
        with pytest.raises(ValueError, match="spacing"):
            grid.divergence(f, spacing=[1, 1], acc=4)

    def test_curl_on_3d_vector_func(self):
        axes, h, (X, Y, Z) = mesh((50, 50, 50), -1, 1)
        f = np.array([_sss(X, Y, Z)] * 3)
        gx, gy, gz = _grad_sss(X, Y, Z)
        curl_f = grid.curl(f, spacing=h, acc=4)
        assert_array_almost_equal(curl_f, np.array([gy - gz, gz - gx, gx - gy]))

    @pytest.mark.parametrize("kind", ["spac", "coords", "jittered"],
                             ids=["test_curl_for_2d", "test_curl_2d_non_uniform",
                                  "test_curl_2d_non_uniform-jittered"])
    def test_curl_for_2d(self, kind):
        axes, h, (X, Y) = mesh((50, 50), -1, 1, jitter=kind == "jittered")
        f = np.array([-np.sin(Y) * np.cos(X), np.sin(X) * np.cos(Y)])
        curl_f = grid.curl(f, spacing=h if kind == "spac" else axes, acc=4)
        assert_array_almost_equal(curl_f, 2 * np.cos(X) * np.cos(Y), decimal=4)

    def test_curl_for_2d_function(self):
        axes, h, (X, Y) = mesh((50, 50), -1, 1)
        curl_f = grid.curl(np.array([2 * X, 2 * Y]), spacing=h, acc=4)
        assert_array_almost_equal(curl_f, np.zeros_like(X), decimal=4)

    @pytest.mark.parametrize("shape, match", [
        ((1, 5), "2 or 3 differentiated axes"),            # test_curl_for_1d
        ((4, 5, 5, 5, 5), "2 or 3 differentiated axes"),   # test_curl_for_4d
        ((3, 50, 50), "3 components"),                     # test_curl_2d_wrong_shape
        ((2, 50, 50, 50), "2 components"),                 # test_curl_3d_wrong_shape
    ], ids=["1d", "4d", "2d_wrong_shape", "3d_wrong_shape"])
    def test_curl_wrong_dims(self, shape, match):
        # findiff raises when Curl(spac=[1]) / Curl(spac=[1]*4) is built or
        # applied to the wrong component count; fastdiff at the call
        with pytest.raises(ValueError, match=match):
            grid.curl(np.zeros(shape), acc=4)

    def test_curl_2d_returns_scalar_shape(self):
        axes, h, (X, Y) = mesh((50, 50), -1, 1)
        assert grid.curl(np.array([X, Y]), spacing=h, acc=4).shape == X.shape

    def test_laplacian(self):
        axes, h, (X, Y) = mesh((50, 50), -1, 1)
        assert_array_almost_equal(grid.laplacian(X**2 + Y**2, spacing=h), 4 * np.ones_like(X))

    @pytest.mark.parametrize("jitter", [False, True], ids=["findiff-grid", "jittered"])
    @pytest.mark.parametrize("n, ndim, decimal", [(50, 2, 4), (30, 3, 3), (100, 1, 4)],
                             ids=["test_2d_non_uniform", "test_3d_non_uniform",
                                  "test_1d_non_uniform"])
    def test_laplacian_non_uniform(self, n, ndim, decimal, jitter):
        # findiff's TestLaplacianNonUniform; test_1d_non_uniform uses [0, pi]
        lo, hi = (0, np.pi) if ndim == 1 else (-1, 1)
        axes, h, xs = mesh((n,) * ndim, lo, hi, jitter=jitter)
        f = np.prod([np.sin(c) for c in xs], axis=0)
        actual = grid.laplacian(f, spacing=axes, acc=4)
        assert_array_almost_equal(actual, -ndim * f, decimal=decimal)

    @pytest.mark.parametrize("jitter", [False, True], ids=["findiff-grid", "jittered"])
    def test_uniform_grid_gives_correct_laplacian(self, jitter):
        # findiff: on a uniform grid the coords= path is correct and at least
        # as accurate as the h= path (its central stencils are wider)
        axes, h, (X, Y) = mesh((50, 50), -1, 1)
        result_uniform = grid.laplacian(np.sin(X) * np.cos(Y), spacing=h, acc=2)
        expected = -2 * np.sin(X) * np.cos(Y)
        axes_n, _, (Xn, Yn) = mesh((50, 50), -1, 1, jitter=jitter)
        result_nonuniform = grid.laplacian(np.sin(Xn) * np.cos(Yn), spacing=axes_n, acc=2)
        expected_n = -2 * np.sin(Xn) * np.cos(Yn)
        interior = (slice(2, -2), slice(2, -2))
        assert_array_almost_equal(result_nonuniform[interior], expected_n[interior], decimal=3)
        err_uniform = np.max(np.abs(result_uniform[interior] - expected[interior]))
        err_nonuniform = np.max(np.abs(result_nonuniform[interior] - expected_n[interior]))
        assert err_nonuniform <= err_uniform
        if not jitter:
            # fastdiff: evenly spaced coordinates are the uniform grid (SPEC),
            # up to the rounding of the step taken from them
            assert_allclose(result_nonuniform, result_uniform, rtol=1e-10, atol=1e-10)


# --------------------------------------------------------------------------
# test_coefs.py (coefficients / calc_coefs -> fd.stencil); the grid's
# boundary rows are checked against findiff's forward/backward stencils too
# --------------------------------------------------------------------------
COEFS = {   # (deriv, acc): (center, forward) as in findiff's tests
    (2, 2): ([1.0, -2.0, 1.0], [2, -5, 4, -1]),
    (1, 2): ([-0.5, 0, 0.5], [-1.5, 2, -0.5]),
    (1, 4): ([1 / 12, -2 / 3, 0, 2 / 3, -1 / 12], [-25 / 12, 4, -3, 4 / 3, -1 / 4]),
    (2, 4): ([-1 / 12, 4 / 3, -2.5, 4 / 3, -1 / 12],
             [15 / 4, -77 / 6, 107 / 6, -13, 61 / 12, -5 / 6]),
}


class TestCoefs:

    @pytest.mark.parametrize("deriv, acc", list(COEFS),
                             ids=[f"test_order{d}_acc{a}" for d, a in COEFS])
    def test_coefficients(self, deriv, acc):
        center, forward = COEFS[deriv, acc]
        w = len(center) // 2
        c = fd.stencil(deriv, acc=acc)
        assert_array_almost_equal(center, c.weights)
        assert_array_almost_equal(np.arange(-w, w + 1), c.offsets)
        f = fd.stencil(deriv, offsets=range(len(forward)))
        assert_array_almost_equal(forward, f.weights)
        # findiff: backward = forward reversed, negated for odd derivatives
        b = fd.stencil(deriv, offsets=range(1 - len(forward), 1))
        assert_array_almost_equal((-1) ** deriv * np.array(forward[::-1]), b.weights)
        # the grid's first/last rows and a middle row use exactly these
        n = 12
        mat = grid.matrix((n,), deriv, acc=acc)
        assert_array_almost_equal(forward, [row(mat, 0).get(j, 0) for j in range(len(forward))])
        assert_array_almost_equal(b.weights, [row(mat, n - 1).get(j, 0)
                                              for j in range(n - len(forward), n)])
        assert_array_almost_equal(center, [row(mat, 6).get(j, 0) for j in range(6 - w, 7 + w)])

    @pytest.mark.parametrize("deriv, offsets, accuracy", [
        pytest.param(2, [-1, 0, 1], 2, id="central_deriv2_acc2"),
        pytest.param(1, [-1, 0, 1], 2, id="central_deriv1_acc2"),
        pytest.param(1, [-1, 0], 1, id="left1_right0_deriv1_acc1"),
        pytest.param(2, [0, 1, 2, 3], 2, id="left0_right3_deriv1_acc3-and-from_offsets_symbolic1"),
        pytest.param(2, [-4, -2, 0, 2, 4], 4, id="from_offsets_symbolic2"),
    ])
    def test_calc_accuracy(self, deriv, offsets, accuracy):
        assert fd.stencil(deriv, offsets=offsets).accuracy == accuracy

    def test_calc_coefs_from_offsets(self):
        s = fd.stencil(1, offsets=[-2, 0, 1])
        assert_array_almost_equal(s.weights, [-1.0 / 6, -0.5, 2.0 / 3])

    def test_calc_coefs_from_offsets_no_central_point(self):
        s = fd.stencil(1, offsets=[-2, 1, 2])
        assert_array_almost_equal(s.weights, [-1.0 / 4, 0, 1.0 / 4])

    def test_calc_coefs_from_offsets_not_enough_points(self):
        with pytest.raises(ValueError, match="offsets"):
            fd.stencil(2, offsets=[-2, 2])

    def test_calc_coefs_symbolic(self):
        # findiff's sympy Rationals -> fastdiff's weights are exact rationals
        # rounded once (SPEC), so they equal the correctly rounded fractions
        s = fd.stencil(1, offsets=[-2, 0, 1])
        expected = [float(Fraction(-1, 6)), float(Fraction(-1, 2)), float(Fraction(2, 3))]
        assert_array_equal(s.weights, expected)

    def test_non_uniform(self):
        # on a uniform grid given as coordinates the non-uniform scheme must
        # reproduce the equidistant weights of the stencil it uses (row 5)
        x = np.linspace(0, 10, 100)
        dx = x[1] - x[0]
        r = row(grid.matrix(x.shape, 2, spacing=x), 5)
        offsets = [c - 5 for c in sorted(r)]
        expected = fd.stencil(2, offsets=offsets).weights / dx**2
        assert_array_almost_equal([r[c] for c in sorted(r)], expected)

    def test_invalid_acc_raises_exception(self):
        x = np.linspace(0, 1, 20)
        for acc in (3, 0):
            with pytest.raises(ValueError, match="acc"):
                fd.stencil(1, acc=acc)
            # coefficients_non_uni(1, acc, ...) -> the non-uniform grid path
            with pytest.raises(ValueError, match="acc"):
                grid.derivative(x, 0, spacing=x**2, acc=acc)

    def test_invalid_deriv_raises_exception(self):
        x = np.linspace(0, 1, 20)
        with pytest.raises(ValueError, match="order"):
            fd.stencil(-1, 2)
        with pytest.raises(ValueError, match="order"):
            grid.derivative(x, 0, -1, spacing=x**2)

    def test_high_accuracy_results_in_type_error(self):
        # test_bugs.py, issue 25: coefficients(deriv=1, acc=16) raised TypeError
        s = fd.stencil(1, acc=16)
        assert s.accuracy == 16
        assert_array_equal(s.offsets, np.arange(-8, 9))
        assert_almost_equal(s.weights @ s.offsets, 1.0)


# --------------------------------------------------------------------------
# test_stencils.py (2-D Stencil objects that are sums/products of 1-D
# stencils -> matrix rows; findiff's tests with other offsets: not ported)
# --------------------------------------------------------------------------
def _stencil_at(mat, shape, at):
    """The matrix row of point `at` as findiff's {offset tuple: weight}."""
    i = np.ravel_multi_index(at, shape)
    return {tuple(int(o) for o in np.subtract(np.unravel_index(c, shape), at)): v
            for c, v in row(mat, i).items()}


class TestStencils:

    @pytest.mark.parametrize("factor, spacing, expected", [
        (1, 1.0, {(0, 0): -4, (-1, 0): 1, (1, 0): 1, (0, 1): 1, (0, -1): 1}),
        (2, 1.0, {(0, 0): -8, (-1, 0): 2, (1, 0): 2, (0, 1): 2, (0, -1): 2}),
        (2, 0.1, {(0, 0): -800, (-1, 0): 200, (1, 0): 200, (0, 1): 200, (0, -1): 200}),
    ], ids=["test_solve_laplace_2d_with_5_points", "..._times_2", "..._times_2_and_spacing"])
    def test_solve_laplace_2d_with_5_points(self, factor, spacing, expected):
        shape = (7, 7)
        op = factor * D(0, 2) + factor * D(1, 2)
        actual = _stencil_at(op.plan(shape, spacing=spacing).matrix(), shape, (3, 3))
        assert actual.keys() == expected.keys()
        for off, coeff in actual.items():
            assert coeff == pytest.approx(expected[off])
        assert fd.stencil(2, acc=2).accuracy == 2
        if factor == 1:
            mat = grid.laplacian_matrix(shape, spacing=spacing)
            assert _stencil_at(mat, shape, (3, 3)) == actual

    def test_solve_laplace_2d_with_9_points(self):
        shape = (7, 7)
        expected = {(0, 0): -5}
        for o in ((-1, 0), (1, 0), (0, 1), (0, -1)):
            expected[o] = 4 / 3.0
            expected[tuple(2 * np.array(o))] = -1 / 12.0
        actual = _stencil_at(grid.laplacian_matrix(shape, acc=4), shape, (3, 3))
        assert fd.stencil(2, acc=4).accuracy == 4
        assert len(actual) == len(expected)
        for off, coeff in actual.items():
            assert coeff == pytest.approx(expected[off])

    def test_apply_laplacian_laplacian(self):
        x = y = np.linspace(0, 1, 21)
        X, Y = np.meshgrid(x, y, indexing="ij")
        at = (3, 4)
        actual = grid.laplacian(X**3 + Y**3, spacing=x[1] - x[0])[at]
        assert actual == pytest.approx((6 * X + 6 * Y)[at])

    def test_apply_mixed_deriv(self):
        # findiff's stencil {(+-1, +-1)} is the product of the central 1-D
        # stencils, i.e. fastdiff's D(0) * D(1) in the interior
        x = y = np.linspace(0, 1, 101)
        dx = x[1] - x[0]
        X, Y = np.meshgrid(x, y, indexing="ij")
        f = np.exp(-(X**2) - Y**2)
        at = (3, 4)
        actual = (D(0) * D(1))(f, spacing=dx)[at]
        assert actual == pytest.approx((4 * X * Y * f)[at], abs=1e-6)
        st = _stencil_at((D(0) * D(1)).plan(f.shape, spacing=dx).matrix(), f.shape, at)
        assert st.keys() == {(1, 1), (-1, -1), (1, -1), (-1, 1)}
        assert st[1, 1] == pytest.approx(0.25 / dx**2)

    def test_laplace_1d_9points(self):
        x = np.linspace(0, 1, 101)
        assert_array_equal(fd.stencil(2, acc=8).offsets, np.arange(-4, 5))
        actual = grid.derivative(x**3, 0, 2, spacing=x[1] - x[0], acc=8)[8]
        assert actual == pytest.approx(6 * x[8], abs=1e-6)

    def test_helmholtz_stencil_issue_60(self):
        H = ident() - D(0, 2)      # Identity() - FinDiff(0, 1, 2)
        mat = H.plan((10,), spacing=1).matrix()
        assert row(mat, 0) == pytest.approx({0: -1.0, 1: 5.0, 2: -4.0, 3: 1.0})      # "L"
        assert row(mat, 5) == pytest.approx({4: -1.0, 5: 3.0, 6: -1.0})              # "C"
        assert row(mat, 9) == pytest.approx({6: 1.0, 7: -4.0, 8: 5.0, 9: -1.0})     # "H"


# --------------------------------------------------------------------------
# test_bugs.py
# --------------------------------------------------------------------------
class TestBugs:

    def test_findiff_should_raise_exception_when_applied_to_unevaluated_function(self):
        def f(x, y):
            return 5 * x**2 - 5 * x + 10 * y**2 - 10 * y  # pragma: no cover

        # findiff: ValueError; fastdiff: TypeError (not an array of numbers)
        with pytest.raises(TypeError, match="function"):
            D(1)(f, spacing=0.01)
        with pytest.raises(TypeError, match="function"):
            grid.derivative(f, 1, spacing=0.01)

    def test_matrix_representation_doesnt_work_for_order_greater_2_issue_24(self):
        mat = grid.matrix((10,), 3, spacing=1)
        assert pytest.approx(mat[0, 0]) == -2.5
        assert pytest.approx(mat[2, 0]) == -0.5
        # findiff also asserts mat[1, 1] == -2.5: its row 1 reuses row 0's
        # forward stencil (offsets 0..4). fastdiff's row 1 is off-centred
        # (offsets -1..3, same width and accuracy; see the map).
        assert row(mat, 1) == pytest.approx(
            dict(enumerate(fd.stencil(3, offsets=[-1, 0, 1, 2, 3]).weights)))
        assert pytest.approx(mat[1, 1]) == 5.0

    def test_matrix_repr_with_different_accs(self):
        # issue 28
        d1 = grid.matrix((11,), 2, spacing=1)
        d2 = grid.matrix((11,), 2, spacing=1, acc=4)
        assert np.max(np.abs((d1 - d2).toarray())) > 1
        x = np.linspace(0, 10, 11)
        assert_almost_equal(2 * np.ones_like(x), d2.dot(x**2))

    def test_accuracy_should_be_passed_down_to_stencil(self):
        # issue 31: d/dx acc=4 on 11 x 11 (dx = 1); findiff's "L"/"C"/"H"
        # stencils, checked at rows 0 / 5 / 10 of axis 0 and every region
        # of axis 1. findiff's "L" also covers row 1 (see issue 24 above).
        fwd = {0: -2.083333333333331, 1: 3.9999999999999916, 2: -2.999999999999989,
               3: 1.3333333333333268, 4: -0.24999999999999858}
        ctr = {-2: 0.08333333333333333, -1: -0.6666666666666666, 1: 0.6666666666666666,
               2: -0.08333333333333333}
        bwd = {-4: 0.24999999999999958, -3: -1.3333333333333313, -2: 2.9999999999999956,
               -1: -3.999999999999996, 0: 2.0833333333333317}
        shape = (11, 11)
        mat = D(0).plan(shape, spacing=1.0, acc=4).matrix()
        for i, expected in ((0, fwd), (5, ctr), (10, bwd)):
            for j in (0, 5, 10):
                actual = _stencil_at(mat, shape, (i, j))
                assert {o[0] for o in actual} <= set(expected)
                assert all(o[1] == 0 for o in actual)
                for k, v in expected.items():
                    assert actual.get((k, 0), 0.0) == pytest.approx(v, rel=1e-8)

    def test_order_as_numpy_integer(self):
        order = np.ones(3, dtype=np.int32)[0]
        x = np.linspace(0, 1, 11)
        assert_allclose(D(0, order)(x, spacing=0.1), np.ones(11))
        assert_allclose(grid.derivative(x, 0, order, spacing=0.1), np.ones(11))

    def test_reproduce_issue90(self):
        x = np.array([0.0, 1.0, 1.5, 3.5, 4.0, 6.0])
        f1 = np.array([1, 2, 4, 7, 11, 16])
        f2 = np.sin(x)
        # findiff's reference is numpy's second-order gradient
        grad1 = np.gradient(f1, x, edge_order=2)
        grad2 = np.gradient(f2, x, edge_order=2)
        assert_array_almost_equal(grid.derivative(f2, 0, spacing=x, acc=2), grad2)
        assert_array_almost_equal(grid.derivative(f1, 0, spacing=x, acc=2), grad1)


# --------------------------------------------------------------------------
# test_accuracy.py and test_scaling.py (convergence orders)
# --------------------------------------------------------------------------
class TestAccuracy:

    @pytest.mark.parametrize("acc, tol_b", [(2, 0.2), (4, 0.4)])
    def test_iterative_accuracy(self, acc, tol_b):
        ns = np.logspace(2, 3, 10)
        errs_a, errs_b, errs_c = [], [], []
        for n in ns:
            x = np.linspace(0.1, 1, int(n))
            kw = dict(spacing=x[1] - x[0], acc=acc)
            f, exact = x**8, 8 * 7 * x**6
            actual_a = (D(0) ** 2)(f, **kw)
            actual_b = D(0)(D(0)(f, **kw), **kw)
            actual_c = (D(0) * D(0))(f, **kw)
            errs_a.append(np.max(abs((actual_a - exact) / exact)))
            errs_b.append(np.max(abs((actual_b - exact) / exact)))
            errs_c.append(np.max(abs((actual_c - exact) / exact)))
        assert abs(abs(loglog_slope(ns, errs_a)) - acc) < 0.2
        # applying operators iteratively reduces the order by one
        assert abs(abs(loglog_slope(ns, errs_b)) - (acc - 1)) < tol_b
        assert abs(abs(loglog_slope(ns, errs_c)) - acc) < 0.2

    @pytest.mark.parametrize("acc", [2, 4, 6])
    def test_1d_acc(self, acc):
        log_err, log_dx = [], []
        for nx in 10 ** np.linspace(1.75, 2.0, 10):
            x = np.linspace(0.0, np.pi, int(nx))
            dx = x[1] - x[0]
            fx = D(0)(np.sin(x), spacing=dx, acc=acc)
            log_dx.append(np.log(dx))
            log_err.append(np.log(np.max(np.abs(np.cos(x) - fx))))
        assert np.polyfit(log_dx, log_err, deg=1)[0] == pytest.approx(acc, 0.1)

    @pytest.mark.parametrize("acc", [2, 4])
    def test_2d_acc2(self, acc):
        log_err, log_dx = [], []
        for n in [10, 30, 100, 300]:
            (x, y), h, (X, Y) = mesh((n, n), 0, 3)
            fx = D(0)(np.sin(X) * np.sin(Y), spacing=h, acc=acc)
            log_dx.append(np.log(h[0]))
            log_err.append(np.log(np.max(np.abs(np.cos(X) * np.sin(Y) - fx))))
        assert np.polyfit(log_dx, log_err, deg=1)[0] == pytest.approx(acc, 0.1)


# --------------------------------------------------------------------------
# test_nonuniform_accuracy.py
# --------------------------------------------------------------------------
def _graded_grid(n, ratio=2.0, length=3.0):
    """findiff's grid with alternating spacings h, ratio*h, ..."""
    steps = np.empty(n - 1)
    steps[0::2] = 1.0
    steps[1::2] = ratio
    x = np.concatenate([[0.0], np.cumsum(steps)])
    return x / x[-1] * length


def _f_and_deriv(x, deriv):
    f = np.exp(np.sin(2 * x))
    if deriv == 1:
        return f, 2 * np.cos(2 * x) * f
    return f, (2 * np.cos(2 * x)) ** 2 * f - 4 * np.sin(2 * x) * f


class TestNonuniformAccuracy:

    @pytest.mark.parametrize("acc", [2, 4])
    @pytest.mark.parametrize("deriv", [1, 2, 3, 4])
    def test_nonuniform_polynomial_exactness(self, deriv, acc):
        x = _graded_grid(40)
        degree = deriv + acc - 1
        p = np.poly1d(np.random.default_rng(0).standard_normal(degree + 1))
        got = D(0, deriv)(p(x), spacing=[x], acc=acc)
        exact = p.deriv(deriv)(x)
        scale = max(1.0, np.max(np.abs(exact)))
        assert np.max(np.abs(got - exact)) / scale < 1e-8

    @pytest.mark.parametrize("deriv,acc", [(1, 2), (1, 4), (2, 2), (2, 4)])
    def test_nonuniform_convergence_order(self, deriv, acc):
        errs = []
        for n in (41, 81, 161):
            x = _graded_grid(n)
            f, exact = _f_and_deriv(x, deriv)
            got = grid.derivative(f, 0, deriv, spacing=x, acc=acc)
            b = deriv + acc + 1  # skip a few boundary points
            errs.append(np.max(np.abs(got[b:-b] - exact[b:-b])))
        orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
        assert orders.min() > acc - 0.4

    def test_nonuniform_even_derivative_interior_matches_boundary_order(self):
        x = _graded_grid(60)
        f, exact = _f_and_deriv(x, 2)
        err = np.abs(grid.derivative(f, 0, 2, spacing=x, acc=2) - exact)
        assert err[5:-5].max() <= max(err[:5].max(), err[-5:].max())


# --------------------------------------------------------------------------
# test_nonuniform_optimized.py (observable behaviour only)
# --------------------------------------------------------------------------
def _sorted_uniform(seed, lo, hi, n):
    return np.sort(np.random.default_rng(seed).uniform(lo, hi, n))


class TestNonuniformOptimized:

    def test_batched_result_structure(self):
        # deriv=1, acc=2: one boundary row per side, 3-point rows everywhere
        x = stretched(20, 0, 5)
        mat = grid.matrix(x.shape, 1, spacing=x)
        assert sorted(row(mat, 0)) == [0, 1, 2]
        assert sorted(row(mat, 1)) == [0, 1, 2]
        assert sorted(row(mat, 19)) == [17, 18, 19]

    def test_batched_even_derivative(self):
        # findiff uses linspace (non-uniform in findiff, uniform in fastdiff:
        # see the map); the structure is asserted on a stretched grid: central
        # rows carry one point more than the one-sided ones (SPEC too)
        for x in (stretched(20, 0, 5), jittered(np.linspace(0, 5, 20))):
            mat = grid.matrix(x.shape, 2, spacing=x)
            central_size, forward_size = len(row(mat, 10)), len(row(mat, 0))
            assert central_size == forward_size + 1
            assert central_size >= 2 + 2

    @pytest.mark.parametrize("case", ["1d_first_derivative", "1d_second_derivative",
                                      "2d_partial_x", "2d_partial_y", "3d_partial"])
    def test_vectorized_call(self, case):
        if case.startswith("1d"):
            first = case == "1d_first_derivative"
            x = _sorted_uniform(1 if first else 2, 0, 5, 50 if first else 80)
            got = D(0, 1 if first else 2)(np.sin(x), spacing=[x], acc=4)
            assert_array_almost_equal(got, np.cos(x) if first else -np.sin(x),
                                      decimal=3 if first else 2)
        elif case.startswith("2d"):
            r = _sorted_uniform(3 if case == "2d_partial_x" else 4, 0, np.pi, 40)
            u = np.linspace(0, np.pi, 30)
            x, y = (r, u) if case == "2d_partial_x" else (u, r)
            X, Y = np.meshgrid(x, y, indexing="ij")
            f = np.sin(X) * np.cos(Y)
            if case == "2d_partial_x":
                got, expected = D(0)(f, spacing=[x, y], acc=4), np.cos(X) * np.cos(Y)
            else:
                got, expected = D(1)(f, spacing=[x, y], acc=4), -np.sin(X) * np.sin(Y)
            assert_array_almost_equal(got, expected, decimal=2)
        else:
            x, y, z = (_sorted_uniform(s, 0, 2, 15) for s in (5, 6, 7))
            X, Y, Z = np.meshgrid(x, y, z, indexing="ij")
            got = D(1)(X**3 + Y**3 + Z**3, spacing=[x, y, z])
            assert_array_almost_equal(got, 3 * Y**2, decimal=1)

    def test_integer_input_cast(self):
        x = np.linspace(0, 10, 11)
        assert D(0)((x**2).astype(int), spacing=[x]).dtype == np.float64
        assert D(0)((x**2).astype(int), spacing=[stretched(11)]).dtype == np.float64

    def test_concatenated_nonuniform_grid(self):
        x = np.r_[np.arange(0, 4, 0.05), np.arange(4, 10, 1)]
        result = D(0)(np.exp(-(x**2)), spacing=[x], acc=4)
        assert_array_almost_equal(result, -2 * x * np.exp(-(x**2)), decimal=4)

    @pytest.mark.parametrize("case", ["matrix_1d", "matrix_2d", "matrix_laplacian_2d",
                                      "matrix_mixed_deriv_2d", "matrix_with_coefficients"])
    def test_vectorized_matrix(self, case):
        # TestVectorizedMatrix: the matrix equals direct application
        if case == "matrix_1d":
            xs = [_sorted_uniform(10, 0, 5, 20)]
            op, u = D(0), np.sin(xs[0])
        elif case == "matrix_with_coefficients":
            xs = [np.linspace(0, 10, 20)]
            op, u = xs[0] * D(0) ** 2, np.random.default_rng(17).random(20)
        else:
            seeds = {"matrix_2d": (11, 12), "matrix_laplacian_2d": (13, 14),
                     "matrix_mixed_deriv_2d": (15, 16)}[case]
            hi = {"matrix_2d": 3, "matrix_laplacian_2d": 4, "matrix_mixed_deriv_2d": 5}[case]
            xs = [_sorted_uniform(s, 0, hi, 12 if hi != 4 else 10) for s in seeds]
            X, Y = np.meshgrid(*xs, indexing="ij")
            op, u = {"matrix_2d": (D(0), X**2 + Y**2),
                     "matrix_laplacian_2d": (D(0) ** 2 + D(1) ** 2, X**2 + Y**2),
                     "matrix_mixed_deriv_2d": (D(0) * D(1), X**2 * Y**2)}[case]
        direct = op(u, spacing=xs).reshape(-1)
        via_matrix = op.plan(u.shape, spacing=xs).matrix().dot(u.reshape(-1))
        assert_array_almost_equal(direct, via_matrix)

    @pytest.mark.parametrize("jitter", [False, True], ids=["findiff-grid", "jittered"])
    def test_matrix_3d_nonuniform(self, jitter):
        x = y = z = jittered(np.linspace(0, 4, 15)) if jitter else np.linspace(0, 4, 15)
        X, Y, Z = np.meshgrid(x, y, z, indexing="ij")
        laplace = D(0) ** 2 + D(1) ** 2 + D(2) ** 2
        u = X**2 + Y**2 + Z**2
        result = laplace.plan(u.shape, spacing=[x, y, z]).matrix().dot(u.reshape(-1))
        assert_array_almost_equal(6.0 * np.ones(u.size), result)

    def test_higher_accuracy_order(self):
        x = _sorted_uniform(20, 0, 5, 50)
        f, expected = np.exp(-x), -np.exp(-x)
        err_2 = np.max(np.abs(D(0)(f, spacing=[x], acc=2) - expected)[5:-5])
        err_6 = np.max(np.abs(D(0)(f, spacing=[x], acc=6) - expected)[5:-5])
        assert err_6 <= err_2

    def test_small_grid(self):
        x = np.array([0.0, 1.0, 3.0, 6.0, 10.0])
        assert_array_almost_equal(D(0)(x**2, spacing=[x]), 2 * x, decimal=0)


# --------------------------------------------------------------------------
# test_functional.py and test_backend.py (TestNumpyRegression)
# --------------------------------------------------------------------------
class TestFunctional:

    def test_diff(self):
        x = np.linspace(0, 1, 101)
        assert_array_almost_equal(2 * x, D(0)(x**2, spacing=x[1] - x[0]))

    def test_diff_invalid_args(self):
        # Diff(0, -1): "Spacing must be > 0."
        with pytest.raises(ValueError, match="spacing"):
            D(0)(np.ones(10), spacing=-1)
        with pytest.raises(ValueError, match="spacing"):
            grid.derivative(np.ones(10), 0, spacing=-1)
        # Diff(-1, 1): "Dimension must be >= 0". fastdiff follows NumPy:
        # -1 is the last axis, and only an axis out of range is an error.
        x = np.linspace(0, 1, 10)
        assert_array_equal(D(-1)(x**2), D(0)(x**2))
        with pytest.raises(ValueError, match="out of range"):
            D(-2)(x)

    def test_diff_periodic(self):
        x = np.linspace(0, 2 * np.pi, 200, endpoint=False)
        actual = D(0)(np.sin(x), spacing=x[1] - x[0], acc=4, boundary="periodic")
        assert_array_almost_equal(np.cos(x), actual)


class TestNumpyRegression:

    @pytest.mark.parametrize("case", ["diff_1d", "diff_2d", "diff_periodic", "diff_nonuniform",
                                      "diff_nonuniform-jittered", "higher_order", "operator_add",
                                      "operator_mul_with_ndarray"])
    def test_diff(self, case):
        # test_diff_1d, ..., test_operator_mul_with_ndarray: decimal=2
        n = 200 if case in ("higher_order", "operator_add") else 100
        x = np.linspace(0, np.pi if "nonuniform" in case else 2 * np.pi, n,
                        endpoint=case != "diff_periodic")
        if case == "diff_nonuniform-jittered":
            x, case = jittered(x), "diff_nonuniform"
        dx = x[1] - x[0]
        f, kw = np.sin(x), dict(spacing=dx)
        op, expected = D(0), np.cos(x)
        if case == "diff_2d":
            x = np.linspace(0, 2 * np.pi, 50)
            X, Y = np.meshgrid(x, x, indexing="ij")
            f, expected = np.sin(X) * np.cos(Y), np.cos(X) * np.cos(Y)
            kw = dict(spacing=x[1] - x[0])
        elif case == "diff_periodic":
            kw["boundary"] = "periodic"
        elif case == "diff_nonuniform":
            kw = dict(spacing=[x])
        elif case == "higher_order":
            op, expected = D(0) ** 2, -np.sin(x)
        elif case == "operator_add":
            op, expected = D(0) ** 2 + ident(), np.zeros_like(x)
        elif case == "operator_mul_with_ndarray":
            op = np.ones_like(x) * D(0)
        result = op(f, **kw)
        assert isinstance(result, np.ndarray)
        assert_array_almost_equal(result, expected, decimal=2)

    def test_integer_array_promotion(self):
        x = np.linspace(0, 10, 100)
        result = D(0)(np.arange(100), spacing=x[1] - x[0])
        assert result.dtype == np.float64
        assert_allclose(result, 1 / (x[1] - x[0]))     # beyond findiff

    @pytest.mark.parametrize("fn", ["gradient", "divergence", "curl_2d", "curl_3d",
                                    "laplacian"])
    def test_vector(self, fn):
        # test_gradient, test_divergence, test_curl_3d, test_curl_2d,
        # test_laplacian (h=[dx, dy], acc=2)
        n, ndim = (30, 3) if fn == "curl_3d" else (50, 2)
        _, h, xs = mesh((n,) * ndim, -1, 1)
        X, Y = xs[:2]
        if fn == "gradient":
            result = grid.gradient(X**2 + Y**2, spacing=h, acc=2)
            assert_array_almost_equal(result[0], 2 * X, decimal=2)
            assert_array_almost_equal(result[1], 2 * Y, decimal=2)
        elif fn == "divergence":
            result = grid.divergence(np.array([X, Y]), spacing=h, acc=2)
            assert_array_almost_equal(result, 2 * np.ones_like(X), decimal=2)
        elif fn == "curl_3d":
            result = grid.curl(np.array([Y, -X, np.zeros_like(X)]), spacing=h, acc=2)
            assert_array_almost_equal(result[2], -2 * np.ones_like(X), decimal=2)
        elif fn == "curl_2d":
            result = grid.curl(np.array([-Y, X]), spacing=h, acc=2)
            assert_array_almost_equal(result, 2 * np.ones_like(X), decimal=2)
        else:
            result = grid.laplacian(X**2 + Y**2, spacing=h)
            assert_array_almost_equal(result, 4 * np.ones_like(X))
        assert isinstance(result, np.ndarray)


# --------------------------------------------------------------------------
# test_utils.py (extend_to_ND), test_stability.py (non-uniform spectra),
# test_eigenvalue.py (eigenvalues through matrices)
# --------------------------------------------------------------------------
def _chebyshev(n):
    return (1 - np.cos(np.pi * np.linspace(0, 1, n))) / 2


def _tanh(n):
    return 1 + np.tanh(2.5 * (np.linspace(0, 1, n) - 1)) / np.tanh(2.5)


class TestMatrices:

    def test_extend_to_ND(self):
        # the 1-D matrix extended to (8, 8, 8) by Kronecker products with
        # identities equals the matrix along each axis (C order)
        m1 = grid.matrix((8,), 1, spacing=1)
        eye = sparse.identity(8)
        shape = (8, 8, 8)
        for axis in range(3):
            factors = [eye] * 3
            factors[axis] = m1
            expected = sparse.kron(sparse.kron(factors[0], factors[1]), factors[2])
            actual = grid.matrix(shape, 1, axis=axis, spacing=1)
            assert_array_equal(actual.toarray(), expected.toarray())
            assert_array_equal(D(axis).plan(shape, spacing=1).matrix().toarray(),
                               expected.toarray())

    @pytest.mark.parametrize("acc", [2, 4])
    @pytest.mark.parametrize("grid_fn", [_chebyshev, _tanh], ids=["chebyshev", "tanh"])
    def test_nonuniform_second_derivative_is_stable(self, grid_fn, acc):
        n = 101
        mat = grid.matrix((n,), 2, spacing=grid_fn(n), acc=acc).toarray()
        ev = np.linalg.eigvals(mat[1:-1, 1:-1])
        assert ev.real.max() < 0
        assert np.abs(ev.imag).max() < 1e-6 * np.abs(ev).max()

    def test_nonuniform_boundary_rows_include_boundary_point(self):
        x = _chebyshev(30)
        for acc in (2, 4, 6):
            m = (D(0) ** 2).plan((30,), spacing=[x], acc=acc).matrix().toarray()
            for i in range(1, (acc + 2) // 2):
                assert m[i, 0] != 0
                assert m[-1 - i, -1] != 0

    def test_eigsh_1d_dirichlet(self):
        # TestEigsh1DDirichlet.test_eigenvalues and test_first_eigenvector_shape
        x = np.linspace(0, np.pi, 201)
        mat = grid.matrix(x.shape, 2, spacing=x[1] - x[0]).toarray()[1:-1, 1:-1]
        assert_array_equal(mat, mat.T)            # central rows: eigsh applies
        vals, vecs = np.linalg.eigh(mat)
        assert_array_almost_equal(vals[-5:], [-25, -16, -9, -4, -1], decimal=1)
        v = np.r_[0, vecs[:, -1], 0]
        v = v / np.max(np.abs(v)) * np.sign(v[len(v) // 2])
        assert_array_almost_equal(v, np.sin(x) / np.max(np.sin(x)), decimal=2)

    def test_eigsh_harmonic_oscillator(self):
        x = np.linspace(-8, 8, 300)
        H = -0.5 * D(0) ** 2 + 0.5 * x**2
        mat = H.plan(x.shape, spacing=x[1] - x[0]).matrix().toarray()[1:-1, 1:-1]
        vals = np.linalg.eigvalsh(mat)[:6]
        assert_array_almost_equal(vals, [0.5, 1.5, 2.5, 3.5, 4.5, 5.5], decimal=1)

    def test_eigsh_2d_dirichlet(self):
        n = 41
        x = np.linspace(0, np.pi, n)
        mat = grid.laplacian_matrix((n, n), spacing=x[1] - x[0]).toarray()
        inner = np.zeros((n, n), dtype=bool)
        inner[1:-1, 1:-1] = True
        inner = inner.ravel()
        vals = np.linalg.eigvalsh(mat[np.ix_(inner, inner)])[-4:]
        assert_allclose(vals, [-8, -5, -5, -2], atol=0.3)

    def test_periodic_laplacian_1d(self):
        # TestEigsWithoutBC: no boundary rows removed
        n = 64
        x = np.linspace(0, 2 * np.pi, n, endpoint=False)
        mat = grid.matrix((n,), 2, spacing=x[1] - x[0], boundary="periodic").toarray()
        vals = np.sort(np.linalg.eigvalsh(mat))[-5:]
        assert_allclose(vals[:2], -4.0, atol=0.2)
        assert_allclose(vals[2:4], -1.0, atol=0.1)
        assert_allclose(vals[4], 0.0, atol=0.1)

    def test_eigs_vs_eigsh_symmetric_operator(self):
        # TestEigsVsEigshConsistency: general and symmetric solvers agree
        x = np.linspace(0, np.pi, 101)
        mat = (D(0) ** 2).plan(x.shape, spacing=x[1] - x[0]).matrix().toarray()[1:-1, 1:-1]
        vals_eigs = np.sort(np.linalg.eigvals(mat).real)[:3]
        vals_eigsh = np.sort(np.linalg.eigvalsh(mat))[:3]
        assert_allclose(vals_eigs, vals_eigsh, atol=1e-6)
