from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from roadbench.api import profile
from roadbench.measuring.profiling import MAX_RUNS, MIN_PROFILED_S, profile_case

SCRIPT = str(Path(sys.executable).parent / "roadbench")


def test_profile_covers_the_op_only_and_combines_short_runs(database_url):
    _env, (case,) = profile("select", option=3, method="naive", rows=40, database=database_url)
    # A short op is repeated until there is enough to see, or up to the cap. How many runs
    # that takes depends on the machine's speed, so the test checks the rule, not a number.
    assert case.duration_s >= MIN_PROFILED_S or case.runs == MAX_RUNS
    assert case.samples > 0
    assert case.queries == case.runs * (2 + 40)
    assert 0 < case.database_s < case.duration_s


def test_profiles_of_several_runs_are_combined(bench):
    from roadbench.designs import get_option
    from roadbench.measuring.measure import TableState
    from roadbench.ops import get_op

    op = get_op("select")
    case = profile_case(
        get_option(3), op, op.method("naive"), 40, TableState(), min_duration_s=1e9, max_runs=3
    )
    assert case.runs == 3
    assert case.queries == 3 * (2 + 40)
    assert "3 runs combined" in case.header()


def test_profile_files_are_written_and_loadable(tmp_path):
    result = subprocess.run(
        [
            SCRIPT,
            "profile",
            "select",
            "--option",
            "3",
            "--method",
            "naive",
            "--rows",
            "40",
            "--html",
            str(tmp_path / "p.html"),
            "--speedscope",
            str(tmp_path / "p.speedscope.json"),
            "--json",
            str(tmp_path / "p.json"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "database" in result.stdout and "Python" in result.stdout
    assert "list_naive" in result.stdout
    assert "pyinstrument" in (tmp_path / "p.html").read_text()
    speedscope = json.loads((tmp_path / "p.speedscope.json").read_text())
    names = {frame["name"] for frame in speedscope["shared"]["frames"]}
    assert "list_naive" in names
    assert any("roadbench" in (frame.get("file") or "") for frame in speedscope["shared"]["frames"])
    tree = json.loads((tmp_path / "p.json").read_text())
    assert tree["sample_count"] > 0

    def functions(frame):
        yield frame["function"]
        for child in frame["children"]:
            yield from functions(child)

    assert "list_naive" in set(functions(tree["root_frame"]))


def test_profile_of_all_options_writes_one_file_each(tmp_path):
    result = subprocess.run(
        [
            SCRIPT,
            "profile",
            "create",
            "--method",
            "atomic",
            "--rows",
            "20",
            "--html",
            str(tmp_path / "p.html"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "p-option1.html",
        "p-option2.html",
        "p-option3.html",
    ]
    assert result.stdout.count("runs combined") == 3


def test_profile_bad_path_is_one_line(tmp_path):
    result = subprocess.run(
        [SCRIPT, "profile", "select", "--html", str(tmp_path / "missing" / "p.html")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "does not exist" in result.stderr


def test_pyinstruments_slow_clock_warning_is_one_line_of_ours(database_url, monkeypatch, capsys):
    """On a busy machine pyinstrument printed 14 lines ("the timer on your system has an
    overhead of 15922 nanoseconds ... --use-timing-thread ..."). Its own check runs, told the
    clock is that slow (a fresh sampler per thread, as in a new process); roadbench says it
    in one line of its own and nothing of pyinstrument's reaches stderr."""
    import threading

    from pyinstrument import stack_sampler

    monkeypatch.setattr(stack_sampler, "thread_locals", threading.local())
    monkeypatch.setattr(stack_sampler, "IGNORE_OVERHEAD_WARNING", False)
    monkeypatch.setattr(stack_sampler, "timing_overhead", lambda: {"walltime": 15922e-9})
    said: list[str] = []
    _env, (case,) = profile("select", option=3, rows=20, database=database_url, notify=said.append)
    assert case.samples > 0
    assert said == [
        "this machine's clock costs 15,922 ns a reading (pyinstrument calls that high): the "
        "profile's times run long and its Python share reads high; the queries are exact counts"
    ]
    captured = capsys.readouterr()
    assert "pyinstrument" not in captured.err and "nanoseconds" not in captured.out + captured.err
