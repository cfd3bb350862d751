"""diff on saved runs whose values are constructed: verdicts and CI exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from roadbench.errors import BadInput
from roadbench.render.console import seconds
from roadbench.render.diff import _change, _instructions, _noise, _p, _queries
from roadbench.reports.diff import (
    FASTER,
    INCONCLUSIVE,
    PASSED,
    SAME,
    SLOWER,
    UNDECIDED,
    check,
    diff,
    parse_fail_on,
)

SCRIPT = str(Path(sys.executable).parent / "roadbench")


def saved_run(times, queries=402, django="5.2.19", method="atomic"):
    median = sorted(times)[len(times) // 2]
    return {
        "schema_version": 1,
        "kind": "run",
        "environment": {
            "python": "3.11.7",
            "django": django,
            "database_vendor": "sqlite",
            "database_version": "3.40.1",
            "database_driver": "sqlite3",
            "database_url": "embedded",
            "roadbench": "0.1.0",
            "os": "Linux",
            "machine": "x86_64",
            "cpu": "test cpu",
            "cores": 2,
            "date": "x",
        },
        "results": [
            {
                "option": 3,
                "op": "create",
                "method": method,
                "rows": 200,
                "status": "ok",
                "times_s": times,
                "median_s": median,
                "min_s": min(times),
                "max_s": max(times),
                "queries": queries,
                "rows_affected": 200,
            }
        ],
    }


BASE = [0.100, 0.101, 0.099, 0.102, 0.098, 0.1005, 0.0995]
SAME_AGAIN = [0.1002, 0.0992, 0.1012, 0.0985, 0.1018, 0.0999, 0.1007]
SLOWER_RUN = [0.130, 0.131, 0.129, 0.132, 0.128, 0.1305, 0.1295]


def test_two_runs_of_the_same_code_are_no_significant_change():
    report = diff(saved_run(BASE), saved_run(SAME_AGAIN))
    (case,) = report.cases
    assert case.verdict == SAME
    assert check(report, [parse_fail_on("time:10%"), parse_fail_on("queries:+0")]) == []


def test_a_real_slowdown_is_significant_and_fails_the_gate():
    report = diff(saved_run(BASE), saved_run(SLOWER_RUN))
    (case,) = report.cases
    assert case.verdict == SLOWER
    assert case.change == pytest.approx(0.30, abs=0.01)
    assert case.p_value < 0.01
    failures = check(report, [parse_fail_on("time:10%")])
    assert len(failures) == 1 and "slower" in failures[0]
    assert check(report, [parse_fail_on("time:50%")]) == []


def test_a_speedup_is_reported_and_does_not_fail():
    report = diff(saved_run(SLOWER_RUN), saved_run(BASE))
    assert report.cases[0].verdict == FASTER
    assert check(report, [parse_fail_on("time:10%")]) == []


def test_extra_queries_fail_the_queries_gate_even_without_a_time_change():
    report = diff(saved_run(BASE), saved_run(SAME_AGAIN, queries=403))
    assert report.cases[0].query_change == 1
    assert len(check(report, [parse_fail_on("queries:+0")])) == 1
    assert check(report, [parse_fail_on("queries:+1")]) == []


def test_environment_differences_are_listed():
    report = diff(saved_run(BASE), saved_run(BASE, django="6.0"))
    assert report.environment_changes == [("django", "5.2.19", "6.0")]


def test_added_and_removed_cases():
    report = diff(saved_run(BASE), saved_run(BASE, method="save"))
    assert {c.verdict for c in report.cases} == {"added", "removed"}


def saved_comparison(times_by_option, instructions=None):
    """A saved comparison with one row; ``times_by_option[n]`` are option n's rounds."""
    run = saved_run([0.1])
    run["kind"] = "compare"
    run["planned"] = [
        {
            "row": "select (few)",
            "role": "study",
            "option": n,
            "op": "select",
            "method": "objects",
            "rows": 200,
            "note": "",
        }
        for n in times_by_option
    ]
    run["results"] = [
        {
            "option": n,
            "op": "select",
            "method": "objects",
            "rows": 200,
            "status": "ok",
            "times_s": times,
            "median_s": sorted(times)[len(times) // 2],
            "queries": 4,
            "instructions": (instructions or {}).get(n),
        }
        for n, times in times_by_option.items()
    ]
    return run


def rounds_of(seed, base, drift, spread=0.04):
    """Rounds of one option: ``base`` seconds, times the machine's drift in that round, with
    some noise of its own."""
    import random

    rng = random.Random(seed)
    return [base * d * (1 + rng.uniform(-spread, spread)) for d in drift]


def busy_machine(seed):
    import random

    rng = random.Random(seed)
    return [rng.choice([1.0, 1.0, 1.3, 1.8]) * rng.uniform(0.9, 1.1) for _ in range(12)]


def test_a_whole_run_slower_is_inconclusive_unless_the_drift_is_assumed():
    """Every option 25% slower in the second session: the machine, or the code? Paired values
    cancel it, but two sessions cannot say which it was: no time verdict, unless the user
    says it was the machine (--assume-drift); then no regression."""
    base_drift, new_drift = busy_machine(1), [1.25 * d for d in busy_machine(2)]
    base = saved_comparison({n: rounds_of(n, 0.01 * n, base_drift) for n in (1, 2, 3)})
    new = saved_comparison({n: rounds_of(10 + n, 0.01 * n, new_drift) for n in (1, 2, 3)})
    report = diff(base, new)
    assert [c.basis for c in report.cases] == ["paired ratios"] * 3
    assert report.drift is not None and report.drift.beyond_noise
    assert report.drift.low > 1.1 and report.machine_drift == report.drift.factor
    assert all(
        c.verdict == INCONCLUSIVE and c.inconclusive_because == "drift" for c in report.cases
    )
    assert check(report, [parse_fail_on("time:10%")]) == []
    assert report.gate == UNDECIDED
    assert (
        "the whole run moved" in report.inconclusive[0] and "roadbench ab" in report.inconclusive[0]
    )
    # Counts are deterministic: the drift does not stop a queries gate.
    assert check(report, [parse_fail_on("queries:+0")]) == [] and report.gate == PASSED

    assumed = diff(base, new, assume_drift=True)
    assert all(c.verdict == SAME for c in assumed.cases), [
        (c.change, c.noise) for c in assumed.cases
    ]
    assert check(assumed, [parse_fail_on("time:10%")]) == [] and assumed.gate == PASSED


@pytest.mark.parametrize("slowed", [1, 2, 3])
def test_one_method_slower_by_a_quarter_fails_the_gate_in_a_comparison(slowed):
    drift = busy_machine(3)
    base = saved_comparison({n: rounds_of(n, 0.01 * n, drift) for n in (1, 2, 3)})
    new = saved_comparison(
        {n: rounds_of(20 + n, 0.01 * n * (1.25 if n == slowed else 1), drift) for n in (1, 2, 3)}
    )
    report = diff(base, new)
    verdicts = {c.option: c.verdict for c in report.cases}
    assert verdicts[slowed] == SLOWER
    # The others look faster against it, but their own times did not change: no verdict.
    assert all(v == SAME for n, v in verdicts.items() if n != slowed)
    (failure,) = check(report, [parse_fail_on("time:10%")])
    assert f"option {slowed}" in failure


def test_instruction_counts_gate():
    base = saved_comparison(
        {1: [0.01] * 6, 2: [0.02] * 6}, instructions={1: 1_000_000, 2: 2_000_000}
    )
    new = saved_comparison(
        {1: [0.01] * 6, 2: [0.02] * 6}, instructions={1: 1_030_000, 2: 2_010_000}
    )
    report = diff(base, new)
    assert [round(c.instruction_change, 4) for c in report.cases] == [0.03, 0.005]
    (failure,) = check(report, [parse_fail_on("instructions:2%")])
    assert "option 1" in failure and "+3.00%" in failure
    assert check(report, [parse_fail_on("instructions:5%")]) == []


@pytest.mark.parametrize("rule", ["time", "time:10", "queries:5", "speed:10%", "time:x%"])
def test_bad_fail_on_rules(rule):
    with pytest.raises(BadInput) as refused:
        parse_fail_on(rule)
    # The library names its parameter; the command line words it as the flag.
    assert str(refused.value).startswith(f"fail_on {rule!r}: use time:N%")
    assert refused.value.worded(lambda name: "--fail-on").startswith(f"--fail-on {rule!r}:")


def test_diff_exit_codes_from_the_command_line(tmp_path):
    files = {}
    for name, run in (
        ("base", saved_run(BASE)),
        ("same", saved_run(SAME_AGAIN)),
        ("slow", saved_run(SLOWER_RUN)),
        ("more", saved_run(BASE, queries=500)),
    ):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(run))

    def roadbench(*args):
        return subprocess.run(
            [SCRIPT, "diff", *map(str, args)], capture_output=True, text=True, timeout=60
        )

    ok = roadbench(files["base"], files["same"], "--fail-on", "time:10%", "--fail-on", "queries:+0")
    assert ok.returncode == 0, ok.stderr
    assert "no significant change" in ok.stdout
    slow = roadbench(files["base"], files["slow"], "--fail-on", "time:10%")
    assert slow.returncode == 6
    assert slow.stderr.startswith("roadbench: error: 1 regression beyond --fail-on")
    more = roadbench(files["base"], files["more"], "--fail-on", "queries:+0", "-f", "markdown")
    assert more.returncode == 6
    assert "| Case | Base | New | Change | Noise | p | Verdict | Queries |" in more.stdout
    bad = roadbench(files["base"], tmp_path / "missing.json")
    assert bad.returncode == 2


