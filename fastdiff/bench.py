"""``fastdiff bench``: a standard benchmark set, printed as a table.

For every case: the best time over repeats (after a warm-up, outputs
preallocated), the effective bandwidth (bytes read + written / time), the
ratio to ``np.copyto`` of the same array (the memory-bandwidth limit of this
machine), the ratio of ``fastdiff.reference`` to fastdiff, and the ratio of
every installed peer (numpy.gradient, scipy.ndimage, findiff, numdifftools,
scipy.differentiate) to fastdiff.  Peers that are not installed are named.

    python -m fastdiff bench [--quick] [--json FILE] [--plot FILE.png]
                             [--filter TEXT] [--threads N] [--repeat R]
"""
from __future__ import annotations

import argparse
import importlib
import json
import platform
import sys
import time

import numpy as np

PEERS = ("numpy", "scipy.ndimage", "findiff", "numdifftools", "scipy.differentiate")


def _have(module):
    try:
        importlib.import_module(module)
    except ImportError:
        return False
    return True


#: a timed sample lasts at least this long (seconds): fast calls are repeated
#: back to back within a sample, as a time-stepping loop makes them (a single
#: call of a few microseconds would mostly time the clock and the wake-up of
#: the OpenMP threads)
_SAMPLE_TIME = 2e-3


def _best(fn, repeat, warmup=1):
    """Best time per call over ``repeat`` samples of back-to-back calls."""
    for _ in range(warmup):
        fn()
    t0 = time.perf_counter()
    fn()
    once = time.perf_counter() - t0
    calls = max(1, min(100_000, int(_SAMPLE_TIME / max(once, 1e-9))))
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t0) / calls)
    return best


class Case:
    """One benchmark row.

    ``run`` is the fastdiff call (output preallocated), ``copy`` the np.copyto
    baseline for the same input, ``reference`` and ``peers`` callables to
    compare (``peers``: name -> callable); ``nbytes`` the bytes read and
    written by the operation, for the effective bandwidth.
    """

    def __init__(self, name, op, size, dtype, threads, run, copy, nbytes, reference=None,
                 peers=None, array_bytes=0, slow_repeat=1):
        self.name, self.op, self.size, self.dtype, self.threads = name, op, size, dtype, threads
        self.run, self.copy, self.nbytes = run, copy, nbytes
        self.reference, self.peers = reference, dict(peers or {})
        self.array_bytes = array_bytes
        self.slow_repeat = slow_repeat


def _grid_cases(fd, quick, threads):
    from fastdiff import reference as ref
    have_ndi = _have("scipy.ndimage")
    have_findiff = _have("findiff")
    if quick:
        sizes = [("2-D", (1024, 1024)), ("2-D", (2048, 2048)), ("3-D", (128, 128, 128)),
                 ("3-D", (256, 256, 256))]
        accs = (2, 4)
        thread_list = sorted({1, threads})
    else:
        sizes = [("2-D", (1024, 1024)), ("2-D", (4096, 4096)), ("3-D", (128, 128, 128)),
                 ("3-D", (256, 256, 256))]
        accs = (2, 4, 8)
        thread_list = sorted({1, threads})
    rng = np.random.default_rng(0)
    for dims, shape in sizes:
        label = "x".join(str(s) for s in shape)
        for dtype in ("float64", "float32"):
            u = rng.random(shape).astype(dtype)
            out = np.empty_like(u)
            copy_dst = np.empty_like(u)
            copy = (lambda u=u, d=copy_dst: np.copyto(d, u))
            for acc in accs:
                for nt in thread_list:
                    peers = {}
                    if acc == 2 and have_ndi:
                        from scipy import ndimage
                        peers["scipy.ndimage.laplace"] = (
                            lambda u=u: ndimage.laplace(u, mode="reflect"))
                    if acc == 2 and have_findiff:
                        import findiff
                        op = sum(findiff.Diff(ax, 1.0) ** 2 for ax in range(u.ndim))
                        peers["findiff"] = (lambda u=u, op=op: op(u))
                    yield Case(f"laplacian acc={acc}", "laplacian", label, dtype, nt,
                               (lambda u=u, o=out, a=acc, t=nt:
                                fd.grid.laplacian(u, acc=a, out=o, num_threads=t)),
                               copy, 2 * u.nbytes,
                               reference=(lambda u=u, a=acc: ref.laplacian(u, acc=a))
                               if acc == 2 else None,
                               peers=peers if nt == threads else {}, array_bytes=u.nbytes)
            k = u.ndim
            gout = np.empty((k,) + shape, dtype=dtype)
            gpeers = {"numpy.gradient": (lambda u=u: np.gradient(u, edge_order=2))}
            yield Case("gradient acc=2", "gradient", label, dtype, threads,
                       (lambda u=u, o=gout: fd.grid.gradient(u, out=o, num_threads=threads)),
                       copy, (1 + k) * u.nbytes, reference=(lambda u=u: ref.gradient(u)),
                       peers=gpeers, array_bytes=u.nbytes)
            if dims == "3-D":
                hout = np.empty((k, k) + shape, dtype=dtype)
                yield Case("hessian acc=2", "hessian", label, dtype, threads,
                           (lambda u=u, o=hout: fd.grid.hessian(u, out=o, num_threads=threads)),
                           copy, (1 + k * k) * u.nbytes,
                           reference=(lambda u=u: ref.hessian(u)), array_bytes=u.nbytes)


