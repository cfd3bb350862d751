"""Inputs an adversary (or a tired user) would try: each one gives its documented exit code,
one line on stderr, no traceback, never "internal error", no leaked secret, and leaves the
user's files as they were.

Most cases call the real entry point ``roadbench.cli.app.main`` in-process (fast); the ones about
secrets also run the installed command in a subprocess, as a user would.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import django
import pytest

from roadbench.cli.app import main
from roadbench.database import mask_url, parse_database_url, url_secrets
from tests.helpers import default_stop_signals

ROADBENCH = [sys.executable, "-m", "roadbench"]
SECRET = "Zq9-not-a-real-secret"


@dataclass
class Outcome:
    code: int
    stdout: str
    stderr: str


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> Outcome:
    """``roadbench ARGS`` in this process, through the console script's entry point."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
    out = capsys.readouterr()
    code = exit_info.value.code
    return Outcome(code if isinstance(code, int) else (0 if code is None else 1), out.out, out.err)


def command(*args: str, env: dict[str, str] | None = None) -> Outcome:
    """``roadbench ARGS`` as a user runs it: a subprocess."""
    done = subprocess.run(
        [*ROADBENCH, *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    return Outcome(done.returncode, done.stdout, done.stderr)


def assert_one_line_error(outcome: Outcome, code: int, *words: str) -> None:
    """The documented code; one ``roadbench: error:`` line; no traceback, no internal error."""
    assert outcome.code == code, (outcome.code, outcome.stderr)
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert lines[0].startswith("roadbench: error: "), outcome.stderr
    assert "internal error" not in outcome.stderr
    assert "Traceback" not in outcome.stderr + outcome.stdout
    for word in words:
        assert word in lines[0], (word, lines[0])


def fingerprint(directory: Path) -> dict[str, str]:
    """Every file under ``directory`` and its content's hash: to show nothing changed."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


# --- item 4: no secret in any URL form --------------------------------------------------------

# (URL, the secret as written in it, the secret as libpq gets it)
URL_FORMS = [
    ("postgres://bob:{s}@db.example/app", SECRET, SECRET),
    ("postgres://bob@db.example/app?password={s}", SECRET, SECRET),
    ("postgres://bob@db.example/app?sslmode=prefer&PassWord={s}&connect_timeout=3", SECRET, SECRET),
    ("postgres://bob@db.example/app?pass%77ord={s}", SECRET, SECRET),
    ("postgres://bob@db.example/app?sslpassword={s}", SECRET, SECRET),
    ("postgres://bob:{s}@db.example:5433/app", "p%40ss%3Aw%2Frd", "p@ss:w/rd"),
    ("postgres://bob:{s}@db.example/app", "p@ss", "p@ss"),
    ("postgres://bob:{s}@db.example:5432/app", "a:b:c", "a:b:c"),
    ("postgres://bob:{s}@db.example/app", "sl/ash", "sl/ash"),
    ("postgres://bob:{s}@db.example/app", "qu?est#ion", "qu?est#ion"),
    ("postgres://bob@db.example/app?password={s}&sslmode=require", "a@b&c", "a@b&c"),
    ("postgres://bob:{s}@db.example:99999/app", SECRET, SECRET),
    ("postgres://bob:{s}@db.example:abc/app", SECRET, SECRET),
    ("postgresql://:{s}@[::1]:5432/app", SECRET, SECRET),
    ("postgres:bob:{s}@db.example/app", SECRET, SECRET),
    ("mysql://bob:{s}@db.example/app", SECRET, SECRET),
    ("host=db.example password={s} dbname=app", SECRET, SECRET),
]


def _secret_pieces(secret: str) -> set[str]:
    """The secret and every piece of it an unencoded special character could split it into."""
    pieces = {secret}
    for sep in "@:/?#&":
        pieces |= {p for p in secret.split(sep) if len(p) >= 2}
    return pieces


@pytest.mark.parametrize(("form", "written", "real"), URL_FORMS)
def test_mask_url_hides_every_form_of_secret(form, written, real):
    url = form.format(s=written)
    masked = mask_url(url)
    for piece in _secret_pieces(written) | _secret_pieces(real):
        assert piece not in masked, masked
    assert "***" in masked
    assert "db.example" in masked or "::1" in masked
    assert any(written in found or real in found for found in url_secrets(url))


def test_mask_url_leaves_urls_without_a_secret_alone():
    for url in (
        "postgres://bob@db.example:5432/app?sslmode=require",
        "sqlite:////tmp/a:b@c.db",
        "sqlite:///relative.db",
        "postgresql:///app?host=/var/run/postgresql",
    ):
        assert mask_url(url) == url


@pytest.mark.parametrize(("form", "written", "real"), URL_FORMS)
def test_no_command_prints_a_secret_from_a_url_it_cannot_use(capsys, tmp_path, form, written, real):
    # db.example never answers in time, so point the host at a closed local port instead.
    url = form.format(s=written).replace("db.example", "127.0.0.1").replace(":5433/", ":1/")
    url = url.replace("127.0.0.1/", "127.0.0.1:1/")
    save = tmp_path / "run.json"
    for args in (
        ["doctor", "-d", url],
        ["doctor", "--json", "-d", url],
        ["run", "-o", "1", "--op", "create", "-n", "2", "--save", str(save), "-d", url],
        ["queries", "select", "-o", "1", "-d", url],
    ):
        outcome = cli(capsys, *args)
        assert outcome.code in (2, 3), (args, outcome.stderr)
        assert_one_line_error(outcome, outcome.code)
        for piece in _secret_pieces(written) | _secret_pieces(real):
            assert piece not in outcome.stdout + outcome.stderr, (piece, outcome.stderr)
    assert not save.exists()


def _with_secret(postgres_url: str, place: str) -> tuple[str, str]:
    """The test server's URL with its password (or a made-up one: the local server trusts)
    written in ``place``: (URL, secret)."""
    parsed = parse_database_url(postgres_url).config
    secret = parsed["PASSWORD"] or SECRET
    parts = urlsplit(postgres_url)
    host = f"{parts.hostname}:{parts.port or 5432}"
    base = f"postgres://{parts.username}@{host}{parts.path}"
    every_char_encoded = "".join(f"%{b:02X}" for b in secret.encode())
    return {
        "netloc": f"postgres://{parts.username}:{quote(secret, safe='')}@{host}{parts.path}",
        "netloc-encoded": f"postgres://{parts.username}:{every_char_encoded}@{host}{parts.path}",
        "query": f"{base}?password={quote(secret, safe='')}",
        "query-encoded": f"{base}?sslmode=prefer&pass%77ord={every_char_encoded}",
    }[place], secret


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.parametrize("place", ["netloc", "netloc-encoded", "query", "query-encoded"])
def test_a_working_url_never_shows_its_secret(postgres_url, tmp_path, place):
    url, secret = _with_secret(postgres_url, place)
    save, html, profile_json = tmp_path / "run.json", tmp_path / "p.html", tmp_path / "p.json"
    in_env = {"ROADBENCH_DATABASE_URL": url}
    runs = [
        command("doctor", "--json", "-d", url),
        command(
            "run", "-o", "1", "--op", "select", "-n", "4", "--fast", "--save", str(save), "-d", url
        ),
        # The URL from the environment, as CI passes it.
        command(
            "run", "-o", "2", "--op", "create", "-n", "4", "--fast", "-f", "markdown", env=in_env
        ),
        command(
            "profile",
            "select",
            "-o",
            "1",
            "-n",
            "4",
            "--html",
            str(html),
            "--json",
            str(profile_json),
            env=in_env,
        ),
        command("queries", "select", "-o", "1", "-n", "4", "--json", env=in_env),
    ]
    for outcome in runs:
        assert outcome.code == 0, outcome.stderr
    assert json.loads(save.read_text())["environment"]["database_vendor"] == "postgresql"
    texts = [o.stdout + o.stderr for o in runs]
    texts += [p.read_text(errors="replace") for p in tmp_path.iterdir()]
    for text in texts:
        assert secret not in text
        assert quote(secret, safe="") not in text
    assert "***" in save.read_text()


# --- item 6: an SQLite URL naming something that cannot be an SQLite file --------------------


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/dev/null", "special file"),
        ("/proc/self/status", "not an SQLite database"),
        ("/proc/roadbench-x.db", "cannot write in /proc"),
        ("/", "directory"),
        ("{tmp}/no-such-dir/x.db", "does not exist"),
        ("{tmp}/notes.txt", "not an SQLite database"),
    ],
)
@pytest.mark.parametrize("command_name", ["run", "doctor"])
def test_doctor_and_run_refuse_the_same_sqlite_paths(capsys, tmp_path, path, words, command_name):
    (tmp_path / "notes.txt").write_text("my notes\n")
    before = fingerprint(tmp_path)
    url = "sqlite:///" + path.format(tmp=tmp_path)
    args = ["run", "-o", "1", "--op", "create", "-n", "2"] if command_name == "run" else ["doctor"]
    assert_one_line_error(cli(capsys, *args, "-d", url), 2, words)
    assert fingerprint(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only directory")
def test_a_read_only_directory_is_refused_up_front(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    try:
        for args in (["doctor"], ["run", "-o", "1", "--op", "create", "-n", "2"]):
            outcome = cli(capsys, *args, "-d", f"sqlite:///{locked}/x.db")
            assert_one_line_error(outcome, 2, "cannot write in")
    finally:
        locked.chmod(0o755)
    assert list(locked.iterdir()) == []


# --- item 5: saved files are read strictly and written safely --------------------------------


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Real files of every kind, from small real runs: {kind: path}."""
    folder = tmp_path_factory.mktemp("saved")
    files = {kind: folder / f"{kind}.json" for kind in ("run", "compare", "scaling", "queries")}
    fast = ["-n", "4", "--repeat", "1", "--warmup", "0"]
    for args in (
        ["run", "-o", "1", "--op", "select", *fast, "--save", str(files["run"])],
        ["compare", *fast, "--save", str(files["compare"])],
        ["scaling", "select", "-o", "1", "--sizes", "2,4", "--repeat", "1", "--warmup", "0"],
    ):
        if args[0] == "scaling":
            args += ["--save", str(files["scaling"])]
        done = subprocess.run([*ROADBENCH, *args], capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    queries = command("queries", "select", "-o", "1", "-n", "4", "--json")
    files["queries"].write_text(queries.stdout)
    diff = command("diff", str(files["run"]), str(files["run"]), "--json")
    files["diff"] = folder / "diff.json"
    files["diff"].write_text(diff.stdout)
    return files


def _broken(saved: dict[str, Path], kind: str, change: Any) -> str:
    data = json.loads(saved[kind].read_text())
    change(data)
    return json.dumps(data)


def _set(path: tuple[Any, ...], value: Any) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        data[path[-1]] = value

    return change


# (name, the file's text from the saved files, words of the message)
MALFORMED = [
    (
        "schema-version-string",
        lambda s: _broken(s, "run", _set(("schema_version",), "1")),
        "schema_version",
    ),
    (
        "schema-version-null",
        lambda s: _broken(s, "run", _set(("schema_version",), None)),
        "schema_version",
    ),
    ("schema-version-newer", lambda s: _broken(s, "run", _set(("schema_version",), 99)), "upgrade"),
    (
        "schema-version-bool",
        lambda s: _broken(s, "run", _set(("schema_version",), True)),
        "schema_version",
    ),
    ("environment-null", lambda s: _broken(s, "run", _set(("environment",), None)), "environment"),
    (
        "environment-missing-field",
        lambda s: _broken(s, "run", lambda d: d["environment"].pop("django")),
        "environment.django",
    ),
    ("results-string", lambda s: _broken(s, "run", _set(("results",), "x")), "results"),
    ("results-empty", lambda s: _broken(s, "run", _set(("results",), [])), "no case"),
    (
        "median-string",
        lambda s: _broken(s, "run", _set(("results", 0, "median_s"), "fast")),
        "median_s",
    ),
    (
        "times-null-item",
        lambda s: _broken(s, "run", _set(("results", 0, "times_s"), [0.1, None])),
        "times_s[1]",
    ),
    ("rows-float", lambda s: _broken(s, "run", _set(("results", 0, "rows"), 2.5)), "rows"),
    ("option-bool", lambda s: _broken(s, "run", _set(("results", 0, "option"), True)), "option"),
    (
        "queries-by-kind-list",
        lambda s: _broken(s, "run", _set(("results", 0, "queries_by_kind"), [])),
        "queries_by_kind",
    ),
    ("case-null", lambda s: _broken(s, "run", _set(("results", 0), None)), "results[0]"),
    ("compare-planned-empty", lambda s: _broken(s, "compare", _set(("planned",), [])), "planned"),
    (
        "compare-planned-null-method",
        lambda s: _broken(s, "compare", _set(("planned", 0, "method"), None)),
        "planned[0].method",
    ),
    ("compare-rows-string", lambda s: _broken(s, "compare", _set(("rows",), "many")), "rows"),
    (
        "nan",
        lambda s: s["run"].read_text().replace('"median_s": ', '"median_s": NaN, "x": ', 1),
        "NaN",
    ),
    (
        "infinity",
        lambda s: s["run"].read_text().replace('"median_s": ', '"median_s": -Infinity, "x": ', 1),
        "Infinity",
    ),
    ("only-a-version", lambda _s: '{"schema_version": 1}', "environment"),
    ("a-list", lambda _s: "[1, 2]", "no schema_version"),
    ("a-string", lambda _s: '"run"', "no schema_version"),
    ("not-json", lambda _s: "median_s: 0.1\n", "cannot read"),
    ("empty", lambda _s: "", "cannot read"),
    ("deep-brackets", lambda _s: "[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("deep-objects", lambda _s: '{"a":' * 100_000 + "1" + "}" * 100_000, "nested too deeply"),
    ("kind-queries", lambda s: s["queries"].read_text(), "'queries' result"),
    ("kind-scaling", lambda s: s["scaling"].read_text(), "'scaling' result"),
    ("kind-diff", lambda s: s["diff"].read_text(), "'diff' result"),
    (
        "kind-load",
        lambda _s: '{"schema_version": 1, "kind": "load", "options": []}',
        "'load' result",
    ),
    ("kind-unknown", lambda _s: '{"schema_version": 1, "kind": "nonsense"}', "'nonsense' result"),
    ("kind-list", lambda _s: '{"schema_version": 1, "kind": []}', "[] result"),
]


@pytest.mark.parametrize(("name", "make", "words"), MALFORMED, ids=[m[0] for m in MALFORMED])
def test_a_malformed_or_foreign_saved_file_is_refused(capsys, tmp_path, saved, name, make, words):
    bad = tmp_path / "bad.json"
    bad.write_text(make(saved))
    before = fingerprint(tmp_path)
    good = saved["compare" if name.startswith("compare") else "run"]
    for args in (
        ["report", str(bad)],
        ["report", str(bad), "-f", "markdown"],
        ["diff", str(good), str(bad), "--fail-on", "queries:+0"],
        ["diff", str(bad), str(good)],
        ["chart", str(bad), "-o", str(tmp_path / "c.png")],
    ):
        if name == "kind-scaling" and args[0] in ("report", "chart"):
            continue  # both take scaling files (tests/test_scaling.py, tests/test_charts.py)
        outcome = cli(capsys, *args)
        assert_one_line_error(outcome, 2)
        if not (args[0] == "chart" and name.startswith("kind")) and args[0] != "chart":
            assert words in outcome.stderr, (args, outcome.stderr)
        assert outcome.stdout == ""
    assert fingerprint(tmp_path) == before


@pytest.mark.parametrize(
    ("name", "path"),
    [("missing", "missing.json"), ("a-directory", "."), ("binary", "binary.json")],
)
def test_an_unreadable_saved_file_is_refused(capsys, tmp_path, saved, name, path):
    (tmp_path / "binary.json").write_bytes(b"\xff\xfe\x00garbage")
    for args in (
        ["report", str(tmp_path / path)],
        ["diff", str(saved["run"]), str(tmp_path / path)],
    ):
        assert_one_line_error(cli(capsys, *args), 2)


def test_diff_of_two_files_without_a_common_case_is_refused(capsys, tmp_path, saved):
    other = tmp_path / "other.json"
    other.write_text(_broken(saved, "run", _set(("results", 0, "rows"), 12345)))
    outcome = cli(capsys, "diff", str(saved["run"]), str(other), "--fail-on", "queries:+0")
    assert_one_line_error(outcome, 2, "nothing to judge")
    # Without a gate too: rows of "—" and exit 0 read as "nothing changed".
    outcome = cli(capsys, "diff", str(saved["run"]), str(other))
    assert_one_line_error(outcome, 2, "no case appears in both")
    assert str(other) in outcome.stderr and outcome.stdout == ""


def test_a_saved_file_round_trips_through_report_and_diff(capsys, saved):
    for kind in ("run", "compare"):
        assert cli(capsys, "report", str(saved[kind]), "--json").code == 0
        outcome = cli(capsys, "diff", str(saved[kind]), str(saved[kind]), "--fail-on", "queries:+0")
        assert outcome.code == 0, outcome.stderr


def test_json_and_a_format_that_agrees_are_accepted(capsys, saved):
    for args in (["report", str(saved["run"])], ["diff", str(saved["run"]), str(saved["run"])]):
        as_json = cli(capsys, *args, "--json", "-f", "json")
        assert as_json.code == 0, as_json.stderr
        assert json.loads(as_json.stdout) == json.loads(cli(capsys, *args, "--json").stdout)
        table = cli(capsys, *args, "-f", "table")
        assert table.code == 0, table.stderr
        assert table.stdout == cli(capsys, *args).stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["compare", "--save", "{tmp}/missing-dir/x.json"], "--save"),
        (["run", "-o", "1", "--op", "create", "--save", "{tmp}"], "is a directory"),
        (["run", "-o", "1", "--op", "create", "--save", "/dev/null"], "not a regular file"),
        (["scaling", "select", "--save", "{tmp}/nope/s.json"], "does not exist"),
        (["scaling", "select", "--chart", "{tmp}/c.txt"], ".png"),
        (["scaling", "select", "--chart", "{tmp}/c.png", "--save", "{tmp}/c.png"], "same file"),
        (["profile", "select", "--html", "{tmp}/nope/p.html"], "--html"),
        (["profile", "select", "--html", "{tmp}/p.html", "--json", "{tmp}/p.html"], "same file"),
        (["profile", "select", "--speedscope", "{tmp}"], "--speedscope"),
        (["chart", "{compare}", "-o", "{tmp}/c.txt"], ".png"),
        (["chart", "{compare}", "-o", "{tmp}"], "is a directory"),
        (["chart", "{compare}", "-o", "{tmp}/nope/c.png"], "does not exist"),
    ],
)
def test_an_output_path_is_checked_before_any_work(capsys, tmp_path, saved, args, words):
    (tmp_path / "keep.json").write_text("the user's file\n")
    before = fingerprint(tmp_path)
    filled = [a.format(tmp=tmp_path, compare=saved["compare"]) for a in args]
    outcome = cli(capsys, *filled)
    assert_one_line_error(outcome, 2, words)
    assert outcome.stdout == ""  # no table: nothing was measured
    assert fingerprint(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.json"]


def _limited_file_size(size: int = 4096) -> None:
    """In the child: files may not grow beyond ``size`` bytes, like a disk that fills up."""
    import resource
    import signal

    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def test_a_failed_write_leaves_the_previous_file_whole(tmp_path, saved):
    chart = tmp_path / "baseline.png"
    chart.write_bytes(b"the previous chart")
    done = subprocess.run(
        [*ROADBENCH, "chart", str(saved["compare"]), "-o", str(chart)],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=_limited_file_size,
    )
    assert (done.returncode, done.stderr.count("\n")) == (2, 1), done.stderr
    assert "cannot write" in done.stderr
    assert chart.read_bytes() == b"the previous chart"
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.png"]


@pytest.mark.postgres
def test_a_failed_save_leaves_the_previous_baseline_whole(tmp_path, postgres_url):
    baseline = tmp_path / "baseline.json"
    baseline.write_text('{"the": "previous baseline"}\n')
    args = ["run", "-o", "1", "--op", "select", "-n", "4", "--fast", "-d", postgres_url]
    done = subprocess.run(
        [*ROADBENCH, *args, "--save", str(baseline)],
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=lambda: _limited_file_size(512),  # a run's JSON is about 1.5 KiB
    )
    assert done.returncode == 2, done.stderr
    assert "cannot write" in done.stderr
    assert baseline.read_text() == '{"the": "previous baseline"}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["baseline.json"]


def test_an_interrupted_write_leaves_nothing_behind(tmp_path):
    from roadbench.reports.output import atomic_path, write_text

    target = tmp_path / "result.json"
    write_text(target, "first\n")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as temporary:
        temporary.write_text("half of the sec")
        raise KeyboardInterrupt
    assert target.read_text() == "first\n"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]
    write_text(target, "second\n")
    assert target.read_text() == "second\n"
    assert oct(target.stat().st_mode & 0o777) != "0o600"  # the umask's mode, not mkstemp's


