"""``workers=``: a non-vectorized f evaluated in parallel (real pools: fork
and spawn start methods, a distributed LocalCluster), results identical to
the serial call."""
import concurrent.futures
import multiprocessing

import numpy as np
import pytest

import fastdiff as fd

X = np.random.default_rng(0).uniform(0.5, 1.5, (5, 3))


def f_sq(p):
    return float(np.sum(p ** 2) + np.sin(p[0]) * p[1])


def f_fails(p):
    if p[0] > 1.0:
        raise ValueError(f"f refuses p[0] = {p[0]:.3f}")
    return float(np.sum(p))


@pytest.mark.parametrize("name", ["gradient", "hessian", "laplacian", "jacobian"])
def test_int_workers_fork_pool_identical(name):
    fn = getattr(fd.points, name)
    want = fn(f_sq, X, vectorized=False)
    got = fn(f_sq, X, vectorized=False, workers=2)
    np.testing.assert_array_equal(got, want)


def test_map_like_callables():
    want = fd.points.gradient(np.linalg.norm, X, vectorized=False)
    ctx = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        got = fd.points.gradient(np.linalg.norm, X, vectorized=False, workers=ex.map)
    np.testing.assert_array_equal(got, want)
    with concurrent.futures.ThreadPoolExecutor(3) as ex:      # any f, no pickling
        got = fd.points.gradient(lambda p: float(np.linalg.norm(p)), X, vectorized=False,
                                 workers=ex.map)
    np.testing.assert_array_equal(got, want)
    d = fd.points.derivative(np.sin, X[:, 0], vectorized=False, workers=map)
    np.testing.assert_array_equal(d, fd.points.derivative(np.sin, X[:, 0], vectorized=False))


def test_distributed_local_cluster():
    distributed = pytest.importorskip("distributed")
    want = fd.points.gradient(np.linalg.norm, X, vectorized=False)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        got = fd.points.gradient(np.linalg.norm, X, vectorized=False,
                                 workers=client.get_executor().map)
    np.testing.assert_array_equal(got, want)


def test_exceptions_keep_type_and_message():
    with pytest.raises(ValueError, match=r"f refuses p\[0\] = 1\.\d+"):
        fd.points.gradient(f_fails, X, vectorized=False, workers=2)


@pytest.mark.parametrize("kw, exc, msg", [
    ({"workers": 2, "f": lambda p: float(p.sum())}, TypeError,
     "f cannot be pickled for a process pool .* map-like callable"),
    ({"workers": 0}, ValueError, "workers must be None, an int >= 1"),
    ({"workers": "x"}, TypeError, "workers must be None, an int >= 1 or a map-like"),
    ({"workers": 2, "vectorized": True}, ValueError, "workers needs vectorized=False"),
])
def test_worker_errors(kw, exc, msg):
    kw = dict(kw)
    f = kw.pop("f", f_sq)
    kw.setdefault("vectorized", False)
    with pytest.raises(exc, match=msg):
        fd.points.gradient(f, X, **kw)
