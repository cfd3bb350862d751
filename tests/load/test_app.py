"""The target app's endpoints, in-process through Django's test client."""

from __future__ import annotations

import json

import pytest
from django.test import Client, override_settings

from roadbench.database.fastpath import insert_entities
from roadbench.designs import get_option
from roadbench.designs.roads.data import ROADS

APP = {
    "ROOT_URLCONF": "roadbench.load.app",
    "MIDDLEWARE": ["roadbench.load.app.QueryCountMiddleware"],
    "ALLOWED_HOSTS": ["testserver"],
}


@pytest.mark.parametrize("option", [1, 2, 3])
def test_endpoints_answer_and_count_their_queries(bench, option):
    insert_entities(get_option(option), ROADS.split(120))
    with override_settings(**APP):
        client = Client()
        client.post("/stats/reset/")
        meta = client.get(f"/o{option}/meta/").json()
        assert len(meta["ids"]["freeway"]) == 60 and len(meta["ids"]["tollroad"]) == 60
        page = client.get(f"/o{option}/roads/tollroad/?page=0").json()["roads"]
        assert len(client.get(f"/o{option}/roads/tollroad/?page=1").json()["roads"]) == 10
        assert len(page) == 50
        assert "toll_amount" in page[0]
        pk = meta["ids"]["freeway"][3]
        one = client.get(f"/o{option}/roads/freeway/{pk}/").json()
        assert one["id"] == pk and "speed_limit" in one
        updated = client.post(f"/o{option}/roads/freeway/{pk}/").json()
        assert updated["lanes"] == one["lanes"] % 8 + 1
        created = client.post(f"/o{option}/roads/tollroad/")
        assert created.status_code == 201
        assert client.get(f"/o{option}/roads/lorry/1/").status_code == 404
        assert client.get(f"/o{option}/roads/freeway/999999/").status_code == 404
        stats = json.loads(client.get("/stats/").content)
    assert stats["list"] == {"requests": 2, "queries": 2}
    assert stats["read"]["queries"] == 2  # the 404 read counts too: 1 query each
    inserts = {1: 1, 2: 1, 3: 2}[option]
    # create on option 3: parent and child INSERTs (inside a transaction Django opens).
    assert stats["create"]["queries"] >= inserts
    assert stats["update"]["queries"] >= 2  # read, then UPDATE
