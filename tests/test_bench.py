"""``fastdiff bench``: the runner, the table, --json, --plot, --filter."""
import importlib.util
import json

import numpy as np
import pytest

from fastdiff import bench
from fastdiff.__main__ import main


def _tiny_cases(quick=False, threads=None):
    import fastdiff as fd
    u = np.random.default_rng(0).random((64, 64))
    out = np.empty_like(u)
    dst = np.empty_like(u)
    yield bench.Case("laplacian acc=2", "laplacian", "64x64", "float64", 1,
                     lambda: fd.grid.laplacian(u, out=out, num_threads=1),
                     lambda: np.copyto(dst, u), 2 * u.nbytes,
                     reference=lambda: fd.reference.laplacian(u),
                     peers={"numpy.gradient": lambda: np.gradient(u)}, array_bytes=u.nbytes)
    yield bench.Case("gradient acc=2", "gradient", "64x64", "float64", 1,
                     lambda: fd.grid.gradient(u, num_threads=1), lambda: np.copyto(dst, u),
                     3 * u.nbytes, array_bytes=u.nbytes)


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setattr(bench, "standard_cases", _tiny_cases)


def test_run_rows_have_every_figure():
    rows = bench.run(_tiny_cases(), repeat=2, progress=False)
    assert [r["operation"] for r in rows] == ["laplacian acc=2", "gradient acc=2"]
    for r in rows:
        assert r["seconds"] > 0 and r["copy_seconds"] > 0
        assert r["gbps"] > 0 and r["ratio_to_copy"] > 0
    assert rows[0]["reference_ratio"] > 0 and rows[0]["peers"]["numpy.gradient"] > 0
    table = bench.format_table(rows)
    assert "laplacian acc=2" in table and "numpy.gradient" in table and "GB/s" in table


def test_cli_json_and_filter(tiny, tmp_path, capsys):
    path = tmp_path / "b.json"
    assert main(["bench", "--quick", "--no-progress", "--filter", "laplacian",
                 "--json", str(path)]) == 0
    data = json.loads(path.read_text())
    assert [r["operation"] for r in data["rows"]] == ["laplacian acc=2"]
    assert data["machine"]["openmp"] in (True, False) and "numpy" in data["machine"]["versions"]
    row = data["rows"][0]
    for key in ("gbps", "ratio_to_copy", "reference_ratio", "peers", "threads", "dtype"):
        assert key in row
    assert "laplacian acc=2" in capsys.readouterr().out


def test_cli_filter_matching_nothing(tiny, capsys):
    assert main(["bench", "--filter", "no-such-op", "--no-progress"]) == 2
    assert "no benchmark matches" in capsys.readouterr().err


def test_cli_plot(tiny, tmp_path, capsys):
    png = tmp_path / "b.png"
    code = main(["bench", "--no-progress", "--plot", str(png)])
    if importlib.util.find_spec("matplotlib") is None:
        assert code == 2
        assert "needs matplotlib" in capsys.readouterr().err
    else:
        assert code == 0
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_standard_quick_set_covers_the_operations():
    names = {(c.name, c.dtype, c.threads) for c in bench.standard_cases(quick=True, threads=2)}
    ops = {n for n, _, _ in names}
    assert {"laplacian acc=2", "laplacian acc=4", "gradient acc=2", "hessian acc=2",
            "points gradient n=10", "points hessian n=10"} <= ops
    assert {d for _, d, _ in names} == {"float32", "float64"}
    assert {t for _, _, t in names} == {1, 2}
