"""The shop's products in four designs: one line each, the rest is roadbench's."""

from __future__ import annotations

from roadbench.designs.shapes import json_field, multi_table, single_table, table_per_type
from roadbench_shop.study import SHOP

MULTI_TABLE = multi_table(SHOP, number=201, key="shop-mti")
JSON = json_field(SHOP, number=202, key="shop-json")
ABSTRACT = table_per_type(SHOP, number=203, key="shop-abstract")
SINGLE = single_table(SHOP, number=204, key="shop-single")

# What --plugin roadbench_shop.designs registers.
OPTIONS = [MULTI_TABLE, JSON, ABSTRACT, SINGLE]
