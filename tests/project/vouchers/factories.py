"""Factories for the vouchers app (tests/test_project_factories.py): a plain callable and a
class shaped as a factory_boy factory (``build()`` and ``_meta.model``) without the library."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any

from vouchers.models import GiftVoucher


def store_credit(type_key: str, i: int) -> dict[str, Any]:
    """A plain callable: some of the row's values by field name; roadbench fills the rest."""
    return {"code": f"sc!{i % 10}", "name": f"credit {i}"}


class GiftVoucherBuilder:
    """A factory as factory_boy's look: each build() an unsaved instance, numbered in turn."""

    _meta = SimpleNamespace(model=GiftVoucher)
    _numbers = itertools.count()

    @classmethod
    def build(cls) -> GiftVoucher:
        n = next(cls._numbers)
        return GiftVoucher(name=f"gift {n}", amount=500 + n, code=f"gb!{n % 10}", months=12)


NOT_A_FACTORY = 3
