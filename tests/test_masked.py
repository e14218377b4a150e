"""numpy masked arrays in fd.grid (SPEC: MaskedArray in, MaskedArray out,
masked wherever a stencil reads a masked sample; values under the mask never
used).  ``test_masked_like_numpy`` ports numpy's ``TestGradient.test_masked``
(numpy/lib/tests/test_function_base.py, numpy 2.x)."""
import numpy as np
import pytest

import fastdiff as fd


def test_masked_like_numpy():
    x = np.ma.array([[1, 1], [3, 4]], mask=[[False, False], [False, False]])
    # adapted: fastdiff's one-sided edges keep acc=2 and need 3 points per
    # axis (numpy drops to first order), so the 2 x 2 array uses "nearest"
    out = fd.grid.gradient(x, boundary="nearest")[0]
    assert type(out) is type(x)
    assert x._mask is not out._mask            # no aliased masks
    x2 = np.ma.arange(5.0)
    x2[2] = np.ma.masked
    fd.grid.gradient(x2, acc=2)
    np.testing.assert_array_equal(x2.mask, [False, False, True, False, False])


def test_hidden_values_are_never_used():
    # a masked 1e6 showed up as +-5e5 in the neighbours' derivatives
    u = np.ma.masked_array(np.arange(10.0) ** 2)
    u[4] = 1e6
    u[4] = np.ma.masked
    g = fd.grid.derivative(u, 0)
    assert g.mask.tolist() == [False] * 3 + [True, False, True] + [False] * 4
    np.testing.assert_allclose(g.compressed(), (2 * np.arange(10.0))[g.mask == False])  # noqa: E712


@pytest.mark.parametrize("name, kw", [("derivative", {"axis": 1, "order": 2, "acc": 4}),
                                      ("gradient", {}), ("laplacian", {"acc": 4}),
                                      ("hessian", {}), ("laplacian", {"boundary": "periodic"})])
def test_mask_is_where_the_stencil_reads_a_masked_sample(name, kw):
    rng = np.random.default_rng(0)
    data = rng.random((9, 11))
    mask = rng.random((9, 11)) < 0.05
    fn = getattr(fd.grid, name)
    got = fn(np.ma.masked_array(data, mask), **kw)
    assert isinstance(got, np.ma.MaskedArray)
    # brute force: perturb each masked sample; outputs that change read it
    base = fn(np.where(mask, 0.0, data), **kw)
    touched = np.zeros(base.shape, dtype=bool)
    for i, j in zip(*np.nonzero(mask)):
        d = np.where(mask, 0.0, data)
        d[i, j] = 1e3
        touched |= fn(d, **kw) != base
    np.testing.assert_array_equal(np.ma.getmaskarray(got), touched)
    np.testing.assert_array_equal(got.data[~touched], base[~touched])


def test_plans_vectors_and_out():
    rng = np.random.default_rng(1)
    u = np.ma.masked_array(rng.random((6, 7)))
    u[2, 3] = np.ma.masked
    plan = (fd.grid.D(0) ** 2 + fd.grid.D(1) ** 2).plan((6, 7))
    r = plan(u)
    assert isinstance(r, np.ma.MaskedArray) and r.mask.sum() == 9
    out = np.ma.masked_array(np.zeros((6, 7)))
    assert plan(u, out=out) is out and out.mask.sum() == 9
    with pytest.raises(ValueError, match="beta=1.0 is not supported for masked arrays"):
        plan(u, out=np.zeros((6, 7)), beta=1.0)
    v = np.ma.masked_array(rng.random((2, 6, 7)))
    v[0, 1, 1] = np.ma.masked
    assert fd.grid.divergence(v).mask.sum() == 2
    c = np.ma.masked_array(rng.random((5, 5)) + 1j * rng.random((5, 5)))
    c[2, 2] = np.ma.masked
    assert fd.grid.gradient(c).mask.sum() == 8


def test_masked_coefficients_and_directions_are_refused():
    # (the values under the mask were used: a masked 1e300 gave -1e299)
    D = fd.grid.D
    u = np.random.default_rng(0).random((5, 6))
    c = np.ma.masked_array(np.ones((5, 6)))
    c[2, 3] = np.ma.masked
    with pytest.raises(TypeError, match="a coefficient is a masked array with masked entries"):
        c * D(0)
    with pytest.raises(TypeError, match="masked entries"):
        D(0) + c
    d = np.ma.masked_array(np.ones((2, 5, 6)))
    d[0, 2, 3] = np.ma.masked
    with pytest.raises(TypeError, match="direction is a masked array"):
        fd.grid.directional(u, d)
    full = np.ma.masked_array(np.full((5, 6), 2.0))        # nothing masked: its data
    np.testing.assert_array_equal((full * D(0))(u), (2.0 * D(0))(u))