def numpy_laplacian(u, out):
    """The NumPy slicing Laplacian (unit step, interior points): the baseline
    time-stepping codes use."""
    inner = tuple(slice(1, -1) for _ in range(u.ndim))
    acc = (-2.0 * u.ndim) * u[inner]
    for ax in range(u.ndim):
        lo = list(inner)
        hi = list(inner)
        lo[ax] = slice(0, -2)
        hi[ax] = slice(2, None)
        acc += u[tuple(lo)]
        acc += u[tuple(hi)]
    out[inner] = acc
    return out


def heat_setup(n=256, kappa=0.1):
    """The heat equation u_t = kappa*lap(u) on an n x n periodic unit square:
    (u0, h, dt, kappa), dt = 0.2 h^2 / kappa (stable explicit Euler)."""
    h = 1.0 / n
    dt = 0.2 * h * h / kappa
    x = np.arange(n) * h
    u0 = np.sin(2 * np.pi * x)[:, None] * np.cos(2 * np.pi * x)[None, :]
    return u0, h, dt, kappa


def heat_fastdiff(steps=1000):
    """Explicit Euler steps with one reused plan call per step (the README's loop)."""
    import fastdiff as fd
    D = fd.grid.D
    u0, h, dt, kappa = heat_setup()
    step = (1 + dt * kappa * (D(0)**2 + D(1)**2)).plan(u0.shape, spacing=h,
                                                       boundary="periodic")
    u, v = u0.copy(), np.empty_like(u0)
    for _ in range(steps):
        step(u, out=v)
        u, v = v, u
    return u


def heat_numpy(steps=1000):
    """NumPy slicing with a periodic ghost layer (the usual hand-written loop)."""
    u0, h, dt, kappa = heat_setup()
    n = u0.shape[0]
    g = np.empty((n + 2, n + 2))
    g[1:-1, 1:-1] = u0
    c = dt * kappa / h**2
    for _ in range(steps):
        g[0, 1:-1], g[-1, 1:-1] = g[-2, 1:-1], g[1, 1:-1]
        g[1:-1, 0], g[1:-1, -1] = g[1:-1, -2], g[1:-1, 1]
        c0 = g[1:-1, 1:-1]
        g[1:-1, 1:-1] = c0 + c * (g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:]
                                  - 4 * c0)
    return g[1:-1, 1:-1].copy()


