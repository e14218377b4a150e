"""Command line: ``python -m fastdiff {info,demo,bench}`` (also the ``fastdiff`` script)."""
from __future__ import annotations

import argparse
import sys


def main(argv=None):
    """The command line; returns the exit status."""
    from fastdiff import bench
    parser = argparse.ArgumentParser(prog="fastdiff", description="fastdiff command line")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("info", help="version, OpenMP, threads, compile flags, CPU")
    p_bench = sub.add_parser("bench", help="the standard benchmark set",
                             description=bench.__doc__.split("\n\n")[0])
    bench.add_arguments(p_bench)
    p_demo = sub.add_parser("demo", help="a short self-checking tour with timings")
    p_demo.add_argument("--size", type=int, default=96, help="edge of the 3-D demo field")
    args = parser.parse_args(sys.argv[1:] if argv is None else list(argv))
    if args.cmd == "info":
        import fastdiff as fd
        fd.show_config()
        return 0
    if args.cmd == "bench":
        return bench.run_cli(args, p_bench)
    if args.size < 16:
        p_demo.error(f"argument --size: must be >= 16 (the 3-D field's edge), got {args.size}")
    from fastdiff._demo import demo
    failed = demo(size=args.size)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
