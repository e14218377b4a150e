"""dask arrays (local and distributed) and xarray DataArrays in fd.grid."""
import numpy as np
import pytest

import fastdiff as fd

da = pytest.importorskip("dask.array")
xr = pytest.importorskip("xarray")

MODES = ["one-sided", "periodic", "constant", "nearest", "reflect", "mirror"]
rng = np.random.default_rng(11)
U = rng.standard_normal((23, 31, 17))


def _close(lazy, want):
    got = lazy.compute()
    scale = max(np.abs(want).max(), 1.0)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-12 * scale * 1e3)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("acc", [2, 4, 6])
@pytest.mark.parametrize("chunks", [(8, 10, 6), (23, 7, 17), ((5, 9, 9), (13, 13, 5), (3, 14))])
def test_derivative_equals_in_memory(mode, acc, chunks):
    du = da.from_array(U, chunks=chunks)
    for axis in range(3):
        for order in (1, 2):
            lazy = fd.grid.derivative(du, axis, order, acc=acc, boundary=mode, cval=0.7)
            assert lazy.chunks == du.chunks
            _close(lazy, fd.grid.derivative(U, axis, order, acc=acc, boundary=mode, cval=0.7))


@pytest.mark.parametrize("chunks", [(2, 3, 2), (1, 31, 17), (23, 1, 4)])
def test_chunks_smaller_than_the_halo(chunks):
    du = da.from_array(U, chunks=chunks)
    lazy = fd.grid.laplacian(du, acc=8, boundary="reflect")
    assert lazy.chunks == du.chunks
    _close(lazy, fd.grid.laplacian(U, acc=8, boundary="reflect"))
    _close(fd.grid.gradient(du, acc=6), fd.grid.gradient(U, acc=6))


@pytest.mark.parametrize("mode", MODES)
def test_operators_equal_in_memory(mode):
    du = da.from_array(U, chunks=(7, 11, 6))
    kw = dict(boundary=mode, cval=-0.4, spacing=[0.5, 0.25, 2.0])
    _close(fd.grid.gradient(du, **kw), fd.grid.gradient(U, **kw))
    _close(fd.grid.laplacian(du, acc=4, **kw), fd.grid.laplacian(U, acc=4, **kw))
    _close(fd.grid.hessian(du, **kw), fd.grid.hessian(U, **kw))
    _close(fd.grid.directional(du, [1.0, -2.0, 0.5], **kw),
           fd.grid.directional(U, [1.0, -2.0, 0.5], **kw))
    V = rng.standard_normal((3,) + U.shape)
    dv = da.from_array(V, chunks=(1, 7, 11, 6))
    _close(fd.grid.divergence(dv, **kw), fd.grid.divergence(V, **kw))
    _close(fd.grid.curl(dv, **kw), fd.grid.curl(V, **kw))
    _close(fd.grid.jacobian(dv[:2], **kw), fd.grid.jacobian(V[:2], **kw))


def test_nonuniform_coordinates_and_dtypes():
    x = np.cumsum(rng.random(31) + 0.2)
    du = da.from_array(U, chunks=(8, 6, 9))
    for acc in (2, 4):
        _close(fd.grid.derivative(du, 1, 2, spacing=x, acc=acc),
               fd.grid.derivative(U, 1, 2, spacing=x, acc=acc))
    u32 = da.from_array(U.astype(np.float32), chunks=(8, 6, 9))
    got = fd.grid.gradient(u32)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got.compute(), fd.grid.gradient(U.astype(np.float32)),
                               rtol=0, atol=1e-5)
    uz = da.from_array(U + 1j * U[::-1], chunks=(8, 6, 9))
    _close(fd.grid.laplacian(uz, boundary="periodic"),
           fd.grid.laplacian(U + 1j * U[::-1], boundary="periodic"))