def _wide_comparison(slower: float, queries: int, instructions: int) -> dict:
    """A saved comparison of three rows whose cases have long names, with every column."""
    run = saved_comparison({n: [0.01 * n] * 6 for n in (1, 2, 3)})
    run |= {"scale": "few", "rows": 123_456, "warmup": 0, "repeat": 6}
    methods = ("objects", "select_related", "values_list_detail")
    for case, method in zip(run["results"], methods, strict=True):
        case |= {"method": method, "rows": 123_456, "instructions": instructions * case["option"]}
        case["times_s"] = [t * slower for t in case["times_s"]]
        case |= {"median_s": case["times_s"][0], "queries": queries * case["option"]}
    for planned, case in zip(run["planned"], run["results"], strict=True):
        planned |= {"method": case["method"], "rows": 123_456}
    return run


@pytest.mark.parametrize("columns", [80, 200])
def test_the_table_fits_the_terminal_with_every_figure(tmp_path, columns):
    base, new = tmp_path / "base.json", tmp_path / "new.json"
    base.write_text(json.dumps(_wide_comparison(1.0, 1_204, 171_950_445)))
    changed = _wide_comparison(1.25, 1_210, 181_950_445)
    long_word = "Linux-6.1.0-28-cloud-amd64-x86_64-with-glibc2.36-and-some-more-words"
    changed["environment"] |= {"os": long_word, "django": "6.1.3"}
    new.write_text(json.dumps(changed))
    done = subprocess.run(
        [SCRIPT, "diff", str(base), str(new)],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "COLUMNS": str(columns), "NO_COLOR": "1"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "…" not in done.stdout
    assert max(len(line) for line in lines) <= columns
    assert long_word in "".join(line.strip("│ ") for line in lines)  # folded at 80, not cut
    report = diff(json.loads(base.read_text()), json.loads(new.read_text()))
    for case in report.cases:
        # Each case's figures, whole, on the line where its name starts (in every table).
        starts = [line for line in lines if f"option {case.option} · select ·" in line]
        assert starts, (case.option, done.stdout)
        shown = [seconds(case.base_median_s), seconds(case.new_median_s), _change(case)]
        shown += [_noise(case), _p(case), case.verdict, _queries(case), _instructions(case)]
        for figure in shown:
            assert any(figure in line for line in starts), (figure, done.stdout)
    tables = sum(1 for line in lines if line.lstrip("┃ ").startswith("case"))
    assert tables == 1 if columns == 200 else tables > 1  # split only when it does not fit


def test_a_significant_change_smaller_than_min_change_is_no_change():
    """Perfectly separated, 2% slower: the test calls it significant, --min-change decides."""
    base = [0.1000, 0.1001, 0.1002, 0.1003, 0.1004, 0.1005, 0.1006]
    slower = [v * 1.02 for v in base]
    (small,) = diff(saved_run(base), saved_run(slower), min_change=0.05).cases
    assert small.verdict == SAME and small.p_value < 0.01
    (counted,) = diff(saved_run(base), saved_run(slower), min_change=0.01).cases
    assert counted.verdict == SLOWER


def three_case_run(times_by_method):
    run = saved_run(BASE)
    template = run["results"][0]
    run["results"] = [
        {**template, "method": method, "times_s": times, "median_s": sorted(times)[3]}
        for method, times in times_by_method.items()
    ]
    return run


def test_a_run_three_times_slower_is_inconclusive_then_corrected_when_assumed():
    """Saved runs (not comparisons) are judged on their times: the whole run x3 is the
    machine or the code; with --assume-drift the times are divided by the drift."""
    base = three_case_run({"save": BASE, "atomic": SAME_AGAIN, "bulk": BASE})
    slow = three_case_run({m: [3 * t for t in v] for m, v in base_times(base).items()})
    report = diff(base, slow)
    assert [c.basis for c in report.cases] == ["times"] * 3
    assert {c.verdict for c in report.cases} == {INCONCLUSIVE}
    assert report.drift is not None and report.drift.factor == pytest.approx(3)
    assumed = diff(base, slow, assume_drift=True)
    assert {c.verdict for c in assumed.cases} == {SAME}
    check(assumed, [parse_fail_on("time:10%")])
    assert assumed.gate == PASSED
    # One of them 30% slower beyond the drift: caught once the drift is assumed.
    slow["results"][0]["times_s"] = [1.3 * 3 * t for t in BASE]
    assumed = diff(base, slow, assume_drift=True)
    assert [c.verdict for c in assumed.cases] == [SLOWER, SAME, SAME]
    assert len(check(assumed, [parse_fail_on("time:10%")])) == 1 and assumed.gate == "failed"


def base_times(run):
    return {r["method"]: r["times_s"] for r in run["results"]}


def test_every_output_says_the_drift_was_not_corrected_or_was():
    """Table, markdown and the HTML page say why a whole run that moved has no verdict, and
    say it when --assume-drift corrected it."""
    from roadbench.render.diff import diff_markdown
    from roadbench.render.html.diff import diff_page

    base = three_case_run({"save": BASE, "atomic": SAME_AGAIN, "bulk": BASE})
    slow = three_case_run({m: [3 * t for t in v] for m, v in base_times(base).items()})
    unsure, assumed = diff(base, slow), diff(base, slow, assume_drift=True)
    for text in (diff_markdown(unsure), diff_page(unsure)):
        assert "Inconclusive: the whole run moved: the median case ran 200% slower" in text
        assert "Two sessions cannot tell a slower machine from slower code" in text
    for text in (diff_markdown(assumed), diff_page(assumed)):
        assert "Drift corrected (--assume-drift)" in text and "Inconclusive" not in text
