"""numpy's own ``np.gradient`` tests, ported to ``fd.grid.gradient``.

Source: numpy/lib/tests/test_function_base.py, class ``TestGradient``, as
shipped with numpy 2.4.6 (the installed ``numpy.__version__`` when ported).
One test here per numpy test, same name.

Conventions that differ, and how the ports adapt to them:

* fastdiff returns one stacked ndarray of shape ``(k, *u.shape)`` (``(1, n)``
  for 1-D input); numpy returns a tuple of arrays, or one array for one axis.
* fastdiff's one-sided edges keep the interior accuracy: acc=2 equals numpy's
  ``edge_order=2``. fastdiff has no first-order edges, so numpy's default
  ``edge_order=1`` values are compared in the interior only.
* acc=2 one-sided needs at least 3 points per axis (numpy's ``edge_order=2``
  needs 3 too). numpy's 2-point inputs are extended by one sample of the same
  function (linear along the differentiated axis, so every rule is exact).
* numpy's spacing is positional varargs (a wrong count is a ``TypeError``);
  fastdiff's is one ``spacing`` argument (a wrong length is a ``ValueError``).

TestGradient cases NOT ported (and parts of cases left out):

* test_datetime64 -- datetime64 input: fastdiff supports bool, integer, float
  and complex data only (it raises TypeError for datetime64).
* test_timedelta64 -- timedelta64 input: same reason.
* test_values, the 2-point call with edge_order=1 -- it succeeds in numpy only
  through first-order edges, which fastdiff does not have (its 2-point
  ValueError is asserted instead, as numpy does for edge_order=2).
* test_spacing / test_specific_axes / test_basic, edge_order=1 values at the
  edges -- fastdiff has no first-order edges (interiors are compared).
"""
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_almost_equal, assert_array_equal

import fastdiff as fd

gradient = fd.grid.gradient


def _bilinear3():
    # numpy's [[1, 1], [3, 4]] is u(i, j) = 1 + 2i + ij sampled at i, j in
    # {0, 1}; one more sample per axis (fastdiff needs 3). u is linear along
    # each axis, so numpy's expected dx stay exact, edges included.
    i, j = np.mgrid[0:3, 0:3]
    x = 1 + 2 * i + i * j
    dx = [(2.0 + j).astype(float), i.astype(float)]
    return x, dx


def test_basic():
    # Adapted: 3x3 instead of 2x2 (see _bilinear3); the original 2x2 input is
    # rejected, exactly like np.gradient(x, edge_order=2) rejects it.
    x, dx = _bilinear3()
    assert_array_equal(np.gradient(x), dx)          # same expected values as numpy
    assert_array_equal(gradient(x), dx)
    assert_array_equal(gradient(x.tolist()), dx)
    v = [[1, 1], [3, 4]]
    with pytest.raises(ValueError):
        np.gradient(np.array(v), edge_order=2)
    with pytest.raises(ValueError, match="axis 0"):
        gradient(np.array(v))
    with pytest.raises(ValueError, match="axis 0"):
        gradient(v)


def test_args():
    # numpy only checks that these calls do not raise; the port also compares
    # each result with np.gradient(..., edge_order=2) (inputs are linear, so
    # edges agree too). Positional varargs become one `spacing` argument.
    dx = np.cumsum(np.ones(5))
    dx_uneven = [1., 2., 5., 9., 11.]
    f_2d = np.arange(25).reshape(5, 5)
    a5 = np.arange(5)

    for sp in (3., np.array(3.), dx):
        assert_allclose(gradient(a5, spacing=sp)[0],
                        np.gradient(a5, sp, edge_order=2), rtol=1e-14)
    # dy is set equal to dx because scalar
    for sp in (1.5, np.array(1.5)):
        assert_allclose(gradient(f_2d, spacing=sp),
                        np.gradient(f_2d, sp, edge_order=2), rtol=1e-14)
    assert_allclose(gradient(f_2d, spacing=[dx_uneven, dx_uneven]),
                    np.gradient(f_2d, dx_uneven, dx_uneven, edge_order=2),
                    rtol=1e-13)
    # mix between even and uneven spaces and between scalar and vector
    assert_allclose(gradient(f_2d, spacing=[dx, 2]),
                    np.gradient(f_2d, dx, 2, edge_order=2), rtol=1e-14)
    # 2D but axis specified
    assert_allclose(gradient(f_2d, axes=1, spacing=[dx])[0],
                    np.gradient(f_2d, dx, axis=1, edge_order=2), rtol=1e-14)
    assert_allclose(fd.grid.derivative(f_2d, 1, spacing=dx),
                    np.gradient(f_2d, dx, axis=1, edge_order=2), rtol=1e-14)

    # 2d coordinate arguments are not allowed
    with pytest.raises(ValueError, match="spacing"):
        gradient(f_2d, spacing=[np.stack([dx] * 2, axis=-1), 1])