# --- item 6: exit codes tell the truth ------------------------------------------------------

RUN = ["run", "-o", "1", "--op", "create", "-n", "2"]

# (arguments, exit code, words of the one stderr line); {run} is a real saved run.
BAD_VALUES = [
    (["diff", "{run}", "{run}", "--min-change", "nan"], 2, "--min-change"),
    (["diff", "{run}", "{run}", "--min-change", "inf"], 2, "--min-change"),
    (["diff", "{run}", "{run}", "--min-change", "-1"], 2, "--min-change"),
    (["diff", "{run}", "{run}", "-f", "github-benchmark"], 2, "unknown format"),
    (["diff", "{run}", "{run}", "--json", "-f", "csv"], 2, "contradict"),
    (["diff", "{run}", "{run}", "--fail-on", "time:x%"], 2, "--fail-on"),
    (["report", "{run}", "--json", "-f", "csv"], 2, "contradict"),
    (["report", "{run}", "-f", "yaml"], 2, "unknown format"),
    ([*RUN, "--json", "-f", "markdown"], 2, "contradict"),
    # -f table typed beside --json is a contradiction too, not the default (every command).
    ([*RUN, "--json", "-f", "table"], 2, "--json and --format table contradict"),
    (["compare", "-n", "2", "--json", "--format", "table"], 2, "contradict"),
    (["report", "{run}", "-f", "table", "--json"], 2, "contradict"),
    (["diff", "{run}", "{run}", "--json", "-f", "table"], 2, "contradict"),
    ([*RUN, "-m", ""], 2, "--method is empty"),
    (["queries", "select", "-m", " "], 2, "--method is empty"),
    (["doctor", "-d", ""], 2, "--database is empty"),
    (["run", "-o", "1", "--op", ""], 2, "unknown op"),
    (["run", "-o", "1", "--op", "create", "-n", str(10**12)], 2, "memory"),
    (["run", "-o", "1", "--op", "create", "-n", "1"], 2, "--rows"),
    (["run", "-o", "0", "--op", "create"], 2, "unknown option"),
    (["run", "-o", "99999999999999999999", "--op", "create"], 2, "unknown option"),
    ([*RUN, "--repeat", "0"], 2, "--repeat"),
    ([*RUN, "--warmup", "-1"], 2, "--warmup"),
    ([*RUN, "--budget", "nan"], 2, "--budget"),
    ([*RUN, "--budget", "inf"], 2, "--budget"),
    ([*RUN, "--precision", "nan"], 2, "--precision"),
    ([*RUN, "--fast", "--rigorous"], 2, "contradict"),
    (["compare", "--min-effect", "nan"], 2, "--min-effect"),
    (["compare", "-s", "huge"], 2, "unknown scale"),
    (["compare", "-n", str(10**12)], 2, "memory"),
    (["queries", "select", "--scaling", "--sizes", "0,5"], 2, "--sizes"),
    (["queries", "select", "--scaling", "--sizes", "5"], 2, "--sizes"),
    (["queries", "select", "--analyze"], 2, "--explain"),
    (["scaling", "select", "--sizes", "0,5"], 2, "--sizes"),
    (["scaling", "select", "--sizes", "5,5"], 2, "two different sizes"),
    (["scaling", "select", "--sizes", "a,b"], 2, "--sizes"),
    (["scaling", "select", "--sizes", f"2,{10**12}"], 2, "--sizes"),
    (["queries", "create", "-o", "3", "-m", "bulk"], 4, "cannot create with bulk"),
    (["scaling", "create", "-o", "3", "-m", "bulk", "--sizes", "2,4"], 4, "cannot create"),
    (["profile", "create", "-o", "3", "-m", "bulk"], 4, "cannot create with bulk"),
    (["run", "-o", "3", "--op", "create", "-m", "bulk", "-n", "2", "--fast"], 4, "cannot create"),
    # Click would keep the last of a one-value option given twice: measuring only option 3.
    (["scaling", "select", "-o", "2", "-o", "3"], 2, "'--option' / '-o' is given more than once"),
    (["scaling", "select", "-o", "2", "-o", "3"], 2, "-o 2,3"),
    ([*RUN, "-o", "2"], 2, "'--option' / '-o' is given more than once"),
    ([*RUN, "-m", "save", "--method", "bulk"], 2, "'--method' / '-m' is given more than once"),
    (
        ["report", "{run}", "-f", "csv", "-f", "markdown"],
        2,
        "'--format' / '-f' is given more than once",
    ),
    # Parsed before any Django environment is made for the child.
    (["matrix", "--django", "5.2", "run", "-o", "2", "-o", "3", "--op", "create"], 2, "given more"),
    (["matrix", "--django", "5.2", "run", "-o", "2", "--op", "create", "-n", "x"], 2, "--rows"),
    (["queries", "select", "-o", ""], 2, "--option names no design"),
    # Each list option's hint in its own words, not --option's.
    (["scaling", "select", "--sizes", "2,4", "--sizes", "8"], 2, "comma-separated: --sizes N,N"),
    (["compare", "--options", "1", "--options", "2"], 2, "comma-separated: --options 2,3"),
    # Several designs, none of which can: exit 4 as queries and run, not an empty success.
    (["profile", "create", "-o", "3,7", "-m", "bulk", "-n", "4"], 4, "(and 1 more options)"),
    (["queries", "select", "-o", ","], 2, "names no design"),
    (["scaling", "select", "-o", "2,99", "--sizes", "2,4"], 2, "unknown option 99"),
    (["chart", "{run}"], 2, "Missing option"),
    (["report"], 2, "Missing argument"),
    (["nonsense"], 2, "No such command"),
    (["run", "--nonsense"], 2, "No such option"),
    (["doctor", "-d", "postgres://u:pw@127.0.0.1:99999/db"], 2, "Port out of range"),
    (["doctor", "-d", "postgres://u:pw@127.0.0.1:abc/db"], 2, "Port could not be cast"),
    (["doctor", "-d", "postgres://u:pw@127.0.0.1:0/db"], 2, "port 0"),
    (["doctor", "-d", "postgres://u:pw@[::1/db"], 2, "IPv6"),
    (["doctor", "-d", "postgres://u:p/w@127.0.0.1/db"], 2, "percent-encode"),
    (["doctor", "-d", "oracle://u@h/db"], 2, "unsupported database URL scheme"),
    (["doctor", "-d", "sqlite://"], 2, "names no file"),
    (["doctor", "-d", "postgres://u:p@ss@127.0.0.1:1/db"], 3, "cannot connect"),
]


