"""Process pools: children created by fork after the parent ran kernels on
several threads must work (libgomp's team does not survive fork: fastdiff
runs on one thread there), and spawn pools and a distributed LocalCluster
keep working.  Each scenario runs in a fresh interpreter under a timeout, so
a hang fails the test instead of stalling the suite."""
import os
import subprocess
import sys
import textwrap

import pytest

PRELUDE = """
import numpy as np, fastdiff as fd

def work(seed):
    rng = np.random.default_rng(seed)
    u = rng.random((64, 64, 64))
    lap = fd.grid.laplacian(u)
    g = fd.points.gradient(lambda p: (p ** 2).sum(1), rng.random((3000, 3)))
    x = np.linspace(0, 1, 30)
    d = fd.data.fit((x, x, x), rng.random((30, 30, 30))).gradient(rng.random((2000, 3)))
    return float(lap.sum()), float(g.sum()), float(d.sum())

def expected():
    import fastdiff._config as c
    return [work(s) for s in (0, 1, 2)]
"""


@pytest.fixture
def run(tmp_path):
    """Run a scenario script (importing ``work`` and ``expected`` from a module
    beside it, so that spawned workers find them) in a fresh interpreter."""
    (tmp_path / "fdwork.py").write_text(textwrap.dedent(PRELUDE))

    def go(body, timeout=180):
        script = tmp_path / "scenario.py"
        script.write_text("from fdwork import *\n" + textwrap.dedent(body))
        # OpenMP's defaults, whatever earlier tests (dask, distributed) left
        env = {k: v for k, v in os.environ.items() if not k.startswith("OMP_")}
        try:
            res = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                                 timeout=timeout, cwd=tmp_path, env=env)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the scenario hung (no answer in {timeout} s)")
        assert res.returncode == 0, res.stdout + res.stderr
        assert res.stdout.strip().endswith("OK"), res.stdout + res.stderr
    return go


def test_fork_pool_after_threaded_calls(run):
    run("""
    import multiprocessing as mp
    want = expected()                       # threaded kernels in the parent first
    with mp.get_context("fork").Pool(2) as pool:
        got = pool.map_async(work, [0, 1, 2]).get(timeout=120)
    assert got == want, (got, want)
    print("OK")
    """)


def test_fork_process_pool_executor(run):
    run("""
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor
    want = expected()
    with ProcessPoolExecutor(2, mp_context=mp.get_context("fork")) as ex:
        got = list(ex.map(work, [0, 1, 2], timeout=120))
    assert got == want, (got, want)
    print("OK")
    """)


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="one CPU: no OpenMP team to lose")
def test_bare_fork_child_reports_one_thread(run):
    run("""
    import os
    want = expected()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            import fastdiff._config as c
            msg = (f"forked_child={c.forked_child()} max_threads={c.max_threads()} "
                   f"same={list(map(work, [0, 1, 2])) == want}")
        except BaseException as exc:   # report, never run the parent's code
            msg = repr(exc)
        os.write(w, msg.encode())
        os._exit(0)
    os.waitpid(pid, 0)
    msg = os.read(r, 1000).decode()
    assert msg == "forked_child=True max_threads=1 same=True", msg
    import fastdiff._config as c
    assert not c.forked_child()
    print("OK")
    """)


def test_dask_processes_scheduler_with_fork(run):
    pytest.importorskip("dask.array")
    run("""
    import multiprocessing as mp
    import dask, dask.array as da
    expected()
    u = np.random.default_rng(5).random((96, 96, 96))
    want = fd.grid.laplacian(u)
    with dask.config.set({"multiprocessing.context": "fork"}):
        got = fd.grid.laplacian(da.from_array(u, chunks=48)).compute(scheduler="processes",
                                                                     num_workers=2)
    np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-12)
    print("OK")
    """)


def test_spawn_pool_control(run):
    run("""
    import multiprocessing as mp
    if __name__ == "__main__":
        want = expected()
        with mp.get_context("spawn").Pool(2) as pool:
            got = pool.map_async(work, [0, 1, 2]).get(timeout=120)
        assert got == want
        print("OK")
    """)


def test_local_cluster_control(run):
    pytest.importorskip("distributed")
    run("""
    from distributed import Client, LocalCluster
    import dask.array as da
    if __name__ == "__main__":
        u = np.random.default_rng(6).random((64, 64, 64))
        want = fd.grid.laplacian(u)
        with LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1",
                          dashboard_address=None, processes=True) as cluster, Client(cluster):
            got = fd.grid.laplacian(da.from_array(u, chunks=32)).compute()
        np.testing.assert_allclose(got, want, rtol=1e-13, atol=1e-12)
        print("OK")
    """, timeout=240)
