from __future__ import annotations

import json

import pytest

from roadbench.api import compare, run
from roadbench.errors import BadInput
from roadbench.measuring.measure import Timing
from roadbench.reports.comparison import ComparisonReport
from roadbench.reports.results import save_json
from roadbench.reports.saved import load_json

FAST = Timing(warmup=0, repeat=2)


def test_run_report_has_the_documented_fields(database_url):
    report = run(
        option=3, op="create", method="atomic", rows=20, timing=FAST, database=database_url
    )
    data = json.loads(json.dumps(report.to_dict()))
    result = data["results"][0]
    for key in (
        "option",
        "op",
        "method",
        "rows",
        "status",
        "median_s",
        "min_s",
        "max_s",
        "rows_per_s",
        "queries",
        "queries_by_kind",
        "times_s",
    ):
        assert key in result
    assert result["status"] == "ok"
    assert len(result["times_s"]) == 2
    assert result["queries_by_kind"]["insert"] == 40
    env = data["environment"]
    for key in ("python", "django", "database_vendor", "database_version", "roadbench"):
        assert env[key]
    assert data["schema_version"] == 3


def test_unsupported_case_is_a_result_not_a_crash():
    report = run(option=3, op="create", method="bulk", rows=20, timing=FAST)
    result = report.results[0]
    assert result.status == "unsupported"
    assert result.reason == "Django: Can't bulk create a multi-table inherited model"
    assert result.median_s is None


def test_comparison_round_trips_through_json(tmp_path):
    report = compare(rows=10, timing=Timing(warmup=0, repeat=1))
    path = tmp_path / "compare.json"
    save_json(report.to_dict(), path)
    loaded = ComparisonReport.from_dict(load_json(path))
    assert loaded.table == ComparisonReport.from_dict(json.loads(path.read_text())).table
    assert [r.ratios for r in loaded.table.rows] == [
        {int(k): v for k, v in r.ratios.items()} for r in report.table.rows
    ]
    assert loaded.table.winner == report.table.winner


def test_load_json_rejects_what_is_not_a_roadbench_result(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(BadInput, match="not a roadbench result"):
        load_json(bad)
    with pytest.raises(BadInput, match="no such file"):
        load_json(tmp_path / "missing.json")
    bad.write_text("not json")
    with pytest.raises(BadInput, match="cannot read"):
        load_json(bad)


def test_an_incomplete_saved_file_is_a_clear_error(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    path = tmp_path / "partial.json"
    path.write_text('{"schema_version": 1, "kind": "compare"}')
    script = str(Path(sys.executable).parent / "roadbench")
    result = subprocess.run(
        [script, "report", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"roadbench: error: {path} is not a valid roadbench compare result: environment: missing\n"
    )