@pytest.mark.parametrize(
    ("args", "code", "words"), BAD_VALUES, ids=[" ".join(a[0:4]) for a, _c, _w in BAD_VALUES]
)
def test_a_bad_value_is_one_line_with_its_exit_code(
    capsys, monkeypatch, tmp_path, saved, args, code, words
):
    before = fingerprint(saved["run"].parent)
    monkeypatch.chdir(tmp_path)  # anything a command would leave behind lands here
    outcome = cli(capsys, *(a.format(run=saved["run"]) for a in args))
    assert_one_line_error(outcome, code, words)
    assert fingerprint(saved["run"].parent) == before
    assert list(tmp_path.iterdir()) == []


def test_help_after_or_before_a_repeated_option_is_the_help(capsys):
    for args in (["-o", "2", "-o", "3", "--help"], ["--help", "--rows", "4", "-n", "8"]):
        outcome = cli(capsys, "queries", "select", *args)
        assert outcome.code == 0, outcome.stderr
        assert outcome.stdout.startswith("Usage: roadbench queries") and outcome.stderr == ""
    hint = cli(capsys, "queries", "select", "--sizes", "2,4", "--sizes", "8").stderr
    assert "-o 2,3" not in hint


def test_profile_of_several_checks_each_file_it_will_write_before_any_work(capsys, tmp_path):
    (tmp_path / "p-option3.html").mkdir()  # where option 3's profile would go
    outcome = cli(
        capsys, "profile", "select", "-o", "2,3", "-n", "4", "--html", str(tmp_path / "p.html")
    )
    assert_one_line_error(outcome, 2, "--html", "p-option3.html", "is a directory")
    assert outcome.stdout == ""
    assert [p.name for p in tmp_path.iterdir()] == ["p-option3.html"]


def test_profile_of_several_names_each_file_by_its_design_even_if_one_cannot(capsys, tmp_path):
    # Option 3 cannot bulk-create: option 2's file is still p-option2.html, as asked for.
    outcome = cli(
        capsys,
        "profile",
        "create",
        "-o",
        "2,3",
        "-m",
        "bulk",
        "-n",
        "4",
        "--html",
        str(tmp_path / "p.html"),
    )
    assert outcome.code == 0, outcome.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["p-option2.html"]


def test_every_option_unsupported_is_exit_4_and_the_reasons_are_printed(capsys):
    # Option 3 refuses bulk; the other options do not: some data, exit 0.
    assert cli(capsys, "queries", "create", "-m", "bulk", "-n", "4").code == 0
    outcome = cli(capsys, "queries", "create", "-o", "3", "-m", "bulk", "-n", "4", "--json")
    assert outcome.code == 4
    assert json.loads(outcome.stdout)["cases"][0]["status"] == "unsupported"


def test_chart_to_a_directory_writes_nothing(capsys, tmp_path, saved):
    folder = tmp_path / "SOMEDIR"
    folder.mkdir()
    outcome = cli(capsys, "chart", str(saved["compare"]), "-o", str(folder))
    assert_one_line_error(outcome, 2, "is a directory")
    assert list(tmp_path.iterdir()) == [folder]
    assert list(folder.iterdir()) == []


def test_no_error_starts_with_a_blank_line():
    # The progress bar of compare and scaling drew (and erased) itself even into a log.
    for args in (["compare", "-n", "1"], ["scaling", "select", "--sizes", "0,5"]):
        outcome = command(*args)
        assert outcome.stderr.startswith("roadbench: error: "), repr(outcome.stderr)


@pytest.mark.parametrize("child", ["run", "compare"])
def test_matrix_child_help_is_the_childs(capsys, child, tmp_path):
    # Before, `matrix --django 5.2 run --help` showed matrix's own help: --help was taken as
    # matrix's option wherever it stood. Now it is the child's, and no environment is made.
    save_dir = tmp_path / "out"
    outcome = cli(capsys, "matrix", "--django", "5.2", "--save-dir", str(save_dir), child, "--help")
    assert outcome.code == 0 and outcome.stderr == ""
    assert outcome.stdout.startswith(f"Usage: roadbench matrix {child} [OPTIONS]")
    assert "--django" not in outcome.stdout and not save_dir.exists()


# --- issue 19, items 5, 10 and part of 11: plugins, load's designs, index methods, matrix ---