def test_dask_errors():
    du = da.from_array(U, chunks=8)
    with pytest.raises(ValueError, match="out is not supported for dask arrays"):
        fd.grid.laplacian(du, out=np.empty(U.shape))
    with pytest.raises(ValueError, match="acc must be an even integer"):
        fd.grid.gradient(du, acc=3)
    with pytest.raises(ValueError, match="axis 0 has 2 points"):
        fd.grid.gradient(da.zeros((2, 5), chunks=1))


def test_distributed_local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        du = da.from_array(U, chunks=(8, 16, 9))
        got = client.compute(fd.grid.laplacian(du, acc=4, boundary="mirror")).result()
        np.testing.assert_allclose(got, fd.grid.laplacian(U, acc=4, boundary="mirror"),
                                   rtol=0, atol=1e-11)


def _field():
    x = np.cumsum(rng.random(30) + 0.5)
    y = np.linspace(0.0, 2.0, 25)
    X, Y = np.meshgrid(x, y, indexing="ij")
    u = np.sin(X) * np.cos(Y)
    return x, y, u, xr.DataArray(u, dims=("x", "y"), coords={"x": x, "y": y}, name="u",
                                 attrs={"units": "m"})


def test_xarray_spacing_from_coordinates():
    x, y, u, arr = _field()
    g = fd.grid.gradient(arr)
    assert g.dims == ("axis", "x", "y") and list(g.coords["axis"].values) == ["x", "y"]
    np.testing.assert_array_equal(g.values, fd.grid.gradient(u, spacing=[x, y]))
    np.testing.assert_array_equal(g.coords["x"].values, x)
    d = fd.grid.derivative(arr, "y", 2, acc=4)
    assert d.dims == ("x", "y") and d.name == "u"
    np.testing.assert_array_equal(d.values, fd.grid.derivative(u, 1, 2, spacing=y, acc=4))
    lap = fd.grid.laplacian(arr, axes=["x"])
    np.testing.assert_array_equal(lap.values, fd.grid.laplacian(u, axes=0, spacing=[x]))
    H = fd.grid.hessian(arr)
    assert H.dims == ("axis", "axis2", "x", "y")
    np.testing.assert_array_equal(H.values, fd.grid.hessian(u, spacing=[x, y]))
    # an explicit spacing wins over the coordinates
    np.testing.assert_array_equal(fd.grid.gradient(arr, spacing=1.0).values,
                                  fd.grid.gradient(u))


def test_xarray_vector_fields_and_lazy():
    x, y, u, arr = _field()
    v = xr.DataArray(np.stack([u, u ** 2]), dims=("c", "x", "y"), coords={"x": x, "y": y})
    assert fd.grid.divergence(v).dims == ("x", "y")
    J = fd.grid.jacobian(v)
    assert J.dims == ("c", "axis", "x", "y")
    np.testing.assert_array_equal(J.values, fd.grid.jacobian(v.values, spacing=[x, y]))
    lazy = xr.DataArray(da.from_array(u, chunks=(7, 9)), dims=("x", "y"),
                        coords={"x": x, "y": y})
    g = fd.grid.gradient(lazy)
    assert isinstance(g.data, da.Array)
    np.testing.assert_allclose(g.compute().values, fd.grid.gradient(u, spacing=[x, y]),
                               rtol=0, atol=1e-12)


def test_xarray_errors():
    _, _, _, arr = _field()
    with pytest.raises(ValueError, match="'z' is not a dimension"):
        fd.grid.derivative(arr, "z")
    with pytest.raises(ValueError, match="out is not supported for DataArrays"):
        fd.grid.laplacian(arr, out=np.empty(arr.shape))


