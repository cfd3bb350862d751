"""Same-session A/B: ``ab`` on two revisions of a tiny git repository, and the interleaved
rounds ``matrix`` uses, with real worker processes (this Python as every environment: the
revisions' sources on PYTHONPATH, ``--no-install``; matrix's venvs are tested in
test_matrix.py, on one stack)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from roadbench.errors import BadInput
from roadbench.measuring.ab import Side, measure_sides, side_report
from roadbench.measuring.matrix import WORKER
from roadbench.reports.ab import ab_cases, sign_test
from tests.plugin_repo import build_plugin_repo, count_op_plugin, git

SCRIPT = Path(sys.executable).parent / "roadbench"

# A plugin's op; the second commit makes it pause 250 ms (far beyond any stall of a busy
# machine, so that every round agrees) and ask one more query per type.
PLUGIN = count_op_plugin(
    "abcount",
    "count (test)",
    """
PAUSE_S = 0.0
EXTRA = False


def count(option, rows):
    time.sleep(PAUSE_S)
    if EXTRA:
        [option.queryset(t).exists() for t in ROAD_TYPES]
    return sum(option.queryset(t).count() for t in ROAD_TYPES)
""",
)
RUN = ["run", "-o", "1", "--op", "abcount", "--rows", "20"]


@pytest.fixture
def plugin_repo(tmp_path: Path) -> Path:
    return make_plugin_repo(tmp_path / "project")


def make_plugin_repo(repo: Path) -> Path:
    """A git repository of the plugin: its base, and (HEAD) a commit that makes it slower."""
    slower = PLUGIN.replace("PAUSE_S = 0.0", "PAUSE_S = 0.25").replace(
        "EXTRA = False", "EXTRA = True"
    )
    build_plugin_repo(repo, "rbtest_abop", PLUGIN, {"slower, one more query per type": slower})
    return repo


def _ab(
    repo: Path, cache: Path, *args: str, timeout: int = 300
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "COLUMNS": "200"}
    return subprocess.run(
        [str(SCRIPT), "--plugin", "rbtest_abop", "ab", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=repo,
    )


def _workers_under(directory: Path) -> list[int]:
    """The live processes working in ``directory`` (the test's own cache: only ours)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if cwd.startswith(str(directory)) and state != "Z":
            found.append(int(entry.name))
    return found


def test_ab_gates_a_slower_revision_and_diff_and_report_read_its_file(plugin_repo, tmp_path):
    cache, saved = tmp_path / "cache", tmp_path / "ab.json"
    done = _ab(
        plugin_repo,
        cache,
        *("--base", "HEAD~1", "--head", "HEAD", "--no-install", "--save", str(saved)),
        *("--fail-on", "time:10%", *RUN, "--repeat", "6"),
    )
    assert done.returncode == 6, done.stderr
    assert done.stderr.splitlines()[-1].startswith(
        "roadbench: error: 1 regression beyond --fail-on: option 1 · abcount · count · 20 rows: "
    )
    assert "slower" in done.stdout and "Traceback" not in done.stderr
    data = json.loads(saved.read_text())
    assert data["kind"] == "run"  # the head's run, as run --save writes it
    section = data["ab"]
    base, head = section["sides"]
    commits = [git(plugin_repo, "rev-parse", ref) for ref in ("HEAD~1", "HEAD")]
    assert [base["revision"], head["revision"]] == commits
    assert base["label"].startswith(f"base {commits[0][:10]}")
    assert data["environment"]["git_commit"] == commits[1]
    (case,) = section["cases"]
    assert (case["side"], case["verdict"], case["rounds"]) == (head["label"], "slower", 6)
    assert len(case["per_round"]) == 6 and min(case["per_round"]) > 1
    base_case, head_case = base["report"]["results"][0], head["report"]["results"][0]
    assert case["per_round"] == [
        n / b for b, n in zip(base_case["times_s"], head_case["times_s"], strict=True)
    ]
    assert head_case["queries"] > base_case["queries"]  # the exists() per type
    assert _workers_under(cache) == []

    # diff reads the file: alone, its base against its head, round by round ...
    env = {**os.environ, "COLUMNS": "200"}
    alone = subprocess.run(
        [str(SCRIPT), "diff", str(saved), "--fail-on", "queries:+0"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert alone.returncode == 6, alone.stderr
    assert "queries" in alone.stderr.splitlines()[-1]
    assert "· one session, round by round" in alone.stdout
    shape = subprocess.run(
        [str(SCRIPT), "diff", str(saved), "--fail-on", "shape"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert shape.returncode == 6, shape.stderr  # the exists() is a statement of a new shape
    assert "the SQL changed shape" in shape.stderr.splitlines()[-1]
    as_json = subprocess.run(
        [str(SCRIPT), "diff", str(saved), "--json"], capture_output=True, text=True, env=env
    )
    assert as_json.returncode == 0, as_json.stderr
    (judged,) = json.loads(as_json.stdout)["cases"]
    assert (judged["basis"], judged["verdict"]) == ("same-session rounds", "slower")
    # ... and as the head's run beside another file: the same case, no change.
    again = subprocess.run(
        [str(SCRIPT), "diff", str(saved), str(saved), "--fail-on", "queries:+0"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert again.returncode == 0, again.stderr
    shown = subprocess.run(
        [str(SCRIPT), "report", str(saved)], capture_output=True, text=True, env=env
    )
    assert shown.returncode == 0, shown.stderr
    assert "roadbench ab · base" in shown.stdout and "slower" in shown.stdout


def test_ab_refuses_what_it_cannot_measure_in_one_line(plugin_repo, tmp_path):
    cache = tmp_path / "cache"
    outside = tmp_path / "plain"
    outside.mkdir()
    cases = [
        (["--base", "HEAD", "--repo", str(outside)], "is not in a git repository"),
        (["--base", "nosuch"], "ab: --base nosuch: no such revision in"),
        (["--base", "HEAD", "--head", "v9"], "ab: --head v9: no such revision in"),
    ]
    for flags, words in cases:
        done = _ab(plugin_repo, cache, *flags, "--no-install", *RUN, "--fast")
        assert done.returncode == 2, done.stderr
        (line,) = done.stderr.splitlines()
        assert line.startswith("roadbench: error: ") and words in line, line
    done = _ab(plugin_repo, cache, "--base", "HEAD", "profile", "-o", "1", "--op", "select")
    assert done.returncode == 2 and "ab runs a run or a compare" in done.stderr
    done = _ab(plugin_repo, cache, "--base", "HEAD", *RUN, "--json")
    assert done.returncode == 2 and "give --json to ab, before run" in done.stderr
    assert not (cache / "roadbench" / "ab").exists()  # nothing made for any of them


def test_without_head_the_working_tree_is_measured_with_worker_processes(
    plugin_repo, tmp_path, monkeypatch
):
    from roadbench.measuring.revisions import run_ab

    # Uncommitted: the working tree takes the pause back out.
    source = (plugin_repo / "rbtest_abop.py").read_text()
    (plugin_repo / "rbtest_abop.py").write_text(source.replace("PAUSE_S = 0.25", "PAUSE_S = 0.0"))
    said: list[str] = []
    started: list = []
    command = {
        "command": "run",
        "option": "1",
        "op": "abcount",
        "method": None,
        "rows": 20,
        "database": None,
        "sqlite": None,
        "plugins": ["rbtest_abop"],
        "timing": {"warmup": 0, "repeat": 4, "loops": 1},
    }
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    run = run_ab(
        "HEAD~1",
        None,
        command,
        [],
        plugin_repo,
        install=False,
        processes=2,
        notify=said.append,
        started=started,
    )
    assert any("the head is" in line and "with its uncommitted changes" in line for line in said)
    assert run.head.commit is None and run.section.labels[1] == "head (working tree)"
    assert run.section.processes == 2
    assert len(started) == 4 and len({child.pid for child in started}) == 4
    assert all(child.proc.poll() is not None for child in started)  # every one ended
    (case,) = run.section.cases
    assert case.rounds == 4  # rounds 0 and 2 from the first process, 1 and 3 the second's
    base, head = (side.report["results"][0] for side in run.section.sides)
    assert len(base["times_s"]) == len(head["times_s"]) == 4
    assert head["queries"] > base["queries"]  # the working tree kept the extra query


def test_stopping_ab_ends_every_worker_and_removes_its_database(plugin_repo, tmp_path):
    cache, temp = tmp_path / "cache", tmp_path / "temp"
    temp.mkdir()  # where the workers' throwaway SQLite databases are made: only theirs
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "TMPDIR": str(temp)}
    args = ["--base", "HEAD~1", "--head", "HEAD", "--no-install", *RUN, "--repeat", "100000"]
    proc = subprocess.Popen(
        [str(SCRIPT), "--plugin", "rbtest_abop", "ab", *args],
        cwd=plugin_repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(workers := _workers_under(cache)) < 2 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.2)
        assert len(workers) == 2
        while not list(temp.iterdir()) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert list(temp.iterdir())  # a database is made ...
        time.sleep(1.0)  # ... and measured
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert err.splitlines()[-1] == "roadbench: error: interrupted"
    assert _workers_under(cache) == []
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists()
    assert list(temp.iterdir()) == []  # ... and removed by its worker, told to stop


def test_a_revision_that_fails_ends_the_other_revisions_worker(plugin_repo, tmp_path):
    # The base's worker is measuring when the head's op raises: both end, one line says why.
    cache = tmp_path / "cache"
    source = (plugin_repo / "rbtest_abop.py").read_text()
    broken = source.replace("    time.sleep(PAUSE_S)\n", "    raise RuntimeError('broken')\n")
    (plugin_repo / "rbtest_abop.py").write_text(broken)
    done = _ab(plugin_repo, cache, "--base", "HEAD", "--no-install", *RUN, "--fast")
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.splitlines()[-1:]
    assert line == (
        "roadbench: error: ab: under head (working tree): --plugin rbtest_abop: single table "
        "(single) · abcount · count raised RuntimeError: broken; look at the design's or the "
        "op's own code (roadbench check-plugin runs every case)"
    )
    assert "Traceback" not in done.stderr
    assert _workers_under(cache) == []


def test_a_worker_that_hangs_is_ended_with_every_other_and_named_in_one_line(plugin_repo, tmp_path):
    # The head's op sleeps ten minutes, far past --timeout: the session ends within it, every
    # worker ended and its throwaway database removed, and one line names the side and case.
    from tests.helpers import default_stop_signals

    source = (plugin_repo / "rbtest_abop.py").read_text()
    (plugin_repo / "rbtest_abop.py").write_text(source.replace("PAUSE_S = 0.25", "PAUSE_S = 600"))
    git(plugin_repo, "commit", "-qam", "hangs")
    cache, temp = tmp_path / "cache", tmp_path / "temp"
    temp.mkdir()  # where the workers' throwaway SQLite databases are made: only theirs
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "TMPDIR": str(temp)}
    # 30 s: far beyond any step of the base (starting Django on a busy machine included).
    args = ["--timeout", "30", "--base", "HEAD~1", "--head", "HEAD", "--no-install", *RUN]
    proc = subprocess.Popen(
        [str(SCRIPT), "--plugin", "rbtest_abop", "ab", *args, "--fast"],
        cwd=plugin_repo,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=default_stop_signals,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and proc.poll() is None and time.monotonic() < deadline:
            workers = sorted(set(workers) | set(_workers_under(cache)))
            time.sleep(0.2)
        out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pid in _workers_under(cache):  # a worker left by a failed test: ours (our cache)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    assert proc.returncode == 3, err
    head = git(plugin_repo, "rev-parse", "HEAD")[:10]
    assert err.splitlines()[-1] == (
        f"roadbench: error: ab: under head {head} (HEAD): no sign of life for 30 s at option 1 "
        "· abcount · count · 20 rows, starting it (calibration and warm-up); every worker was "
        "ended (--timeout sets the wait)"
    )
    assert out == "" and "Traceback" not in err
    assert len(workers) == 2  # both seen alive ...
    assert _workers_under(cache) == []  # ... and both ended
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists()
    assert list(temp.iterdir()) == []  # the hung worker's database removed too


@pytest.mark.parametrize("given", ["-d", "ROADBENCH_DATABASE_URL"])
def test_a_relative_sqlite_file_is_where_ab_was_typed_one_per_worker(plugin_repo, tmp_path, given):
    # Each worker runs in its revision's worktree; the file is still the user's directory's,
    # one for each worker (two in one file would find each other's tables), removed after.
    cache, here, saved = tmp_path / "cache", tmp_path / "here", tmp_path / "ab.json"
    here.mkdir()
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(plugin_repo)}
    database = ["-d", "sqlite:///rel.db"] if given == "-d" else []
    if given == "ROADBENCH_DATABASE_URL":
        env["ROADBENCH_DATABASE_URL"] = "sqlite:///rel.db"
    args = ["--repo", str(plugin_repo), "--base", "HEAD~1", "--head", "HEAD", "--no-install"]
    args += ["--save", str(saved), *RUN, "--fast", *database]
    done = subprocess.run(
        [str(SCRIPT), "--plugin", "rbtest_abop", "ab", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=here,
    )
    assert done.returncode == 0, done.stderr
    sides = json.loads(saved.read_text())["ab"]["sides"]
    urls = [side["report"]["environment"]["database_url"] for side in sides]
    assert urls == [f"sqlite:///{here}/rel-1.db", f"sqlite:///{here}/rel-2.db"]
    assert list(here.iterdir()) == []  # made by the workers, and removed by them
    assert not list(cache.rglob("rel*.db*"))  # nothing in the revisions' worktrees


def test_every_worker_of_a_matrix_opens_its_own_numbered_sqlite_file(tmp_path, monkeypatch):
    # matrix's workers run in its own directory: one file named for all would be found
    # holding the first worker's tables by the second (exit 2, before).
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ROADBENCH_DATABASE_URL", raising=False)
    sides = [Side(label, (sys.executable, *WORKER), sys.executable) for label in ("A", "B")]
    command = {
        "command": "run",
        "option": "1",
        "op": "select",
        "method": None,
        "rows": 20,
        "database": "sqlite:///rel.db",
        "sqlite": None,
        "plugins": [],
        "timing": {"warmup": 0, "repeat": 2, "loops": 1},
    }
    said: list[str] = []
    measured = measure_sides(sides, command, processes=2, notify=said.append, what="matrix")
    urls = [m.environment["database_url"] for m in measured]  # each side's first process
    assert urls == [f"sqlite:///{tmp_path}/rel-1.db", f"sqlite:///{tmp_path}/rel-3.db"]
    assert said[0] == (
        "matrix: each worker process opens an SQLite file of its own: "
        f"{tmp_path}/rel-1.db to {tmp_path}/rel-4.db"
    )
    assert list(tmp_path.iterdir()) == []  # each made by its worker, and removed


def test_interleaved_rounds_give_paired_ratios_and_a_combined_file(tmp_path):
    # Two environments that are the same Python: matrix's machinery without its venvs.
    from roadbench import api
    from roadbench.reports.ab import section_of

    sides = [Side(label, (sys.executable, *WORKER), sys.executable) for label in ("A", "B")]
    command = {
        "command": "compare",
        "scale": "few",
        "rows": 20,
        "options": "1,2",
        "ops": ["select"],
        "min_effect": 0.03,
        "database": None,
        "sqlite": None,
        "plugins": [],
        "timing": {"warmup": 0, "repeat": 3, "loops": 1},
    }
    started: list = []
    measured = measure_sides(sides, command, started=started)
    assert all(child.proc.poll() is not None for child in started) and len(started) == 2
    reports = [side_report(command, m) for m in measured]
    assert [r["kind"] for r in reports] == ["compare", "compare"]
    # As compare's: each study row's query growth (select objects: one query, constant).
    studies = [r for r in reports[0]["results"] if r["method"] == "objects"]
    assert studies and {r["query_growth"] for r in studies} == {"constant"}
    assert reports[0]["table"]["options"] == [1, 2]  # each environment's own table
    from roadbench.measuring.ab import ab_section

    section = ab_section("matrix", command, 1, measured, reports)
    assert len(section.cases) == len(reports[1]["results"]) > 1
    for case in section.cases:
        assert case.side == "B" and case.rounds == 3 and len(case.per_round) == 3
        assert case.verdict in ("faster", "slower", "tie")
    saved = tmp_path / "matrix.json"
    api.save_json(api.ab_file(section), saved)
    kind, report = api.load_report(saved)
    assert kind == "compare" and len(report.results) == len(reports[1]["results"])
    assert api.chart_reports([saved])[0] == "compare"  # chart draws the last side's table
    loaded = api.ab_section_in(saved)
    assert loaded.labels == ["A", "B"] and loaded.cases == section.cases
    diff, failures = api.ab_gate(loaded, 0.05, api.fail_on_rules(["queries:+0"]))
    assert failures == []  # the same code: the same queries in every case
    assert {case.basis for case in diff.cases} == {"same-session rounds"}
    # 3 rounds: no time verdict is possible, and the gate says so instead of passing.
    from roadbench.errors import Inconclusive

    timed, failures = api.ab_gate(loaded, 0.05, api.fail_on_rules(["time:10%"]))
    assert failures == [] and {case.verdict for case in timed.cases} == {"inconclusive"}
    assert any(
        f"{len(section.cases)} cases with 3 against 3 values: no p-value can reach 0.05" in line
        for line in timed.inconclusive
    ), timed.inconclusive
    with pytest.raises(Inconclusive):
        api.gate_outcome(timed)
    with pytest.raises(BadInput, match="not a valid roadbench A/B result"):
        section_of({"ab": {**json.loads(saved.read_text())["ab"], "sides": "x"}})


def test_the_sign_test_and_a_verdict_need_every_round_to_agree_below_six():
    assert sign_test([1.1] * 6) == pytest.approx(2 / 64)
    assert sign_test([1.1] * 5) == pytest.approx(2 / 32)
    assert sign_test([1.0, 1.0]) == 1.0
    from roadbench.reports.ab import ABSide

    def side(label: str, times: list[float]) -> ABSide:
        case = {"option": 1, "op": "select", "method": "naive", "rows": 20, "status": "ok"}
        case |= {"times_s": times, "median_s": sorted(times)[len(times) // 2], "queries": 3}
        return ABSide(label, "py", None, {"results": [case]})

    (slower,) = ab_cases([side("a", [1.0] * 6), side("b", [1.2] * 6)], 0.03)
    assert (slower.ratio, slower.verdict) == (pytest.approx(1.2), "slower")
    mixed = [1.2, 1.2, 1.2, 0.9, 1.2, 1.2]
    (tie,) = ab_cases([side("a", [1.0] * 6), side("b", mixed)], 0.03)
    assert tie.verdict == "tie"  # one round the other way: the interval holds 1
    (small,) = ab_cases([side("a", [1.0] * 6), side("b", [1.01] * 6)], 0.03)
    assert small.verdict == "tie"  # consistent, but under the minimum effect


def test_a_python_without_the_worker_is_one_line():
    # A revision of roadbench from before ab (here: this Python without its site-packages).
    from roadbench.errors import RoadbenchError

    old = Side("base v0.2", (sys.executable, "-S", *WORKER), sys.executable)
    started: list = []
    with pytest.raises(RoadbenchError) as refused:
        measure_sides([old], {"command": "run", "timing": {}}, started=started)
    assert str(refused.value) == (
        "ab: under base v0.2: its Python has no roadbench with an A/B worker "
        "(roadbench.ab_worker; a roadbench older than ab)"
    )
    assert [child.proc.poll() for child in started] == [97]


def test_an_ab_diff_corrects_for_its_cases_as_diff_does():
    """6 rounds all slower give p = 2/64: a verdict for one case, but not after Holm's
    correction over two (inconclusive: no p can reach 0.05); 7 rounds are enough for two."""
    from roadbench.reports.ab import ABSection, ABSide, ab_diff
    from roadbench.reports.diff import INCONCLUSIVE, SLOWER

    def side(label: str, factor: float, options: list[int], rounds: int) -> ABSide:
        results = []
        for option in options:
            times = [0.01 * factor * (1 + i / 100) for i in range(rounds)]
            case = {"option": option, "op": "select", "method": "naive", "rows": 20}
            case |= {"status": "ok", "times_s": times, "median_s": times[rounds // 2]}
            results.append(case | {"queries": 3})
        return ABSide(label, "py", None, {"results": results})

    def verdicts(options: list[int], rounds: int) -> list[str]:
        sides = [side("a", 1.0, options, rounds), side("b", 1.5, options, rounds)]
        section = ABSection("run", "ab", 1, 0.05, sides, ab_cases(sides, 0.05))
        return [case.verdict for case in ab_diff(section, 0.05).cases]

    assert verdicts([1], 6) == [SLOWER]
    assert verdicts([1, 2], 6) == [INCONCLUSIVE, INCONCLUSIVE]
    assert verdicts([1, 2], 7) == [SLOWER, SLOWER]