def _plan_cases(fd, quick, threads):
    """Reused plans across sizes (call overhead to DRAM), the fused Euler
    step and a variable-coefficient operator."""
    D = fd.grid.D
    sizes = [("1-D", (100,)), ("1-D", (1000,)), ("1-D", (100_000,)), ("2-D", (16, 16)),
             ("2-D", (32, 32)), ("2-D", (64, 64)),
             ("2-D", (256, 256)), ("2-D", (1024, 1024)), ("3-D", (32, 32, 32)),
             ("3-D", (64, 64, 64)), ("3-D", (128, 128, 128))]
    if not quick:
        sizes += [("2-D", (128, 128)), ("2-D", (512, 512)), ("2-D", (4096, 4096)),
                  ("3-D", (256, 256, 256))]
    rng = np.random.default_rng(1)
    for dims, shape in sorted(sizes, key=lambda s: (s[0], np.prod(s[1]))):
        label = "x".join(str(s) for s in shape)
        u = rng.random(shape)
        out = np.empty_like(u)
        dst = np.empty_like(u)
        L = sum((D(a)**2 for a in range(1, len(shape))), D(0)**2)
        plan = L.plan(shape)
        yield Case("laplacian plan acc=2", f"plan laplacian {dims}", label, "float64", threads,
                   (lambda u=u, o=out, p=plan: p(u, o)),
                   (lambda u=u, d=dst: np.copyto(d, u)), 2 * u.nbytes,
                   peers={"numpy slicing": (lambda u=u, o=dst: numpy_laplacian(u, o))},
                   array_bytes=u.nbytes)
    for shape in ([(128, 128, 128)] if quick else [(256, 256, 256)]):
        label = "x".join(str(s) for s in shape)
        u = rng.random(shape)
        out = rng.random(shape)
        dst = np.empty_like(u)
        copy = (lambda u=u, d=dst: np.copyto(d, u))
        L = (D(0)**2 + D(1)**2 + D(2)**2).plan(shape)
        yield Case("euler step (beta=1)", "plan euler step", label, "float64", threads,
                   (lambda u=u, o=out, p=L: p(u, o, alpha=1e-3, beta=1.0)), copy,
                   3 * u.nbytes, array_bytes=u.nbytes)
        kappa = 1.0 + rng.random(shape)
        V = (kappa * (D(0)**2 + D(1)**2 + D(2)**2) + 0.5 * D(0)).plan(shape)
        yield Case("kappa*lap + c*D0", "plan variable coefficient", label, "float64", threads,
                   (lambda u=u, o=out, p=V: p(u, o)), copy, 3 * u.nbytes,
                   array_bytes=u.nbytes)


def _points_f(p):
    a = 0.1 * np.arange(1, p.shape[-1] + 1)
    return (np.sum(np.exp(a * p), axis=-1) + np.sum(np.sin(p[..., :-1]) * np.cos(p[..., 1:]),
                                                    axis=-1))


def _points_cases(fd, quick, threads):
    from fastdiff import reference as ref
    n = 10
    N = 2000 if quick else 10_000
    X = np.random.default_rng(1).uniform(-2, 2, (N, n))
    r = fd.points.gradient(_points_f, X, full_output=True)
    P = np.repeat(X, r.nfev, axis=0) + 1e-3
    peers = {}
    if _have("scipy.differentiate"):
        from scipy import differentiate
        peers["scipy.differentiate.jacobian"] = (
            lambda: differentiate.jacobian(lambda z: _points_f(np.moveaxis(z, 0, -1)), X.T))
    yield Case("points gradient n=10", "points", f"N={N}", "float64", threads,
               lambda: fd.points.gradient(_points_f, X, num_threads=threads),
               lambda: _points_f(P), X.nbytes + r.value.nbytes,
               reference=lambda: ref.points.gradient(_points_f, X), peers=peers)
    Nh = 200 if quick else 1000
    Xh = X[:Nh]
    rh = fd.points.hessian(_points_f, Xh, full_output=True)
    Ph = np.repeat(Xh, rh.nfev, axis=0) + 1e-3
    hpeers = {}
    if _have("numdifftools"):
        import numdifftools as nd
        H = nd.Hessian(lambda z: _points_f(z[None])[0])
        sample = Xh[:10]
        # per-point loop on 10 points, scaled to the batch
        hpeers["numdifftools.Hessian (per point)"] = (
            lambda: [H(x) for x in sample], Nh / len(sample))
    yield Case("points hessian n=10", "points", f"N={Nh}", "float64", threads,
               lambda: fd.points.hessian(_points_f, Xh, num_threads=threads),
               lambda: _points_f(Ph), Xh.nbytes + rh.value.nbytes,
               reference=lambda: ref.points.hessian(_points_f, Xh), peers=hpeers)