def test_badargs():
    f_2d = np.arange(25).reshape(5, 5)
    x = np.cumsum(np.ones(5))

    # wrong sizes
    with pytest.raises(ValueError, match="spacing"):
        gradient(f_2d, spacing=[x, np.ones(2)])
    with pytest.raises(ValueError, match="spacing"):
        gradient(f_2d, spacing=[1, np.ones(2)])
    with pytest.raises(ValueError, match="spacing"):
        gradient(f_2d, spacing=[np.ones(2), np.ones(2)])
    # wrong number of arguments: numpy raises TypeError (a wrong count of
    # positional varargs); fastdiff's `spacing` is one argument of the wrong
    # length, a ValueError naming it.
    bad = [(x, None), (x, (0, 1)), ([x, x, x], None), ([1, 1, 1], None),
           ([x, x], 1), ([1, 1], 1)]
    for spacing, axes in bad:
        with pytest.raises(ValueError, match="spacing"):
            gradient(f_2d, spacing=spacing, axes=axes)


def test_masked():
    # Adapted: 3x3 instead of 2x2 (fastdiff needs 3 points per axis).
    x3, _ = _bilinear3()
    x = np.ma.array(x3, mask=np.zeros(x3.shape, dtype=bool))
    res = gradient(x)
    out = res[0]
    assert type(res) is type(x)
    assert type(out) is type(x)
    # output and input do not alias their mask arrays
    assert x._mask is not res._mask
    assert x._mask is not out._mask
    # and the original mask is not altered (numpy checks edge_order=2 here)
    x2 = np.ma.arange(5)
    x2[2] = np.ma.masked
    r2 = gradient(x2)
    assert_array_equal(x2.mask, [False, False, True, False, False])
    # beyond numpy's test: the same masked result as numpy's edge_order=2
    expected = np.gradient(x2, edge_order=2)
    assert_array_equal(np.ma.getmaskarray(r2[0]), np.ma.getmaskarray(expected))
    assert_array_equal(r2[0].compressed(), expected.compressed())


def test_second_order_accurate():
    # Direct port: numpy uses edge_order=2, which is fastdiff's acc=2.
    x = np.linspace(0, 1, 10)
    dx = x[1] - x[0]
    y = 2 * x ** 3 + 4 * x ** 2 + 2 * x
    analytical = 6 * x ** 2 + 8 * x + 2
    num_error = np.abs((gradient(y, spacing=dx)[0] / analytical) - 1)
    assert np.all(num_error < 0.03)

    # unevenly spaced
    rng = np.random.default_rng(0)
    x = np.sort(rng.random(10))
    y = 2 * x ** 3 + 4 * x ** 2 + 2 * x
    analytical = 6 * x ** 2 + 8 * x + 2
    num_error = np.abs((gradient(y, spacing=[x])[0] / analytical) - 1)
    assert np.all(num_error < 0.03)


