from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from roadbench.api import compare, scaling
from roadbench.measuring.measure import Timing
from roadbench.render.charts import comparison_chart, scaling_chart

pytest.importorskip("matplotlib")
PNG = b"\x89PNG\r\n\x1a\n"


def test_comparison_chart_is_a_png_with_a_panel_per_scale(tmp_path):
    quick = Timing(warmup=0, repeat=1, loops=1)
    few = compare(rows=20, timing=quick)
    many = compare(scale="many", rows=20, timing=quick)
    path = tmp_path / "chart.png"
    assert comparison_chart([few, many], path) == 2
    assert path.read_bytes()[:8] == PNG
    import matplotlib.image

    height, width, _ = matplotlib.image.imread(path).shape
    assert width > 1.5 * height  # two panels side by side
    one = tmp_path / "one.png"
    comparison_chart([few], one)
    assert matplotlib.image.imread(one).shape[1] < width


def test_scaling_fits_an_exponent_and_draws(tmp_path):
    report = scaling(
        "select",
        sizes=(20, 80, 320),
        option=3,
        method="naive",
        timing=Timing(warmup=0, repeat=1, loops=1),
    )
    (series,) = report.series
    assert [p.queries for p in series.points] == [22, 82, 322]
    assert series.query_growth == "per-row"
    assert series.exponent is not None and 0.3 < series.exponent < 2
    path = tmp_path / "s.png"
    scaling_chart(report, path)
    assert path.read_bytes()[:8] == PNG


def test_without_matplotlib_a_clear_message(tmp_path):
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from roadbench.cli.app import main\n"
        f"main(['chart', {str(tmp_path / 'x.json')!r}, '-o', {str(tmp_path / 'c.png')!r}])\n"
    )
    (tmp_path / "x.json").write_text('{"schema_version": 1, "kind": "compare"}')
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "roadbench: error: charts need matplotlib: pip install 'roadbench[charts]'"
    )


def test_chart_refuses_a_file_that_is_not_a_comparison(tmp_path):
    run_file = tmp_path / "run.json"
    run_file.write_text('{"schema_version": 1, "kind": "run", "results": []}')
    script = str(Path(sys.executable).parent / "roadbench")
    result = subprocess.run(
        [script, "chart", str(run_file), "-o", str(tmp_path / "c.png")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "holds a 'run' result" in result.stderr and "needs a compare" in result.stderr


def test_chart_draws_a_saved_scaling_alone_and_refuses_it_beside_others(tmp_path):
    script = str(Path(sys.executable).parent / "roadbench")
    saved = tmp_path / "scaling.json"
    small = ["--sizes", "4,8", "--repeat", "6", "--warmup", "0"]
    made = subprocess.run(
        [script, "scaling", "select", "-o", "1,3", *small, "--save", str(saved)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    png = tmp_path / "s.png"
    drawn = subprocess.run(
        [script, "chart", str(saved), "-o", str(png)], capture_output=True, text=True, timeout=120
    )
    assert drawn.returncode == 0, drawn.stderr
    assert drawn.stderr.strip() == f"roadbench: wrote {png}"
    assert png.read_bytes()[:8] == PNG
    both = tmp_path / "both.png"
    refused = subprocess.run(
        [script, "chart", str(saved), str(saved), "-o", str(both)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2
    assert refused.stderr.strip() == (
        f"roadbench: error: chart draws one scaling file alone ({saved}), or comparisons "
        "side by side"
    )
    assert not both.exists()


def test_a_scaling_with_nothing_measured_draws_no_chart(tmp_path):
    # Before, scaling --chart and chart wrote an empty chart, with matplotlib's 'No artists
    # with labels found' warning on stderr (chart then exited 0), and the table's legend said
    # 'saved without its interval' of a fresh run where every point was unsupported.
    script = str(Path(sys.executable).parent / "roadbench")
    saved, drawn = tmp_path / "scaling.json", tmp_path / "scaling.png"
    args = ["create", "-m", "bulk", "-o", "3", "--sizes", "4,8", "--repeat", "6", "--warmup", "0"]
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1"}
    done = subprocess.run(
        [script, "scaling", *args, "--save", str(saved), "--chart", str(drawn)],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    line = "roadbench: error: option 3 cannot create with bulk: unsupported at every size"
    assert done.returncode == 4
    assert done.stderr.splitlines() == [f"roadbench: saved to {saved}", line]
    assert "unsupported" in done.stdout and "saved without" not in done.stdout
    assert saved.is_file() and not drawn.exists()
    again = subprocess.run(
        [script, "chart", str(saved), "-o", str(drawn)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert (again.returncode, again.stdout, again.stderr.splitlines()) == (4, "", [line])
    assert not drawn.exists()