DESIGN_COPY = (
    "from dataclasses import replace\n"
    "from roadbench.designs import OPTIONS\n"
    "OPTION = replace(OPTIONS[1], name='a copy of option 1', {fields})\n"
)
BAD_PLUGINS = [
    ("raises", "raise RuntimeError('the plugin broke')\n", "RuntimeError: the plugin broke"),
    ("syntax", "def broken(:\n", "SyntaxError"),
    ("string_option", "OPTION = 'x'\n", "OPTION is 'x', not a roadbench design"),
    ("string_op", "OPERATION = 3\n", "OPERATION is 3, not a roadbench op"),
    ("key_all", DESIGN_COPY.format(fields="number=150, key='all'"), "not 'all'"),
    ("key_list", DESIGN_COPY.format(fields="number=151, key='a,b'"), "not 'a,b'"),
    # A key that is another design's number: taken (the registry says by which design).
    ("key_number", DESIGN_COPY.format(fields="number=152, key='2'"), "takes 2, already used"),
    ("key_digits", DESIGN_COPY.format(fields="number=153, key='777'"), "not '777'"),
    ("number_negative", DESIGN_COPY.format(fields="number=-5, key='neg'"), "not -5"),
    ("number_roadbenchs", DESIGN_COPY.format(fields="number=50, key='fifty'"), "100 or more"),
]


@pytest.mark.parametrize(("name", "source", "words"), BAD_PLUGINS, ids=[p[0] for p in BAD_PLUGINS])
def test_a_broken_plugin_is_exit_2_naming_it(capsys, tmp_path, monkeypatch, name, source, words):
    module = f"rb_adversarial_plugin_{name}"  # its own name: nothing cached from another case
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    outcome = cli(capsys, "--plugin", module, "options", "--json")
    assert_one_line_error(outcome, 2, module, words)
    assert outcome.stdout == ""


@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("", "--plugin is empty"),
        ("./design.py", "import path (design), not a file"),
        ("design.py", "not a file"),
        ("my design", "not a module's import path"),
    ],
)
def test_a_plugin_path_that_import_cannot_take_is_exit_2(capsys, path, words):
    outcome = cli(capsys, "--plugin", path, "options")
    assert_one_line_error(outcome, 2, words)


# === issue 19, items 2, 3, 6 and part of 11 (fix-writes-loader) ========================


# 2: every write checked before the work and never through a link, a device or a FIFO;
# 3: no password in any command's output or files, matrix included;
# 6: a saved file's text is never markup or terminal control, its numbers are bounded;
# 11: %00 in a password, matrix --save-dir at a file or unwritable path, doctor on a dangling
#     symlink.


def _target(tmp_path: Path, kind: str) -> Path:
    """A place no command may write over or into, made in ``tmp_path``."""
    import stat

    mine = tmp_path / "mine.json"
    mine.write_text('{"the": "user\'s own file"}\n')
    if kind == "device":
        if os.geteuid() != 0:
            pytest.skip("making a device node needs root")
        path = tmp_path / "device"
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 7))  # as /dev/full
        return path
    if kind == "fifo":
        os.mkfifo(tmp_path / "fifo")
        return tmp_path / "fifo"
    if kind == "symlink":
        (tmp_path / "link.json").symlink_to(mine)
        return tmp_path / "link.json"
    if kind == "missing-dir":
        return tmp_path / "no-such-dir" / "out.json"
    if kind == "under-a-file":  # root can write anywhere, but not below a regular file
        return mine / "out.json"
    assert kind == "proc"
    return Path("/proc/roadbench-out.json")


def _state(tmp_path: Path) -> dict[str, tuple[str, str]]:
    """Every entry under ``tmp_path``: its kind and, for a file or link, what it holds."""
    import stat

    found = {}
    for p in sorted(tmp_path.rglob("*")):
        mode = os.lstat(p).st_mode
        if stat.S_ISLNK(mode):
            found[p.name] = ("link", os.readlink(p))
        elif stat.S_ISREG(mode):
            found[p.name] = ("file", p.read_text())
        else:
            found[p.name] = (oct(stat.S_IFMT(mode)), "")
    return found


WRITERS = [
    ["run", "-o", "1", "--op", "select", "-n", "4", "--fast", "--save", "{out}"],
    ["compare", "-n", "4", "--fast", "--save", "{out}"],
    ["scaling", "select", "-o", "1", "--sizes", "2,4", "--save", "{out}"],
    ["scaling", "select", "-o", "1", "--sizes", "2,4", "--chart", "{out}.png"],
    ["chart", "{compare}", "-o", "{out}.png"],
    ["profile", "select", "-o", "1", "-n", "4", "--html", "{out}"],
    ["profile", "select", "-o", "1", "-n", "4", "--speedscope", "{out}"],
    ["profile", "select", "-o", "1", "-n", "4", "--json", "{out}"],
    ["profile", "select", "-o", "1,2", "-n", "4", "--json", "{out}"],
    ["load", "-o", "1", "-u", "1", "-t", "1s", "-n", "20", "--save", "{out}"],
]


@pytest.mark.parametrize(
    "kind", ["device", "fifo", "symlink", "missing-dir", "under-a-file", "proc"]
)
@pytest.mark.parametrize("args", WRITERS, ids=lambda a: "-".join(a[:1] + a[-2:-1]))
def test_no_writer_writes_over_or_into_what_is_not_a_file(capsys, tmp_path, saved, kind, args):
    # Before, load --save replaced a device node after the whole test (as root: /dev/full),
    # failed only at the end in a missing directory, and run --save replaced a symlink with
    # a plain file. Now each is refused with exit 2 and one line before any work.
    target = _target(tmp_path, kind)
    out = str(target)
    if kind in ("device", "fifo", "symlink") and "{out}.png" in args:
        target = target.with_name(target.name + ".png")
        if kind == "device":
            os.rename(tmp_path / "device", target)
        elif kind == "fifo":
            os.rename(tmp_path / "fifo", target)
        else:
            os.rename(tmp_path / "link.json", target)
        out = str(target)[: -len(".png")]
    if args[0] == "profile" and "1,2" in args and kind in ("device", "fifo", "symlink"):
        # With several designs, profile writes p-option1.json and p-option2.json.
        os.rename(target, tmp_path / "p-option1.json")
        out = str(tmp_path / "p.json")
    before = _state(tmp_path)
    filled = [a.format(out=out, compare=saved["compare"]) for a in args]
    outcome = cli(capsys, *filled)
    assert_one_line_error(outcome, 2)
    assert outcome.stdout == ""  # refused before any work: nothing measured, nothing shown
    assert _state(tmp_path) == before


def test_a_writer_that_skipped_the_check_is_still_refused(tmp_path):
    # The write itself checks again: a link made after the first check is not replaced.
    from roadbench.errors import BadInput
    from roadbench.reports.output import check_output, write_text

    mine = tmp_path / "mine.json"
    mine.write_text("mine\n")
    target = check_output(tmp_path / "out.json", "--save")
    target.symlink_to(mine)
    with pytest.raises(BadInput, match="symbolic link"):
        write_text(target, "roadbench's\n")
    assert target.is_symlink() and mine.read_text() == "mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.json", "out.json"]


@pytest.mark.parametrize("kind", ["a-file", "under-a-file", "proc", "proc-nested"])
def test_matrix_save_dir_that_cannot_hold_files_is_refused_before_any_environment(tmp_path, kind):
    # Before, a --save-dir at a file or at /proc was an internal error (FileExistsError,
    # after the environments were made).
    mine = tmp_path / "mine"
    mine.write_text("mine\n")
    save_dir = {
        "a-file": mine,
        "under-a-file": mine / "out",
        "proc": Path("/proc/roadbench-matrix"),
        "proc-nested": Path("/proc/roadbench-matrix/out"),
    }[kind]
    cache = tmp_path / "cache"
    outcome = command(
        "matrix", "--django", "5.2", "--save-dir", str(save_dir), "run", "-o", "1",
        "--op", "select", "-n", "4", "--fast",
        env={"XDG_CACHE_HOME": str(cache)},
    )  # fmt: skip
    assert_one_line_error(outcome, 2, "--save-dir")
    assert not cache.exists()  # no environment was made, not even begun
    assert mine.read_text() == "mine\n"


# --- issue 19, items 1, 7 and 9's --budget (fix-fresh-signals): the README's test command on
# --- a fresh machine, signals from the first instant to the last, a budget that caps -------

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_commands_as_written_before_installing_anything():
    # .ci/run installed the mysql extra first, so CI never ran the README's command as a
    # newcomer has it. It now reads the commands from the README's lines 7-8 and runs them
    # first, in a fresh copy; mysqlclient and stack 2 come after.
    readme = (ROOT / "README.md").read_text().splitlines()
    first_block = readme[readme.index("```bash") + 1 :]
    commands = first_block[: first_block.index("```")]
    expected = [
        "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/roadbench compare",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/pytest",
    ]
    assert commands == expected
    assert readme[6:8] == expected
    ci = (ROOT / ".ci" / "run").read_text()
    steps = [line.strip() for line in ci.splitlines() if not line.lstrip().startswith("#")]
    runs_them = steps.index('ROADBENCH_TEST_MYSQL_LATER=1 bash -c "$readme_command" </dev/null')
    assert "readme_commands=$(sed -n '7,8p' README.md)" in steps[:runs_them]
    assert not [step for step in steps[:runs_them] if "pip install" in step]
    assert ".venv/bin/pip install -q -e '.[mysql]'" in steps[runs_them:]


@pytest.mark.parametrize(
    ("env", "outcome"),
    [({}, "1 skipped"), ({"CI": "true", "ROADBENCH_TEST_MYSQL_LATER": "1"}, "1 skipped"),
     ({"CI": "true"}, "1 error")],
    ids=["local", "ci-readme-run", "ci-mysql-run"],
)  # fmt: skip
def test_without_mysqlclient_a_mariadb_test_skips_unless_ci_requires_it(env, outcome):
    # Without mysqlclient, test_no_server_is_one_line_within_the_timeout failed ("the MySQL
    # driver mysqlclient is not installed", not "cannot connect"): the README's test command
    # failed on a fresh machine. The driver is made unimportable in this child pytest only.
    code = (
        "import sys, pytest; sys.modules['MySQLdb'] = None; sys.exit(pytest.main(["
        "'-q', '-p', 'no:cacheprovider', "
        "'tests/database/test_mysql.py::test_no_server_is_one_line_within_the_timeout']))"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("CI", "ROADBENCH_TEST_MYSQL_LATER")}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**clean, **env},
    )  # fmt: skip
    assert f"{outcome} in" in done.stdout, done.stdout
    assert "mysqlclient is not installed" in done.stdout


def test_a_budget_given_caps_the_rounds_even_below_repeat():
    # `--budget 0.5 --repeat 1000000000` ran until killed: the budget only ended the rounds
    # added beyond --repeat. Now a budget the user gives is seconds at most for every round.
    repeat = 1_000_000_000
    outcome = command(
        "run", "-o", "1", "--op", "select", "-n", "2", "--budget", "0.5", "--repeat",
        str(repeat), "--json",
    )  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    (result,) = json.loads(outcome.stdout)["results"]
    assert 1 <= len(result["times_s"]) == result["repeat"] < repeat // 1000