def test_spacing():
    f = np.array([0, 2., 3., 4., 5., 5.])
    f = np.tile(f, (6, 1)) + f.reshape(-1, 1)
    x_uneven = np.array([0., 0.5, 1., 3., 5., 7.])
    x_even = np.arange(6.)

    fdx_even_ord1 = np.tile([2., 1.5, 1., 1., 0.5, 0.], (6, 1))
    fdx_even_ord2 = np.tile([2.5, 1.5, 1., 1., 0.5, -0.5], (6, 1))
    fdx_uneven_ord1 = np.tile([4., 3., 1.7, 0.5, 0.25, 0.], (6, 1))
    fdx_uneven_ord2 = np.tile([5., 3., 1.7, 0.5, 0.25, -0.25], (6, 1))

    # edge_order=1 expectations: fastdiff has no first-order edges, so only
    # the interior (where numpy's edge_order does not matter) is compared.
    inner = slice(1, -1)

    def check(res0, res1, exp, ord1):
        # res0/res1: derivatives along axis 0 / axis 1
        if ord1:
            assert_almost_equal(res0[inner, :], exp.T[inner, :])
            assert_almost_equal(res1[:, inner], exp[:, inner])
        else:
            assert_almost_equal(res0, exp.T)
            assert_almost_equal(res1, exp)

    # evenly spaced
    for ord1, exp_res in [(True, fdx_even_ord1), (False, fdx_even_ord2)]:
        res1 = gradient(f, axes=(0, 1), spacing=1.)
        res2 = gradient(f, axes=(0, 1), spacing=[x_even, x_even])
        res3 = gradient(f, axes=None, spacing=[x_even, x_even])
        assert_array_equal(res1, res2)
        assert_array_equal(res2, res3)
        check(res1[0], res1[1], exp_res, ord1)

        # one axis: fastdiff's gradient keeps a leading axis of length 1
        # (numpy returns the bare array); derivative returns u.shape.
        for axis in (0, 1):
            r1 = gradient(f, axes=axis, spacing=1.)
            r2 = gradient(f, axes=axis, spacing=[x_even])
            assert r1.shape == r2.shape == (1,) + f.shape
            assert_array_equal(r1, r2)
            d = fd.grid.derivative(f, axis, spacing=x_even)
            assert d.shape == f.shape
            assert_array_equal(d, r2[0])
        check(gradient(f, axes=0, spacing=[x_even])[0],
              gradient(f, axes=1, spacing=[x_even])[0], exp_res, ord1)

    # unevenly spaced
    for ord1, exp_res in [(True, fdx_uneven_ord1), (False, fdx_uneven_ord2)]:
        res1 = gradient(f, axes=(0, 1), spacing=[x_uneven, x_uneven])
        res2 = gradient(f, axes=None, spacing=[x_uneven, x_uneven])
        assert_array_equal(res1, res2)
        check(res1[0], res1[1], exp_res, ord1)
        check(gradient(f, axes=0, spacing=[x_uneven])[0],
              gradient(f, axes=1, spacing=[x_uneven])[0], exp_res, ord1)

    # mixed (numpy runs this block for edge_order=1 and 2; fastdiff computes
    # one result, checked against both: interior for 1, everywhere for 2)
    res1 = gradient(f, axes=(0, 1), spacing=[x_even, x_uneven])
    res2 = gradient(f, axes=(1, 0), spacing=[x_uneven, x_even])
    assert_array_equal(res1[0], res2[1])
    assert_array_equal(res1[1], res2[0])
    assert_almost_equal(res1[0][inner, :], fdx_even_ord1.T[inner, :])
    assert_almost_equal(res1[1][:, inner], fdx_uneven_ord1[:, inner])
    assert_almost_equal(res1[0], fdx_even_ord2.T)
    assert_almost_equal(res1[1], fdx_uneven_ord2)


def test_specific_axes():
    # Adapted: 3x3 instead of 2x2 (see _bilinear3); component i of fastdiff's
    # stacked result is along axes[i], as numpy's list entries are.
    x, dx = _bilinear3()
    assert_array_equal(gradient(x, axes=0), [dx[0]])
    assert_array_equal(gradient(x, axes=1), [dx[1]])
    assert_array_equal(gradient(x, axes=-1), [dx[1]])
    assert_array_equal(gradient(x, axes=(1, 0)), [dx[1], dx[0]])

    # axes=None means all axes
    assert_almost_equal(gradient(x, axes=None), [dx[0], dx[1]])
    # and is the same as no axes keyword given
    assert_almost_equal(gradient(x, axes=None), gradient(x))

    # spacing order follows the axes order. numpy's assert_array_equal is
    # relaxed to 1e-15 relative: fastdiff scales stencil weights by 1/h
    # (not a division of the difference by h), so a step of 3 is 1 ulp off.
    assert_allclose(gradient(x, axes=(1, 0), spacing=[2, 3]),
                    [dx[1] / 2.0, dx[0] / 3.0], rtol=1e-15, atol=0)
    # more spacing entries than axes: numpy TypeError (varargs count),
    # fastdiff ValueError naming `spacing`
    with pytest.raises(ValueError, match="spacing"):
        gradient(x, axes=1, spacing=[1, 2])

    # numpy raises AxisError, a subclass of ValueError; fastdiff ValueError
    with pytest.raises(ValueError, match="axes"):
        gradient(x, axes=3)
    with pytest.raises(ValueError, match="axes"):
        gradient(x, axes=-3)


