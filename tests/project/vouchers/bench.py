"""The value function roadbench.toml names for ``vouchers.Voucher.code``."""

from __future__ import annotations


def code(type_key: str, i: int) -> str:
    return f"{type_key[:2]}!{i % 10}"


def amount(type_key: str, i: int) -> int:
    """Named on the command line (--value) over a factory's amount."""
    return 7000 + i