# --- issue 19, item 10 (fix-load-plugins): a method named for an index runs only where
# --- Django builds that index ------------------------------------------------------------
# On MariaDB Django skips an index on an expression (option 5's index on a JSON key) without a
# word, and select specific_indexed timed a full scan as "ok".


def test_an_index_django_skips_makes_its_method_unsupported(capsys, mysql_url):
    args = ["run", "--op", "select", "-o", "json", "-m", "specific_indexed", "-n", "20"]
    outcome = cli(capsys, *args, "--fast", "--json", "-d", mysql_url)
    assert_one_line_error(outcome, 4, "does not support indexes on expressions")
    case = json.loads(outcome.stdout)["results"][0]
    assert case["status"] == "unsupported", case


def test_the_same_index_on_postgresql_runs(capsys, postgres_url):
    args = ["run", "--op", "select", "-o", "json", "-m", "specific_indexed", "-n", "20"]
    outcome = cli(capsys, *args, "--fast", "--json", "-d", postgres_url)
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["results"][0]["status"] == "ok"


@pytest.mark.parametrize("url_fixture", ["mysql_url", "postgres_url", "sqlite"])
def test_every_index_method_that_runs_has_its_index(request, url_fixture):
    # Each design's index methods, on each database: unsupported, or its index is really in
    # the database once the method's preparation ran (what EXPLAIN would then use).
    from django.db import connection

    from roadbench.database import bench_database, option_tables
    from roadbench.designs import OPTIONS, models_of
    from roadbench.ops import get_op

    url = None if url_fixture == "sqlite" else request.getfixturevalue(url_fixture)
    designs = [o for o in OPTIONS.values() if not o.unavailable]
    select = get_op("select")
    ran = unsupported = 0
    with bench_database(url), option_tables(models_of(designs)):
        for option in designs:
            for name, attribute, prefix in (
                ("indexed", "length_km", "rb_len"),
                ("specific_indexed", "exits", "rb_exits"),
            ):
                method = select.method(name)
                if method.unsupported_reason(option):
                    unsupported += 1
                    continue
                assert method.prepare is not None and method.cleanup is not None
                model, index = option.index("freeway", attribute, prefix)
                method.prepare(option, 0)
                try:
                    with connection.cursor() as cursor:
                        table = model._meta.db_table
                        found = connection.introspection.get_constraints(cursor, table)
                    assert found.get(index.name, {}).get("index"), (option.number, name, found)
                    ran += 1
                finally:
                    method.cleanup(option, 0)
    assert ran >= len(designs)  # indexed runs everywhere: the check above ran
    if url_fixture == "mysql_url":
        assert unsupported == 1  # option 5's JSON key, the only expression index


# --- issue 19, item 11 (fix-load-plugins): empty values, cache URLs, the exit-code table ------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["compare", "--options", ""], "--options is empty"),
        (["compare", "--options", " "], "--options is empty"),
        (["run", "--op", "select", "--sqlite", ""], "--sqlite is empty"),
        (["compare", "--sqlite", ""], "--sqlite is empty"),
        (["run", "--op", "select", "-m", "cached", "--cache", "redis://"], "names no host"),
        (
            ["run", "--op", "select", "-m", "cached", "--cache", "redis://127.0.0.1:6379/abc"],
            "the database after the host is a number",
        ),
        (["run", "--op", "select", "-m", "cached", "--cache", "redis://h:x/0"], "port"),
    ],
)
def test_an_empty_or_misread_value_is_refused_not_the_default(capsys, args, words):
    # Each meant the default (the seed study's designs, Django's SQLite settings, database 0 of
    # a Redis on localhost) without a word.
    outcome = cli(capsys, *args, "-n", "2")
    assert_one_line_error(outcome, 2, words)
    assert outcome.stdout == ""


def test_the_exit_code_table_has_one_row_for_3():
    from roadbench.cli.reference import exit_codes
    from roadbench.errors import DatabaseUnavailable, MasterUnreachable

    assert DatabaseUnavailable.exit_code == MasterUnreachable.exit_code == 3
    assert exit_codes()[3].startswith("a database or service that cannot be reached")
    assert (
        "| 3 | a database or service that cannot be reached"
        in (Path(__file__).resolve().parents[1] / "docs" / "cli.md").read_text()
    )


@pytest.fixture
def mysql_user_with_password(mysql_url):
    """(URL without a password, the password) of a MariaDB user that has one: the test URL's
    own user if it has a password, else a user of this test's own, dropped after."""
    from tests.conftest import mysql_cursor

    parts = urlsplit(mysql_url)
    where = f"{parts.hostname}:{parts.port or 3306}"
    if parts.password:
        yield f"mysql://{parts.username}@{where}/", parts.password
        return
    user, password = f"rbtest_pw_{os.getpid()}", f"Pw-{os.urandom(6).hex()}"
    try:
        with mysql_cursor(mysql_url) as cursor:
            cursor.execute(f"CREATE USER '{user}'@'{parts.hostname}' IDENTIFIED BY %s", [password])
            cursor.execute(f"GRANT ALL ON `roadbench\\_%`.* TO '{user}'@'{parts.hostname}'")
    except Exception as exc:  # a server user that may not create users: nothing to test with
        pytest.skip(f"the test's MariaDB user has no password and cannot make one ({exc})")
    try:
        yield f"mysql://{user}@{where}/", password
    finally:
        with mysql_cursor(mysql_url) as cursor:
            cursor.execute(f"DROP USER IF EXISTS '{user}'@'{parts.hostname}'")


def test_a_mysql_password_in_the_query_is_used(capsys, mysql_user_with_password):
    # ?password= was masked but ignored by the connection that creates the throwaway
    # database: "Access denied ... (using password: NO)", exit 3.
    url, password = mysql_user_with_password
    outcome = cli(capsys, "run", "-o", "1", "--op", "select", "-n", "2", "--fast", "--json",
                  "-d", f"{url}?password={quote(password, safe='')}")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["results"][0]["status"] == "ok"
    assert password not in outcome.stdout + outcome.stderr


# --- issue 19, item 3 (fix-writes-loader): no password in any command's output or files --------


@pytest.mark.postgres
@pytest.mark.slow
def test_no_command_shows_the_password_of_its_url_matrix_included(postgres_url, tmp_path):
    # Before, matrix's progress line showed the child's arguments as typed: '... -d
    # postgres://u:Hunter2@... under Django 5.2', on success and on failure.
    url, secret = _with_secret(postgres_url, "netloc")
    out = tmp_path / "out"
    out.mkdir()
    fast = ["-n", "4", "--fast", "-d", url]
    closed = url.replace(f":{urlsplit(url).port or 5432}/", ":1/")  # nothing listens on port 1
    runs = [
        command("doctor", "-d", url),
        command("run", "-o", "1", "--op", "select", *fast, "--save", str(out / "run.json")),
        command("compare", "--options", "1,2", *fast, "--save", str(out / "compare.json")),
        command("scaling", "select", "-o", "1", "--sizes", "2,4", "--repeat", "1", "-d", url,
                "--save", str(out / "scaling.json"), "--chart", str(out / "scaling.png")),
        command("queries", "select", "-o", "1", "-n", "4", "--sql", "-d", url),
        command("profile", "select", "-o", "1", "-n", "4", "-d", url, "--html",
                str(out / "p.html"), "--json", str(out / "p.json")),
        command("load", "-o", "1", "-u", "1", "-t", "1s", "-n", "20", "-d", url,
                "--save", str(out / "load.json")),
        command("cleanup", "--dry-run", "-d", url),
        command("run", "-o", "1", "--op", "select", "-n", "4", "-d", closed),
    ]  # fmt: skip
    assert [o.code for o in runs] == [0] * 8 + [3], [o.stderr for o in runs]
    runs += [
        command("report", str(out / "compare.json")),
        command("diff", str(out / "run.json"), str(out / "run.json")),
        command("chart", str(out / "compare.json"), "-o", str(out / "chart.png")),
    ]
    matrix = ["matrix", "--django", "5.2", "--save-dir", str(out / "matrix")]
    in_cache = {"XDG_CACHE_HOME": str(tmp_path / "cache")}  # the environment made once here
    written = 8  # the files the commands above save
    if django.VERSION[:2] == (5, 2):  # once, on the Django 5.2 stack, as tests/test_matrix.py
        written += 1  # matrix's file
        made = command(*matrix, "run", "-o", "1", "--op", "select", *fast, env=in_cache)
        failed = command(*matrix, "run", "-o", "1", "--op", "select", "-n", "4", "-d", closed,
                         env=in_cache)  # fmt: skip
        assert (made.code, failed.code) == (0, 3), (made.stderr, failed.stderr)
        # The user of the test's URL (postgres here, roadbench_ci in CI), its password masked.
        user = urlsplit(url).username
        assert f"-d postgres://{user}:***@" in made.stderr + failed.stderr
        runs += [made, failed]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert len(files) >= written
    for text in [o.stdout + o.stderr for o in runs] + [p.read_bytes().decode(errors="replace")
                                                        for p in files]:  # fmt: skip
        assert secret not in text
        assert quote(secret, safe="") not in text


# --- issue 19, item 11 (fix-writes-loader): %00 in a password, a dangling SQLite symlink ---------


@pytest.mark.parametrize(
    "url",
    [
        "postgres://bob:a%00b@127.0.0.1:1/app",
        "postgres://bob@127.0.0.1:1/app?password=a%00b",
        "postgres://bob:pw@127.0.0.1:1/a%00pp",
        "mysql://bob:a%00b@127.0.0.1:1/app",
    ],
)
@pytest.mark.parametrize("args", [["doctor"], ["run", "-o", "1", "--op", "select"], ["cleanup"]])
def test_a_nul_in_a_url_is_bad_input(capsys, url, args):
    # Before, psycopg's "embedded null character" ValueError was an internal error (exit 1).
    outcome = cli(capsys, *args, "-d", url)
    assert_one_line_error(outcome, 2, "NUL character (%00)")
    assert "a%00b" not in outcome.stderr and "a\x00b" not in outcome.stderr


@pytest.mark.parametrize("command_name", ["doctor", "run"])
def test_doctor_and_run_refuse_a_dangling_symlink_alike(capsys, tmp_path, command_name):
    # Before, doctor called it "a new file ..., removed at exit" where run refused it as "not
    # an SQLite database (unable to open database file)".
    link = tmp_path / "bench.db"
    link.symlink_to(tmp_path / "gone.db")
    args = ["doctor"] if command_name == "doctor" else ["run", "-o", "1", "--op", "create"]
    outcome = cli(capsys, *args, "-d", f"sqlite:///{link}")
    assert_one_line_error(outcome, 2, "is a symbolic link to", "which does not exist")
    assert outcome.stdout == ""
    assert link.is_symlink() and not (tmp_path / "gone.db").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["bench.db"]


