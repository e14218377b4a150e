"""Print, after a benchmark run, every timing as a ratio to the copy baseline
of its group (``np.copyto`` of the same array: the memory-bandwidth limit)."""


def pytest_terminal_summary(terminalreporter, config):
    bs = getattr(config, "_benchmarksession", None)
    if bs is None or not bs.benchmarks:
        return
    groups = {}
    for b in bs.benchmarks:
        if b.stats is None:
            continue
        groups.setdefault(b.group, []).append(b)
    tr = terminalreporter
    tr.section("fastdiff ratios (best time / best np.copyto time of the group)")
    for g, items in sorted(groups.items(), key=lambda kv: str(kv[0])):
        base = [b for b in items if "copy" in b.name]
        if not base:
            continue
        t0 = base[0].stats.min
        fast = sorted((b for b in items if "fastdiff" in b.name), key=lambda b: b.stats.min)
        tr.write_line(f"{g}:")
        for b in sorted(items, key=lambda b: b.stats.min):
            line = f"    {b.name:<48} {b.stats.min * 1e3:9.2f} ms  {b.stats.min / t0:7.2f} x copy"
            if fast and b not in fast and "copy" not in b.name:
                line += f"  ({b.stats.min / fast[0].stats.min:6.1f} x slower than fastdiff's best)"
            tr.write_line(line)
