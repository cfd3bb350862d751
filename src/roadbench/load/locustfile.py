"""roadbench's locustfile: users reading and writing roads of one option of the target app.

Run by ``roadbench load`` as ``python -m locust -f <this file>`` in its own process (never
imported by roadbench itself). Options come from Locust's own command line, so that in
distributed mode the master hands them to every worker:

    --roadbench-option N        the option whose endpoints to load (1, 2, 3)
    --roadbench-mix R,W         percentages of reads (list, read one) and writes (create, update)
    --roadbench-latency FILE    where the master (or a local run) writes the latencies

Locust rounds response times above 100 ms and keeps whole milliseconds below it; roadbench
needs to tell 2 ms from 3 ms on localhost, so each request's time is also kept in 0.01 ms
buckets here, sent from workers to the master, and written to FILE at the end.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from typing import Any

from locust import HttpUser, events, task
from locust.runners import WorkerRunner

BUCKET_MS = 0.01
_latencies: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
_failures: dict[str, int] = defaultdict(int)


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    parser.add_argument("--roadbench-option", type=int, default=1, include_in_web_ui=False)
    parser.add_argument("--roadbench-mix", default="80,20", include_in_web_ui=False)
    parser.add_argument("--roadbench-latency", default="", include_in_web_ui=False)


@events.request.add_listener
def _record(name: str, response_time: float, exception: Any = None, **_: Any) -> None:
    if name == "meta":
        return
    _latencies[name][int(response_time / BUCKET_MS)] += 1
    if exception is not None:
        _failures[name] += 1


@events.report_to_master.add_listener
def _send(client_id: str, data: dict[str, Any]) -> None:
    data["roadbench_latency"] = {n: dict(b) for n, b in _latencies.items()}
    data["roadbench_failures"] = dict(_failures)
    _latencies.clear()
    _failures.clear()


@events.worker_report.add_listener
def _receive(client_id: str, data: dict[str, Any]) -> None:
    for name, buckets in data.get("roadbench_latency", {}).items():
        for bucket, count in buckets.items():
            _latencies[name][int(bucket)] += count
    for name, count in data.get("roadbench_failures", {}).items():
        _failures[name] += count


@events.quitting.add_listener
def _write(environment: Any, **_: Any) -> None:
    target = environment.parsed_options.roadbench_latency if environment.parsed_options else ""
    if not target or isinstance(environment.runner, WorkerRunner):
        return
    with open(target, "w") as out:
        json.dump(
            {
                "bucket_ms": BUCKET_MS,
                "latency": {n: dict(b) for n, b in _latencies.items()},
                "failures": dict(_failures),
            },
            out,
        )


class RoadUser(HttpUser):
    """Reads and writes freeways and tollroads of one option, as the mix says."""

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.option = options.roadbench_option
        reads, writes = (float(x) for x in options.roadbench_mix.split(","))
        self.read_share = reads / (reads + writes)
        meta = self.client.get(f"/o{self.option}/meta/", name="meta").json()
        self.ids = meta["ids"]
        self.page_size = meta["page_size"]

    @task
    def act(self) -> None:
        road_type = random.choice(("freeway", "tollroad"))
        pk = random.choice(self.ids[road_type])
        base = f"/o{self.option}/roads/{road_type}/"
        if random.random() < self.read_share:
            if random.random() < 0.5:
                pages = max(1, len(self.ids[road_type]) // self.page_size)
                self.client.get(f"{base}?page={random.randrange(pages)}", name="list")
            else:
                self.client.get(f"{base}{pk}/", name="read")
        elif random.random() < 0.5:
            self.client.post(base, name="create")
        else:
            self.client.post(f"{base}{pk}/", name="update")
