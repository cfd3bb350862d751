"""The target app: JSON endpoints over the same road data for each option.

Per option N, under ``/o<N>/``:
    GET  roads/<type>/?page=P       a page of 50 roads with a type-specific attribute (1 query)
    GET  roads/<type>/<id>/         one road
    POST roads/<type>/              create a road
    POST roads/<type>/<id>/         update a road (lanes + 1)
    GET  meta/                      the id range of each type (for the load generator)
plus ``GET /stats/`` and ``POST /stats/reset/``: queries per request, counted in this process.
"""

from __future__ import annotations

import random
import threading
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from roadbench.designs import OPTIONS, get_option

PAGE_SIZE = 50

_lock = threading.Lock()
_stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # endpoint -> [requests, queries]


class QueryCountMiddleware:
    """Counts the statements each request sends, per endpoint, in the server process."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            nonlocal count
            count += len(params) if many and isinstance(params, (list, tuple)) else 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        endpoint = endpoint_name(request)
        if endpoint is not None:
            with _lock:
                entry = _stats[endpoint]
                entry[0] += 1
                entry[1] += count
        return response


# (HTTP method, URL name) -> the endpoint's name in reports, the same names Locust uses.
ENDPOINTS = {
    ("GET", "roads"): "list",
    ("POST", "roads"): "create",
    ("GET", "road"): "read",
    ("POST", "road"): "update",
}


def endpoint_name(request: HttpRequest) -> str | None:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    return ENDPOINTS.get((request.method or "", match.url_name or ""))


def _road_json(option: Any, road: Any, road_type: str) -> dict[str, Any]:
    """An entity as a page shows it: its label, counter and its type's own number."""
    study = option.study
    column = study.specific_field(road_type)
    return {
        "id": road.pk,
        **{
            name: option.value(road, road_type, name)
            for name in (study.label_field, study.counter_field)
        },
        column: str(option.value(road, road_type, column)),
    }


def _type(option: Any, road_type: str) -> str:
    if road_type not in option.types:
        raise Http404(f"no {option.study.entity} type {road_type!r}")
    return road_type


def list_roads(request: HttpRequest, option: int, road_type: str) -> JsonResponse:
    road_option = get_option(option)
    page = max(0, int(request.GET.get("page", "0")))
    # One query: on option 3 the child's queryset joins its parent row already.
    roads = road_option.queryset(_type(road_option, road_type)).order_by("pk")[
        page * PAGE_SIZE : (page + 1) * PAGE_SIZE
    ]
    return JsonResponse({"roads": [_road_json(road_option, r, road_type) for r in roads]})


@csrf_exempt
def road_detail(request: HttpRequest, option: int, road_type: str, pk: int) -> JsonResponse:
    road_option = get_option(option)
    road = road_option.queryset(_type(road_option, road_type)).filter(pk=pk).first()
    if road is None:
        return JsonResponse({"error": "no such road"}, status=404)
    if request.method == "POST":
        counter = road_option.study.counter_field
        setattr(road, counter, getattr(road, counter) % 8 + 1)
        road.save(update_fields=[counter])
    return JsonResponse(_road_json(road_option, road, road_type))


@csrf_exempt
def create_road(request: HttpRequest, option: int, road_type: str) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"error": "POST only"}, status=405)
    road_option = get_option(option)
    road = road_option.save_new(_type(road_option, road_type), random.randrange(1_000_000))
    return JsonResponse(_road_json(road_option, road, road_type), status=201)


META_IDS = 1000


def meta(request: HttpRequest, option: int) -> JsonResponse:
    """Ids of existing roads per type (up to 1,000 each), for the load generator to pick from.

    Ids are listed, not given as a range: on options 1 and 3 both types share one sequence.
    """
    road_option = get_option(option)
    ids = {
        road_type: list(
            road_option.queryset(road_type).order_by("pk").values_list("pk", flat=True)[:META_IDS]
        )
        for road_type in road_option.types
    }
    return JsonResponse({"option": option, "ids": ids, "page_size": PAGE_SIZE})


def stats(request: HttpRequest) -> JsonResponse:
    with _lock:
        return JsonResponse(
            {name: {"requests": r, "queries": q} for name, (r, q) in _stats.items()}
        )


@csrf_exempt
def stats_reset(request: HttpRequest) -> JsonResponse:
    with _lock:
        _stats.clear()
    return JsonResponse({"reset": True})


def _option_urls(number: int) -> list[Any]:
    kwargs = {"option": number}
    prefix = f"o{number}/"
    return [
        path(f"{prefix}meta/", meta, kwargs, name="meta"),
        path(f"{prefix}roads/<str:road_type>/", roads, kwargs, name="roads"),
        path(f"{prefix}roads/<str:road_type>/<int:pk>/", road_detail, kwargs, name="road"),
    ]


@csrf_exempt
def roads(request: HttpRequest, option: int, road_type: str) -> JsonResponse:
    if request.method == "POST":
        return create_road(request, option, road_type)
    return list_roads(request, option, road_type)


urlpatterns = [
    path("stats/", stats, name="stats"),
    path("stats/reset/", stats_reset, name="stats_reset"),
    *(url for number in OPTIONS for url in _option_urls(number)),
]