def _data_cases(fd, quick, threads):
    """fd.data's grid engine: values and gradient at random queries in a cube
    (against scipy's RegularGridInterpolator), and smoothed derivatives at
    the nodes of a large grid (against fd.grid.derivative with as many taps)."""
    n, M = (96, 100_000) if quick else (192, 1_000_000)
    x = np.linspace(0, 1, n)
    rng = np.random.default_rng(5)
    V = rng.random((n, n, n))
    q = rng.random((M, 3)) * 0.98 + 0.01
    fit = fd.data.fit((x, x, x), V, acc=4)
    out, src = np.empty((M, 4)), rng.random((M, 4))
    peers = {}
    if _have("scipy.interpolate"):
        from scipy.interpolate import RegularGridInterpolator as RGI
        lin = RGI((x, x, x), V, method="linear")
        peers["RegularGridInterpolator linear (values only)"] = lambda: lin(q)
        if not quick:
            def cubic():
                r = RGI((x, x, x), V, method="cubic")
                return [r(q, nu=nu) for nu in [(1, 0, 0), (0, 1, 0), (0, 0, 1)]]
            peers["RegularGridInterpolator cubic gradient (with build)"] = cubic
    for nt in sorted({1, threads}):
        yield Case("data value+gradient acc=4", "data", f"{n}^3 M={M}", "float64", nt,
                   (lambda nt=nt: fit.value_and_gradient(q, num_threads=nt)),
                   (lambda: np.copyto(out, src)), q.nbytes + out.nbytes,
                   peers=peers if nt == threads else None)
    Ns = 20_000 if quick else 100_000
    P = rng.uniform(0, 1, (Ns, 3))
    v = np.sin(3 * P[:, 0]) * np.cos(2 * P[:, 1]) * np.exp(P[:, 2])
    Qs = rng.uniform(0.1, 0.9, (Ns, 3))
    speers = {}
    if _have("scipy.interpolate"):
        from scipy.interpolate import RBFInterpolator
        speers["RBFInterpolator neighbors=30 (values only)"] = (
            lambda: RBFInterpolator(P, v, neighbors=30)(Qs))
        from fastdiff import reference as ref
        sub = Qs[:Ns // 200]
        speers["fastdiff.reference.data (on 0.5 % of the queries, scaled)"] = (
            lambda: (lambda r: (r.gradient(sub), r.hessian(sub)))(ref.data.fit(P, v)),
            Ns / len(sub))
        sout, ssrc = np.empty((Ns, 12)), rng.random((Ns, 12))
        for nt in sorted({1, threads}):
            yield Case("data scattered grad+hessian", "data", f"3-D N=M={Ns}", "float64", nt,
                       (lambda nt=nt: fd.data.fit(P, v).evaluate(Qs, ("gradient", "hessian"),
                                                                 num_threads=nt)),
                       (lambda: np.copyto(sout, ssrc)), P.nbytes + Qs.nbytes + sout.nbytes,
                       peers=speers if nt == threads else None)
    ns = 1024 if quick else 4096
    xs = np.linspace(0, 1, ns)
    u = rng.random((ns, ns))
    sm = fd.data.fit((xs, xs), u, smoothing=11, degree=3)
    dst = np.empty_like(u)
    yield Case("data smoothed d/dx (w=11)", "data", f"{ns}x{ns}", "float64", threads,
               (lambda: sm.derivative(None, (1, 0), num_threads=threads)),
               (lambda: np.copyto(dst, u)), 2 * u.nbytes,
               peers={"fd.grid.derivative, 21 taps": (
                   lambda: fd.grid.derivative(u, 0, acc=20, spacing=xs[1],
                                              num_threads=threads))},
               array_bytes=u.nbytes)


def standard_cases(quick=False, threads=None):
    """The standard set (a generator of `Case`)."""
    import fastdiff as fd
    from fastdiff._validation import num_threads as _nt
    threads = _nt(threads)
    yield from _grid_cases(fd, quick, threads)
    yield from _plan_cases(fd, quick, threads)
    yield from _points_cases(fd, quick, threads)
    yield from _data_cases(fd, quick, threads)


def run(cases, repeat=5, progress=True, file=sys.stdout):
    """Time every case; return the result rows (dicts)."""
    cases = list(cases)
    rows = []
    for i, c in enumerate(cases, 1):
        if progress:
            bar = "#" * int(30 * (i - 1) / len(cases))
            print(f"\r[{bar:<30}] {i}/{len(cases)} {c.name} {c.size} {c.dtype} "
                  f"threads={c.threads}" + " " * 10, end="", file=sys.stderr, flush=True)
        t = _best(c.run, repeat)
        tc = _best(c.copy, repeat)
        row = {"operation": c.name, "kind": c.op, "size": c.size, "dtype": c.dtype,
               "threads": c.threads, "seconds": t, "copy_seconds": tc,
               "gbps": c.nbytes / t / 1e9, "copy_gbps": 2 * max(c.array_bytes, 1) / tc / 1e9
               if c.array_bytes else None,
               "ratio_to_copy": t / tc, "array_bytes": c.array_bytes, "peers": {}}
        if c.reference is not None:
            row["reference_ratio"] = _best(c.reference, c.slow_repeat, warmup=0) / t
        for name, peer in c.peers.items():
            scale = 1.0
            if isinstance(peer, tuple):
                peer, scale = peer
            row["peers"][name] = _best(peer, c.slow_repeat, warmup=1) * scale / t
        rows.append(row)
    if progress:
        print("\r" + " " * 100 + "\r", end="", file=sys.stderr, flush=True)
    return rows


def format_table(rows):
    head = (f"{'operation':<22} {'size':<14} {'dtype':<8} {'thr':>3} {'time ms':>9} "
            f"{'GB/s':>7} {'x copy':>7} {'ref/fd':>7}  peers (peer time / fastdiff time)")
    lines = [head, "-" * len(head)]
    for r in rows:
        ref = f"{r['reference_ratio']:7.1f}" if "reference_ratio" in r else f"{'-':>7}"
        gbps = f"{r['gbps']:7.1f}" if r["kind"] != "points" else f"{'-':>7}"
        peers = ", ".join(f"{k} {v:.1f}x" for k, v in r["peers"].items())
        lines.append(f"{r['operation']:<22} {r['size']:<14} {r['dtype']:<8} {r['threads']:>3} "
                     f"{r['seconds'] * 1e3:9.2f} {gbps} {r['ratio_to_copy']:7.2f} "
                     f"{ref}  {peers}")
    lines.append("x copy: time / np.copyto of the same array (data rows: of the output; "
                 "points rows: time / f evaluated alone on the same stencil points); ref/fd: "
                 "fastdiff.reference time / fastdiff time")
    return "\n".join(lines)


def machine_info():
    import fastdiff as fd
    info = fd._config.config()
    versions = {}
    for mod in ("numpy", "scipy", "findiff", "numdifftools", "matplotlib"):
        try:
            versions[mod] = importlib.import_module(mod).__version__
        except ImportError:
            versions[mod] = None
    info["versions"] = versions
    info["machine"] = platform.machine()
    info["date"] = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    return info


def plot(rows, path):
    """Throughput against array size with the copy roofline, one panel per dtype."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise SystemExit("fastdiff bench --plot needs matplotlib: pip install \"fastdiff[plot]\" "
                         "(or pip install matplotlib)") from None
    grid_rows = [r for r in rows if r["kind"] != "points" and r["array_bytes"]]
    dtypes = sorted({r["dtype"] for r in grid_rows}) or ["float64"]
    fig, axes = plt.subplots(1, len(dtypes), figsize=(6 * len(dtypes), 4.5), squeeze=False)
    for ax, dt in zip(axes[0], dtypes):
        sel = [r for r in grid_rows if r["dtype"] == dt]
        roof = {}
        for r in sel:
            roof[r["array_bytes"]] = max(roof.get(r["array_bytes"], 0), r["copy_gbps"] or 0)
        xs = sorted(roof)
        ax.plot(xs, [roof[x] for x in xs], "k--", lw=2, label="np.copyto (bandwidth roofline)")
        def line(r):   # reused plans: one line per dimensionality (1-D, 2-D, 3-D)
            return (r["kind"] if r["kind"].startswith("plan") else r["operation"], r["threads"])
        lines = sorted({line(r) for r in sel})
        colors = plt.cm.tab20(np.linspace(0, 1, max(len(lines), 2)))
        for color, op in zip(colors, lines):
            pts = sorted((r["array_bytes"], r["gbps"]) for r in sel if line(r) == op)
            ax.plot([p[0] for p in pts], [p[1] for p in pts],
                    "s--" if op[0].startswith("plan") else "o-", color=color,
                    label=f"{op[0]} ({op[1]} thr)")
        ax.set_xscale("log")
        ax.set_xlabel("array size (bytes)")
        ax.set_ylabel("effective GB/s (bytes read + written / time)")
        ax.set_title(f"fastdiff grid operators, {dt}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    p = argparse.ArgumentParser(prog="fastdiff bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="a reduced set (under a minute)")
    p.add_argument("--json", metavar="FILE", help="save every figure and the machine info")
    p.add_argument("--plot", metavar="FILE.png", help="throughput vs size with the roofline")
    p.add_argument("--filter", metavar="TEXT", default="",
                   help="only cases whose operation, size or dtype contains TEXT")
    p.add_argument("--threads", type=int, default=None, help="threads for the 'all' runs")
    p.add_argument("--repeat", type=int, default=None, help="timed repeats (best is kept)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if args.plot:   # fail early, before a long run
        try:
            importlib.import_module("matplotlib")
        except ImportError:
            print("fastdiff bench --plot needs matplotlib: pip install \"fastdiff[plot]\" "
                  "(or pip install matplotlib)", file=sys.stderr)
            return 2
    repeat = args.repeat or (3 if args.quick else 5)
    if repeat < 1:
        p.error("--repeat must be >= 1")
    info = machine_info()
    print(f"fastdiff {info['version']} bench on {info['cpu']} ({info['cpu_count']} CPUs), "
          f"OpenMP {info['openmp']}, kernels {info['kernels']}, {info['date']}")
    missing = [m for m in PEERS if not _have(m)]
    if missing:
        print(f"peers not installed (skipped): {', '.join(missing)}")
    flt = args.filter.lower()
    cases = [c for c in standard_cases(args.quick, args.threads)
             if flt in f"{c.name} {c.size} {c.dtype} {c.op}".lower()]
    if not cases:
        print(f"no benchmark matches --filter {args.filter!r}", file=sys.stderr)
        return 2
    rows = run(cases, repeat=repeat, progress=not args.no_progress)
    print(format_table(rows))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"machine": info, "quick": args.quick, "repeat": repeat,
                       "peers_missing": missing, "rows": rows}, fh, indent=1)
        print(f"saved {args.json}")
    if args.plot:
        plot(rows, args.plot)
        print(f"saved {args.plot}")
    return 0
