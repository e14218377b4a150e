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
import os
import platform
import sys
import time

import numpy as np

from ._bench_cases import (Case, heat_fastdiff, heat_numpy, heat_setup,  # noqa: F401
                           numpy_laplacian, standard_cases)
from ._bench_util import have as _have
from ._validation import num_threads as _nt

__all__ = ["Case", "standard_cases", "run", "format_table", "machine_info", "plot", "main",
           "add_arguments", "run_cli", "heat_setup", "heat_fastdiff", "heat_numpy",
           "numpy_laplacian"]

PEERS = ("numpy", "scipy.ndimage", "findiff", "numdifftools", "scipy.differentiate")


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


def add_arguments(p):
    """The options of ``fastdiff bench`` on an argparse parser."""
    p.add_argument("--quick", action="store_true", help="a reduced set (under a minute)")
    p.add_argument("--json", metavar="FILE", help="save every figure and the machine info")
    p.add_argument("--plot", metavar="FILE.png", help="throughput vs size with the roofline")
    p.add_argument("--filter", metavar="TEXT", default="",
                   help="only cases whose operation, size or dtype contains TEXT")
    p.add_argument("--threads", type=int, default=None, help="threads for the 'all' runs")
    p.add_argument("--repeat", type=int, default=None, help="timed repeats (best is kept)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def main(argv=None):
    """``fastdiff bench`` with its own parser (``python -m fastdiff bench`` uses
    `add_arguments` and `run_cli` on a subcommand)."""
    p = argparse.ArgumentParser(prog="fastdiff bench", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    return run_cli(p.parse_args(argv), p)


def run_cli(args, parser):
    """Run the benchmark set the parsed options ask for; the exit status."""
    if args.plot:   # fail early, before a long run
        try:
            importlib.import_module("matplotlib")
        except ImportError:
            print("fastdiff bench --plot needs matplotlib: pip install \"fastdiff[plot]\" "
                  "(or pip install matplotlib)", file=sys.stderr)
            return 2
    if args.repeat is not None and args.repeat < 1:
        parser.error(f"argument --repeat: must be >= 1, got {args.repeat}")
    repeat = args.repeat or (3 if args.quick else 5)
    if args.threads is not None:
        try:
            args.threads = _nt(args.threads, "--threads")
        except ValueError as exc:
            parser.error(f"argument {exc}")
    for path in (args.json, args.plot):
        folder = os.path.dirname(os.path.abspath(path)) if path else None
        if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            parser.error(f"cannot write {path!r}: {folder!r} is not a writable folder")
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