# --- issue 19, item 6 (fix-writes-loader): a saved file's text is shown as text, its numbers
# are bounded

ESC = "\x1b"


def _renamed_method(name: str) -> Any:
    """The first case's method renamed to ``name`` wherever the file holds it (a comparison
    shows the methods of its plan and table)."""

    def rename(value: Any, old: str) -> Any:
        if isinstance(value, dict):
            return {k: rename(v, old) for k, v in value.items()}
        if isinstance(value, list):
            return [rename(v, old) for v in value]
        return name if value == old else value

    def change(data: dict[str, Any]) -> None:
        data.update(rename(data, data["results"][0]["method"]))

    return change


# (name, the change to a real saved run or comparison, what must appear in stdout) - shown
SHOWN_SAFELY = [
    ("markup-method", _renamed_method("[/bold]x"), "[/bold]x"),
    ("markup-everywhere", _set(("environment", "cpu"), "[red]cpu[/]"), "[red]cpu[/]"),
    ("ansi-method", _renamed_method(f"{ESC}[31mred{ESC}[0m"), r"\x1b[31mred"),
    ("ansi-title", _set(("environment", "cpu"), f"{ESC}]0;owned\x07cpu"), r"\x1b]0;owned\x07"),
    ("c1-csi", _set(("environment", "django"), "5.2\x9b31m"), r"5.2\x9b31m"),
]
# (name, the change, words of the one line) - refused
REFUSED = [
    ("rows-400-digits", _set(("results", 0, "rows"), int("9" * 400)), "results[0].rows"),
    ("rows-negative", _set(("results", 0, "rows"), -5), "results[0].rows"),
    ("status-weird", _set(("results", 0, "status"), "weird"), "results[0].status"),
    ("times-1e308", _set(("results", 0, "times_s"), [1e308, 1e308, 1e308]), "times_s[0]"),
    ("times-over-a-day", _set(("results", 0, "times_s"), [1e5, 1e5, 1e5]), "at most 86,400 s"),
    ("median-1e308", _set(("results", 0, "median_s"), 1e308), "median_s"),
    ("compare-rows-negative", _set(("rows",), -5), "rows"),
]


@pytest.mark.parametrize(
    ("name", "change", "shown"), SHOWN_SAFELY, ids=[case[0] for case in SHOWN_SAFELY]
)
@pytest.mark.parametrize("kind", ["run", "compare"])
def test_text_from_a_saved_file_is_never_markup_or_terminal_control(
    capsys, tmp_path, saved, kind, name, change, shown
):
    # Before, report and diff of a method "[/bold]x" were internal errors (Rich's
    # MarkupError, exit 1), and an escape sequence in a file reached the terminal.
    edited = tmp_path / "edited.json"
    edited.write_text(_broken(saved, kind, change))
    # A run's one case renamed has no case in common with the saved run (diff refuses that):
    # diffed with itself, its rows show the method.
    other = edited if "method" in name and kind == "run" else saved[kind]
    for args in (
        ["report", str(edited)],
        ["report", str(edited), "-f", "markdown"],
        ["report", str(edited), "-f", "csv"],
        ["diff", str(other), str(edited)],
        ["diff", str(edited), str(other), "-f", "markdown"],
    ):
        outcome = cli(capsys, *args)
        assert outcome.code == 0, (args, outcome.stderr)
        assert ESC not in outcome.stdout + outcome.stderr and "\x07" not in outcome.stdout
        assert "\x9b" not in outcome.stdout
        # Where the text is shown at all: the environment only in report's table, a method
        # in every listing of cases (a comparison's markdown and CSV show ratios by op).
        table = args == ["report", str(edited)]
        if table or ("method" in name and (kind == "run" or args[0] == "diff")):
            assert shown in outcome.stdout, (args, outcome.stdout)


@pytest.mark.parametrize(("name", "change", "words"), REFUSED, ids=[case[0] for case in REFUSED])
def test_a_saved_number_out_of_range_or_an_unknown_status_is_refused(
    capsys, tmp_path, saved, name, change, words
):
    # Before, these were read: a 400-digit row count was an OverflowError, times of 1e308
    # showed "inf ±nan" (and diff called the change "no significant change"), rows -5 and
    # status "weird" were shown as they were.
    kind = "compare" if name.startswith("compare") else "run"
    edited = tmp_path / "edited.json"
    edited.write_text(_broken(saved, kind, change))
    for args in (
        ["report", str(edited)],
        ["report", str(edited), "-f", "csv"],
        ["diff", str(saved[kind]), str(edited)],
        ["diff", str(edited), str(saved[kind]), "--json"],
    ):
        outcome = cli(capsys, *args)
        assert_one_line_error(outcome, 2, words)
        assert outcome.stdout == ""


def _with_times(saved: dict[str, Path], times: list[float]) -> str:
    def change(data: dict[str, Any]) -> None:
        data["results"] = data["results"][:1]
        data["results"][0]["times_s"] = times

    return _broken(saved, "run", change)


def test_a_change_of_a_million_times_is_slower(capsys, tmp_path, saved):
    base, new = tmp_path / "base.json", tmp_path / "new.json"
    base.write_text(_with_times(saved, [0.001 + i * 1e-6 for i in range(20)]))
    new.write_text(_with_times(saved, [1000.0 + i for i in range(20)]))
    outcome = cli(capsys, "diff", str(base), str(new), "--json")
    assert outcome.code == 0, outcome.stderr
    (case,) = json.loads(outcome.stdout)["cases"]
    assert case["verdict"] == "slower" and case["significant"]
    assert case["ratio"] == pytest.approx(1009.5 / 0.0010095)


def test_diff_of_200000_values_is_right(capsys, tmp_path, saved):
    # Before, diff of a file with 200,000 values ran for minutes: the median's interval
    # computed math.comb(n, j) / 2**n for every j up to n/2, numbers of n bits.
    # benchmarks/diff_many_values.py times it.
    scipy_stats = pytest.importorskip("scipy.stats")
    import random

    generator = random.Random(19)
    before = [generator.lognormvariate(-7, 0.1) for _ in range(200_000)]
    after = [generator.lognormvariate(-6.999, 0.1) for _ in range(200_000)]
    base, new = tmp_path / "base.json", tmp_path / "new.json"
    base.write_text(_with_times(saved, before))
    new.write_text(_with_times(saved, after))
    outcome = cli(capsys, "diff", str(base), str(new), "--json", "--min-change", "0")
    assert outcome.code == 0, outcome.stderr
    (case,) = json.loads(outcome.stdout)["cases"]
    expected = scipy_stats.mannwhitneyu(before, after, alternative="two-sided", method="asymptotic")
    assert case["test"] == "normal"
    assert case["p_value"] == pytest.approx(expected.pvalue, rel=1e-9)
    # The noise: the medians' 95% intervals (order statistics), as scipy's quantile test has them.
    widths = []
    for values in (before, after):
        low, high = scipy_stats.quantile_test(values, q=0.5, p=0.5).confidence_interval(0.95)
        widths.append((high - low) / 2 / statistics.median(values))
    assert case["noise"] == pytest.approx(math.hypot(*widths), rel=1e-12)


def _children(pid: int) -> set[int]:
    """The processes ``pid`` started (its threads' children, as /proc lists them)."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found |= {int(child) for child in (task / "children").read_text().split()}
    return found


def _catches(pid: int, signum: signal.Signals) -> bool:
    """Whether ``pid`` has a handler of its own for ``signum`` (SigCgt in /proc/PID/status)."""
    status = Path(f"/proc/{pid}/status").read_text()
    caught = int(re.search(r"^SigCgt:\s*([0-9a-f]+)$", status, re.M).group(1), 16)
    return bool(caught >> (signum - 1) & 1)


def _wait_until(check: Any, proc: subprocess.Popen[str], what: str) -> Any:
    deadline = time.monotonic() + 120  # a bound on a broken run, not a timing assertion
    while not (found := check()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"{what} never happened: {proc.communicate()[1]}")
        time.sleep(0.01)
    return found


def _start(args: list[str], tmpdir: Path) -> subprocess.Popen[str]:
    """``roadbench ARGS`` as from a terminal, with a TMPDIR of its own (to see its leftovers)."""
    return subprocess.Popen(
        [*ROADBENCH, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(tmpdir)}, preexec_fn=default_stop_signals,
    )  # fmt: skip


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("roadbench: error:")]


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="needs valgrind")
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=lambda s: s.name)
def test_a_signal_while_instructions_are_counted_ends_valgrind_and_its_files(tmp_path, signum):
    # SIGTERM gave rc -15 with no line, valgrind ran on as an orphan and its
    # roadbench-callgrind-* directory stayed; Ctrl-C killed valgrind outright, leaving its
    # gdbserver FIFOs (and a server database of the child's would have stayed too).
    proc = _start(["run", "-o", "1", "--op", "select", "-n", "2", "--instructions"], tmp_path)
    child = None
    try:
        child = min(
            _wait_until(
                lambda: list(tmp_path.glob("roadbench-callgrind-*")) and _children(proc.pid),
                proc, "the valgrind child",
            )
        )  # fmt: skip
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == 130, err
        assert _error_lines(err) == ["roadbench: error: interrupted"], err
        assert "Traceback" not in err
        # Ended by roadbench, not left to init: gone once roadbench is (reaped by it).
        assert not Path(f"/proc/{child}").exists()
        assert list(tmp_path.iterdir()) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if child is not None and Path(f"/proc/{child}").exists():
            os.kill(child, signal.SIGKILL)


def test_the_stop_signals_are_roadbenchs_before_the_cli_is_imported():
    # SIGTERM or SIGHUP in the first ~0.45 s (the CLI's imports) gave rc -15/-1 and no line:
    # roadbench took them over only when its database was made. The child records whether
    # the CLI (typer) was already imported when SIGTERM first got a handler.
    code = (
        "import signal, sys, runpy\n"
        "real = signal.signal\n"
        "def spy(signum, handler):\n"
        "    if signum == signal.SIGTERM and not hasattr(sys, 'first_sigterm'):\n"
        "        sys.first_sigterm = 'typer' in sys.modules\n"
        "        print('cli imported:', sys.first_sigterm, file=sys.stderr)\n"
        "    return real(signum, handler)\n"
        "signal.signal = spy\n"
        "sys.argv = ['roadbench', 'run', '-o', '1', '--op', 'create', '-n', '2', '--repeat', '1']\n"
        "runpy.run_module('roadbench', run_name='__main__')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[0] == "cli imported: False", done.stderr


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=lambda s: s.name)
def test_a_signal_as_soon_as_roadbench_takes_it_over_is_exit_130_and_one_line(tmp_path, signum):
    proc = _start(["run", "-o", "1", "--op", "create", "-n", "20", "--repeat", "1"], tmp_path)
    try:
        _wait_until(lambda: _catches(proc.pid, signum), proc, "the handler")
        proc.send_signal(signum)
        _out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    assert len(_error_lines(err)) == 1 and err.strip().splitlines()[-1].startswith(
        "roadbench: error: interrupted"
    ), err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def _stderr_once_ended(proc: subprocess.Popen[str]) -> str:
    """The process's stderr once it has ended; killed if it does not (the test fails)."""
    try:
        return proc.communicate(timeout=120)[1]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def _press_ctrl_c_twice(proc: subprocess.Popen[str], gap_s: float) -> str:
    """Two SIGINTs ``gap_s`` apart, as a user's two presses; its stderr once it has ended."""
    proc.send_signal(signal.SIGINT)
    time.sleep(gap_s)  # the gap between the presses; not an assertion
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(signal.SIGINT)
    return _stderr_once_ended(proc)