def test_xarray_operator_uses_only_the_coordinates_it_differentiates():
    xr = pytest.importorskip("xarray")
    D = fd.grid.D
    a = xr.DataArray(np.random.default_rng(0).random((3, 11)), dims=("station", "x"),
                     coords={"station": [3, 1, 2], "x": np.linspace(0, 1, 11) ** 2})
    np.testing.assert_array_equal(D(1)(a).values, fd.grid.derivative(a, "x").values)
    b = xr.DataArray(np.random.default_rng(1).random((1, 11)), dims=("time", "x"),
                     coords={"time": [0.0], "x": np.linspace(0, 1, 11)})
    np.testing.assert_array_equal((D(1) ** 2)(b).values,
                                  fd.grid.derivative(b, "x", order=2).values)
    with pytest.raises(ValueError, match="strictly monotonic"):
        D(0)(a)                 # (the coordinate it does differentiate still counts)


def test_xarray_time_coordinates_in_their_own_unit():
    xr = pytest.importorskip("xarray")
    t = np.arange(0, 5 * 3600, 3600).astype("datetime64[s]")
    ut = xr.DataArray(np.arange(5.0) ** 2, dims="t", coords={"t": t})
    want = ut.differentiate("t").values              # per second
    got = fd.grid.derivative(ut, "t").values
    np.testing.assert_allclose(got[1:-1], want[1:-1], rtol=1e-12)
    assert got[0] != 1.0
    bad = ut.copy()
    bad.coords["t"] = np.array(["2020-01-01", "NaT", "2020-01-03", "2020-01-04",
                                "2020-01-05"], dtype="datetime64[s]")
    with pytest.raises(ValueError, match="NaT"):
        fd.grid.derivative(bad, "t")


@pytest.mark.parametrize("call, exc, msg", [
    (lambda a: fd.grid.gradient(a, axes=(0, 5)), ValueError, "axes 5 is out of range"),
    (lambda a: fd.grid.gradient(a, axes=1.0), TypeError, "axes must be an integer"),
    (lambda a: fd.grid.derivative(a, None), TypeError, "axis must be an integer"),
    (lambda a: fd.grid.derivative(a, 7), ValueError, "axis 7 is out of range"),
])
def test_xarray_bad_axes_get_the_functions_errors(call, exc, msg):
    # (IndexError, "'float' object is not iterable", "unsupported operand")
    xr = pytest.importorskip("xarray")
    with pytest.raises(exc, match=msg):
        call(xr.DataArray(np.random.default_rng(0).random((5, 6)), dims=("y", "x")))


def test_dask_unknown_shapes_and_thread_counts_are_checked_at_once():
    # ("cannot convert float NaN to integer"; num_threads=0 raised only at compute)
    x = da.from_array(np.arange(20.0) ** 2, chunks=5)
    y = x[x > 3]
    with pytest.raises(ValueError, match=r"unknown shape .*compute_chunk_sizes"):
        fd.grid.derivative(y, 0)
    with pytest.raises(ValueError, match="compute_chunk_sizes"):
        fd.grid.D(0).plan((16,))(y)
    with pytest.raises(ValueError, match="num_threads must be None or a non-zero integer"):
        fd.grid.laplacian(da.ones((10, 10), chunks=5), num_threads=0)
    np.testing.assert_allclose(fd.grid.derivative(y.compute_chunk_sizes(), 0).compute(),
                               fd.grid.derivative(y.compute(), 0))


def test_xarray_iterable_axes_and_nat_on_untouched_axes():
    # (review: range axes raised; a NaT on an axis the operator does not
    # differentiate was read)
    a = xr.DataArray(np.random.default_rng(0).random((11, 9)), dims=("y", "x"))
    assert fd.grid.gradient(a, axes=range(2)).shape == (2, 11, 9)
    t = np.array(["2020-01-01", "NaT", "2020-01-03"], dtype="datetime64[s]")
    b = xr.DataArray(np.random.default_rng(1).random((3, 11)), dims=("t", "x"),
                     coords={"t": t, "x": np.linspace(0, 1, 11)})
    np.testing.assert_array_equal(fd.grid.D(1)(b).values, fd.grid.derivative(b, "x").values)