def test_inexact_dtypes():
    # numpy: the result dtype is np.diff's. fastdiff agrees for float32 and
    # float64; float16 is documented to compute and return float32.
    for dt in [np.float16, np.float32, np.float64]:
        x = np.array([1, 2, 3], dtype=dt)
        res = gradient(x)
        expected = np.float32 if dt is np.float16 else np.diff(x).dtype
        assert res.dtype == expected
        assert_array_equal(res, [[1, 1, 1]])


def test_values():
    # numpy's edge_order=2 needs 3 points, as fastdiff's acc=2 does
    assert_array_equal(gradient(np.arange(3)), [[1., 1., 1.]])
    # numpy's 2-point edge_order=1 call has no fastdiff equivalent (no
    # first-order edges): 2 points raise, as numpy's edge_order=2 does.
    for n in (0, 1, 2):
        with pytest.raises(ValueError, match="points"):
            gradient(np.arange(n))


@pytest.mark.parametrize('f_dtype', [np.uint8, np.uint16,
                                     np.uint32, np.uint64])
def test_f_decreasing_unsigned_int(f_dtype):
    f = np.array([5, 4, 3, 2, 1], dtype=f_dtype)
    g = gradient(f)
    assert g.dtype == np.float64
    assert_array_equal(g, [[-1] * len(f)])


@pytest.mark.parametrize('f_dtype', [np.int8, np.int16,
                                     np.int32, np.int64])
def test_f_signed_int_big_jump(f_dtype):
    # Adapted: numpy uses 2 points, x = [1, 3], f = [-1, maxint]; fastdiff
    # needs 3, so the midpoint x = 2 is inserted with its (integer) value on
    # the same line. Its end points still differ by more than the dtype holds.
    maxint = np.iinfo(f_dtype).max
    x = np.array([1, 2, 3])
    f = np.array([-1, (maxint - 1) // 2, maxint], dtype=f_dtype)
    dfdx = gradient(f, spacing=[x])
    assert_array_equal(dfdx, [[(maxint + 1) // 2] * 3])


@pytest.mark.parametrize('x_dtype', [np.uint8, np.uint16,
                                     np.uint32, np.uint64])
def test_x_decreasing_unsigned(x_dtype):
    x = np.array([3, 2, 1], dtype=x_dtype)
    f = np.array([0, 2, 4])
    dfdx = gradient(f, spacing=[x])
    assert_array_equal(dfdx, [[-2] * len(x)])


@pytest.mark.parametrize('x_dtype', [np.int8, np.int16,
                                     np.int32, np.int64])
def test_x_signed_int_big_jump(x_dtype):
    # Adapted: numpy uses 2 points, x = [-1, maxint], f = [minint // 2, 0];
    # fastdiff needs 3, so the midpoint of x is inserted with f on the same
    # line (slope 0.5). x[-1] - x[0] still overflows the dtype.
    minint = np.iinfo(x_dtype).min
    maxint = np.iinfo(x_dtype).max
    x = np.array([-1, (maxint - 1) // 2, maxint], dtype=x_dtype)
    f = np.array([minint // 2, minint // 4, 0])
    dfdx = gradient(f, spacing=[x])
    assert_array_equal(dfdx, [[0.5, 0.5, 0.5]])


def test_return_type():
    # numpy returns a tuple; fastdiff by design returns one stacked ndarray
    # (tuple input accepted). Adapted to 3 points per axis.
    res = gradient(([1, 2, 3], [2, 3, 4], [3, 4, 5]))
    assert type(res) is np.ndarray
    assert res.shape == (2, 3, 3)
    assert_array_equal(res, np.ones((2, 3, 3)))
    assert gradient([1, 2, 3]).shape == (1, 3)