@pytest.mark.parametrize("after_s", [0.0, 0.6, 1.0, 1.5])
def test_two_ctrl_c_close_together_are_exit_130_and_one_line(tmp_path, after_s):
    # Two Ctrl-C 20-50 ms apart sometimes gave rc -2, once a KeyboardInterrupt traceback.
    proc = _start(["run", "-o", "1", "--op", "create", "-n", "20", "--repeat", "3"], tmp_path)
    _wait_until(lambda: _catches(proc.pid, signal.SIGTERM), proc, "the handler")
    time.sleep(after_s)  # where in the run the pair lands; not an assertion
    err = _press_ctrl_c_twice(proc, 0.03)
    assert proc.returncode in (130, 0), err  # 0: the run ended before the pair
    assert "Traceback" not in err
    if proc.returncode == 130:
        assert len(_error_lines(err)) == 1, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("landing", ["starting", "measuring"])
def test_two_ctrl_c_a_moment_apart_are_exit_130_and_leave_nothing(tmp_path, landing):
    # A user's two presses, 0.3 s apart, into a compare that would last minutes: once as soon
    # as roadbench takes the signals over, once when its throwaway SQLite file exists.
    proc = _start(["compare", "-n", "200"], tmp_path)
    # SIGTERM's: Python catches SIGINT itself from its start, roadbench takes both over.
    _wait_until(lambda: _catches(proc.pid, signal.SIGTERM), proc, "the handler")
    if landing == "measuring":
        # The file, not its directory: it is made once the run's cleanup covers both.
        _wait_until(lambda: list(tmp_path.glob("roadbench*/*.sqlite3")), proc, "the file")
    err = _press_ctrl_c_twice(proc, 0.3)
    assert proc.returncode == 130, err
    fate = "; the temporary SQLite file was removed" if landing == "measuring" else ""
    assert _error_lines(err) == [f"roadbench: error: interrupted{fate}"], err
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


STOPS_WHILE_NAMED = """
import signal


class StopsWhileNamed:
    def __set_name__(self, owner, name):
        signal.raise_signal(signal.SIGINT)  # Ctrl-C while Python creates the class


class Model:
    field = StopsWhileNamed()
"""
# Ctrl-C in code that an exec of a string runs, as a dataclass's or a namedtuple's methods.
STOPS_IN_AN_EXEC = 'exec("import signal; signal.raise_signal(signal.SIGINT)")\n'


@pytest.mark.parametrize(
    "bench_file",
    [
        # Python 3.11 wraps a KeyboardInterrupt raised in __set_name__ (Ctrl-C while Django
        # builds a model, or a bench file's class is made) in a RuntimeError: "internal
        # error" (exit 1), here "importing it failed: RuntimeError ..." (exit 2).
        pytest.param(STOPS_WHILE_NAMED, id="wrapped-by-an-error"),
        # One that leaves an exec of a string is noted by CPython, and `python -m roadbench`
        # then ended itself with SIGINT at exit: -2 after the "interrupted" line.
        pytest.param(STOPS_IN_AN_EXEC, id="leaving-an-exec"),
    ],
)
def test_ctrl_c_while_python_makes_code_is_exit_130_and_one_line(tmp_path, bench_file):
    bench, temporary = tmp_path / "bench", tmp_path / "tmp"
    bench.mkdir()
    temporary.mkdir()
    (bench / "bench_stops.py").write_text(bench_file)
    proc = _start(["scenarios", "--scenarios", str(bench)], temporary)
    err = _stderr_once_ended(proc)
    assert proc.returncode == 130, err
    assert _error_lines(err) == ["roadbench: error: interrupted"], err
    assert "Traceback" not in err
    assert list(temporary.iterdir()) == []


def test_a_second_signal_while_the_first_interrupt_travels_is_not_raised():
    # The inner guard (a database's) raised on the first signal; the outer one (the entry
    # point's, the whole process) raised again on a second while the interrupt travelled
    # out: a KeyboardInterrupt in the middle of the error handling, a traceback.
    from roadbench.database import signals_as_interrupt

    raised = []
    with signals_as_interrupt():
        try:
            with signals_as_interrupt():
                signal.raise_signal(signal.SIGTERM)
        except KeyboardInterrupt:
            raised.append("first")
        signal.raise_signal(signal.SIGTERM)  # the outer guard's, while "handling" the first
        raised.append("handled")
    assert raised == ["first", "handled"]


# --- issue 19, item 11 (fix-load-plugins), continued: a user's SQLite file keeps its journal


def _journal_is_wal(path: Path) -> bool:
    """The file's header says WAL (its write version, byte 18, is 2)."""
    return path.read_bytes()[18] == 2


def test_a_users_empty_sqlite_file_is_not_left_in_wal_mode(capsys, tmp_path):
    # --sqlite journal_mode=WAL measured WAL, and left the user's file in WAL mode for good.
    mine = tmp_path / "mine.sqlite3"
    mine.touch()
    outcome = cli(capsys, "run", "-o", "1", "--op", "select", "-n", "2", "--fast",
                  "--sqlite", "journal_mode=WAL", "--json", "-d", f"sqlite:///{mine}")  # fmt: skip
    assert outcome.code == 0, outcome.stderr
    assert json.loads(outcome.stdout)["environment"]["sqlite_journal_mode"] == "WAL"
    assert not _journal_is_wal(mine)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.sqlite3"]  # no -wal, no -shm


# --- issue 21, item 4 (plugins): --plugin takes a package, a comma list, the current directory;
# --- check-plugin ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("OPTIONS = 'x'\n", "OPTIONS is 'x', not a list or tuple of roadbench designs"),
        ("OPERATIONS = [3]\n", "OPERATIONS[0] is 3, not a roadbench op"),
        ("OPTIONS = []\n", "defines none of OPTION, OPTIONS, OPERATION, OPERATIONS"),
    ],
    ids=["options_text", "operations_number", "options_empty"],
)
def test_a_plugins_list_of_designs_or_ops_that_is_not_one_is_exit_2(
    capsys, tmp_path, monkeypatch, source, words
):
    module = f"rb_adversarial_list_{abs(hash(source))}"
    (tmp_path / f"{module}.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    outcome = cli(capsys, "--plugin", module, "options", "--json")
    assert_one_line_error(outcome, 2, module, words)


@pytest.mark.parametrize("value", [",", "a,,b", " ,x"])
def test_a_plugin_list_with_an_empty_name_is_exit_2(capsys, value):
    outcome = cli(capsys, "--plugin", value, "options")
    assert_one_line_error(outcome, 2, "has an empty name in its list")


def test_a_package_that_defines_nothing_says_so_naming_its_submodules(
    capsys, tmp_path, monkeypatch
):
    package = tmp_path / "rb_adversarial_empty_package"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helpers.py").write_text("X = 1\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    outcome = cli(capsys, "--plugin", package.name, "options")
    assert_one_line_error(outcome, 2, "the package or its submodules defines none of OPTION")


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["rb_adversarial_no_such_plugin"], "cannot import it"),
        (["roadbench.designs.roads.single_table"], "defines no design or op of its own"),
        (["rb_adversarial_no_such_plugin", "--rows", "1"], "--rows must be at least 2"),
        (["rb_adversarial_no_such_plugin", "--database", ""], "--database"),
    ],
    ids=["missing", "roadbenchs_own", "rows", "empty_database"],
)
def test_check_plugin_on_what_is_no_plugin_is_exit_2(capsys, args, words):
    outcome = cli(capsys, "check-plugin", *args)
    assert_one_line_error(outcome, 2, words)
    assert outcome.stdout == ""


# --- issue 19, items 4 and 8 (cleanup drops only what roadbench marked; temporary leftovers)
# and item 11's cleanup table (its name column kept whole at 100 columns and below) ----------
# Each case makes its own objects and asserts only on them: `roadbench cleanup` removes other
# dead leftovers on the shared server too, which is its documented job.


@pytest.fixture
def kit() -> Any:
    """tests/database/test_cleanup.py's helpers (imported here: this file loads without them)."""
    import tests.database.test_cleanup

    return tests.database.test_cleanup


@pytest.mark.postgres
@pytest.mark.parametrize("kind", ["database", "schema"])
def test_cleanup_leaves_a_users_filled_look_alike_whole(own_role, kit, kind):
    """Issue 19 item 3: a database (or a schema in the user's own database) named
    roadbench_20250101000000_1_<hex>, made and filled by the user, was dropped with CASCADE.
    Without roadbench's mark it is listed as left alone, not looked into, and stays row for
    row; doctor does not count it."""
    from roadbench.database.backend import LEFT_ALONE

    url = own_role(kind == "database")
    name = kit.look_alike()
    with kit.admin_cursor(url) as cur:
        cur.execute(f'CREATE {kind.upper()} "{name}"')
    kit.fill(url, kind, name, "precious", 50)
    before = kit.pg_tables(url, kind, name)
    try:
        for extra in (["--dry-run"], []):
            item = kit.listed(kit.cleanup_json(url, *extra), name)
            assert item == {
                "kind": kind,
                "name": name,
                "status": LEFT_ALONE,
                "holds": "",
                "tables": None,
            }
        doctor = json.loads(kit.roadbench("doctor", "--database", url, "--json").stdout)
        assert name not in {i["name"] for i in doctor["leftovers"]}
        assert kit.existing(url, kind, {name}) == {name}
        assert kit.pg_tables(url, kind, name) == before
        assert len(before["precious"]) == 50
    finally:
        with kit.admin_cursor(url) as cur:
            cascade = " CASCADE" if kind == "schema" else ""
            cur.execute(f'DROP {kind.upper()} IF EXISTS "{name}"{cascade}')


@pytest.mark.mysql
def test_cleanup_leaves_a_users_filled_mariadb_look_alike_whole(mysql_url, kit):
    """Issue 19 item 3: on MariaDB any visible database of a run's pattern was dropped, whoever
    made it. Without roadbench's mark it is listed as left alone and stays row for row."""
    from roadbench.database.backend import LEFT_ALONE

    name = kit.look_alike()
    with kit.mysql_cursor(mysql_url) as cur:
        cur.execute(f"CREATE DATABASE `{name}`")
    try:
        kit.mysql_fill(mysql_url, name, "precious", 50)
        before = kit.mysql_rows(mysql_url, name)
        for extra in (["--dry-run"], []):
            item = kit.listed(kit.cleanup_json(mysql_url, *extra), name)
            assert item is not None and item["status"] == LEFT_ALONE and item["tables"] is None
        assert kit.mysql_existing(mysql_url, {name}) == {name}
        assert kit.mysql_rows(mysql_url, name) == before and len(before["precious"]) == 50
    finally:
        with kit.mysql_cursor(mysql_url) as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{name}`")


@pytest.mark.mysql
def test_a_killed_mariadb_runs_database_and_rows_file_go_with_what_they_held(
    mysql_url, kit, tmp_path
):
    """Issue 19 items 3 and 8: a real run SIGKILLed while it writes rows with LOAD DATA leaves
    its database and the directory of its rows file (a 1 MB roadbench_*.tsv of table data
    before). Dry-run lists both with what they hold; cleanup removes both."""
    from tests.conftest import mysql_names_of_run

    env = kit.own_temp(tmp_path)
    since = kit.utc_stamp()
    proc = kit.start([*kit.RAW_WRITES, "--database", mysql_url], env=env)
    try:
        (name,) = kit.wait_until(lambda: mysql_names_of_run(mysql_url, proc.pid, since), proc)
        (rows_dir,) = kit.wait_until(lambda: kit.rows_directories(tmp_path), proc)
    finally:
        proc.kill()
        proc.communicate(timeout=60)
    kit.wait_until(lambda: kit.mysql_let_go(mysql_url, name))
    kit.mysql_fill(mysql_url, name, "looked_into", 4)
    inside = {table: len(rows) for table, rows in kit.mysql_rows(mysql_url, name).items()}

    report = kit.cleanup_json(mysql_url, "--dry-run", env=env)
    item = kit.listed(report, name)
    assert item is not None and item["status"] == "would be removed"
    assert item["tables"] == inside and inside["looked_into"] == 4
    assert kit.statuses(report)[str(rows_dir)] == "would be removed"
    assert rows_dir.exists() and kit.mysql_existing(mysql_url, {name}) == {name}

    found = kit.statuses(kit.cleanup_json(mysql_url, env=env))
    assert found[name] == "removed" and found[str(rows_dir)] == "removed"
    assert not rows_dir.exists() and kit.mysql_existing(mysql_url, {name}) == set()


def _killed_in(tmp_path: Path, kit: Any, args: list[str], ready: Any) -> None:
    """Start roadbench with ``tmp_path`` as its temporary directory, SIGKILL it (it alone, as
    the OOM killer would) once ``ready(pid)``, then end what it started (its process group)."""
    import contextlib
    import signal

    proc = subprocess.Popen(
        [*ROADBENCH, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=kit.own_temp(tmp_path),
        start_new_session=True,
    )
    try:
        kit.wait_until(lambda: ready(proc.pid), proc)
    finally:
        proc.kill()
        proc.communicate(timeout=60)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)


def test_a_killed_load_tests_directory_is_removed_by_cleanup(kit, tmp_path):
    """Issue 19 item 8: `roadbench_load_*` stayed after a SIGKILL, out of cleanup's sight.
    Killed once the target app's log is there: the directory is made (and marked) before."""
    # Found, not imported: importing locust here lets gevent patch this process's threading
    # (the signal tests that ran after it hung, their threads greenlets).
    if importlib.util.find_spec("locust") is None:
        pytest.skip("locust is not installed (the load extra)")
    logs = lambda _pid: list(tmp_path.glob("roadbench_load_*/server.log"))  # noqa: E731
    _killed_in(tmp_path, kit, ["load", "-o", "1", "-u", "1", "-t", "60s", "-n", "20"], logs)
    (directory,) = {log.parent for log in logs(0)}
    found = kit.statuses(kit.cleanup_json(None, env=kit.own_temp(tmp_path)))
    assert found[str(directory)] == "removed"
    assert not directory.exists()


def test_a_killed_instruction_counts_directory_is_removed_by_cleanup(kit, tmp_path):
    """Issue 19 item 8: `roadbench-callgrind-*` stayed after a SIGKILL, out of cleanup's sight.
    Killed once valgrind runs: the directory is made (and marked) before."""
    import shutil

    from tests.load.conftest import children

    if shutil.which("valgrind") is None:
        pytest.skip("needs valgrind")

    def valgrind_runs(pid: int) -> bool:
        return any("valgrind" in line for line in children(pid).values())

    args = ["run", "-o", "1", "--op", "select", "-n", "20", "--instructions"]
    _killed_in(tmp_path, kit, args, valgrind_runs)
    (directory,) = tmp_path.glob("roadbench-callgrind-*")
    found = kit.statuses(kit.cleanup_json(None, env=kit.own_temp(tmp_path)))
    assert found[str(directory)] == "removed"
    assert not directory.exists()


@pytest.mark.parametrize("columns", range(40, 101, 4))
def test_the_cleanup_table_keeps_each_name_whole(columns):
    """Issue 19 item 11: at 100 columns and below a long status squeezed the name column out
    (it showed as an empty column, 'ki…' beside it). Each name is whole on one line wherever
    the console is wider than it and the other columns' least; narrower, it folds."""
    from rich.console import Console

    from roadbench.database.backend import LEFT_ALONE, Leftover
    from roadbench.database.cleanup import CleanupReport
    from roadbench.render.console import cleanup_table

    name = "roadbench_20261205073629_25690_cfd526"
    refused = f'not removed: database "{name}" is being accessed by other users'
    leftovers = [
        Leftover("database", name, refused),
        Leftover("schema", name.replace("526", "527"), LEFT_ALONE),
        Leftover("directory", "/tmp/roadbench_load_x8d7f6g5", "removed"),
    ]
    leftovers[0].holds, leftovers[2].holds = "3 tables, 3,000 rows", "2 files, 1.0 MiB"
    report = CleanupReport("postgres://me:***@127.0.0.1:5432/postgres", "/tmp", False, leftovers)
    console = Console(width=columns, record=True, force_terminal=False)
    console.print(cleanup_table(report))
    out = console.export_text()
    assert "…" not in out and all(len(line) <= columns for line in out.splitlines())
    # Whole wherever the two-column layout leaves the status its least (14) beside the name.
    if columns >= len(name) + 7 + 14:
        for item in report.leftovers:
            assert any(item.name in line for line in out.splitlines()), out


# === issue 20, items 2 and 5 (thin-cli) =====================================================
# 2: every command goes through roadbench.api; the library's errors name its parameters and
#    the command line words them as its flags, the same line as before;
# 5: compare --ops: an op is named or left out like a design is.

# (arguments, the whole error line after "roadbench: error: ")
FLAG_WORDED = [
    (
        ["run", "-o", "1", "--op", "create", "-n", "1"],
        "--rows must be at least 2 (one freeway and one tollroad), not 1",
    ),
    (
        ["scaling", "create", "--sizes", "1,10"],
        "--sizes must be at least 2 (one freeway and one tollroad), not 1",
    ),
    (["run", "-o", "1", "--op", "create", "--repeat", "0"], "--repeat must be at least 1, not 0"),
    (["compare", "--min-effect", "100"], "--min-effect must be from 0 to 100 (%), not 100"),
    (
        ["run", "-o", "1", "--op", "create", "--fast", "--rigorous"],
        "--fast and --rigorous contradict each other; choose one",
    ),
    (["queries", "select", "--analyze"], "--analyze goes with --explain"),
    (
        ["run", "-o", "1", "--op", "create", "--sqlite", "journal_mode=NOPE"],
        "--sqlite 'journal_mode=NOPE': use journal_mode=DELETE|TRUNCATE|PERSIST|MEMORY|WAL|OFF; "
        "synchronous=OFF|NORMAL|FULL|EXTRA, comma-separated",
    ),
    (["compare", "--ops", ","], "--ops names no op (see `roadbench ops`)"),
]


@pytest.mark.parametrize(("args", "line"), FLAG_WORDED)
def test_a_library_error_is_worded_with_the_flag_typed(capsys, args, line):
    outcome = cli(capsys, *args)
    assert_one_line_error(outcome, 2)
    assert outcome.stderr == f"roadbench: error: {line}\n"


def test_the_library_names_its_parameters_not_flags():
    from roadbench import api
    from roadbench.errors import BadInput

    with pytest.raises(BadInput) as rows:
        api.check_rows(1)
    assert str(rows.value) == "rows must be at least 2 (one freeway and one tollroad), not 1"
    with pytest.raises(BadInput) as both:
        api.preset_timing(api.FEW_TIMING, fast=True, rigorous=True)
    assert str(both.value) == "fast and rigorous contradict each other; choose one"
    with pytest.raises(BadInput) as sizes:
        api.scaling("create", sizes=(100, 100))
    assert str(sizes.value) == "sizes needs at least two different sizes"


def test_compare_refuses_an_unknown_op_before_any_work(capsys, tmp_path):
    outcome = cli(capsys, "compare", "--ops", "create,nope", "--save", str(tmp_path / "c.json"))
    assert_one_line_error(outcome, 2, "unknown op 'nope'; choose one of create, select")
    assert list(tmp_path.iterdir()) == []


# --- issue 22, items 2 and 3 (advise): --model and advise refuse what is no hierarchy ----------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("run", "--op", "select"), "name a design: --option (see `roadbench options`) or --model"),
        (("compare", "--model", "Product"), "--model 'Product': name a model as app_label"),
        (("queries", "select", "--model", "roadbench.Nope"), "doesn't have a 'Nope' model"),
        (("advise", "roadbench.Nope"), "--model roadbench.Nope: App 'roadbench' doesn't have"),
        (("advise", ""), "--model names no model"),
        (("advise", "roadbench.HtBook"), "is itself a child of roadbench.HtProduct"),
        (("advise", "roadbench.HtBestseller"), "is a proxy: name a concrete model"),
        (("compare", "--model", ""), "--model"),
        (
            ("compare", "--model", "roadbench.HtProduct", "--instructions"),
            "--instructions does not measure --model designs yet",
        ),
    ],
)
def test_what_is_no_hierarchy_is_one_line_and_exit_2(capsys, args, words):
    from tests.designs import hierarchy_models  # noqa: F401 (the models the commands name)

    assert_one_line_error(cli(capsys, *args), 2, words)
