"""The operations, one module each; each declares its methods."""

from __future__ import annotations

from roadbench.errors import BadInput
from roadbench.ops import create, delete, modify, select
from roadbench.ops.base import Method, Operation

OPS: dict[str, Operation] = {
    module.OPERATION.name: module.OPERATION for module in (create, select, modify, delete)
}


def get_op(name: str) -> Operation:
    try:
        return OPS[name]
    except KeyError:
        raise BadInput(f"unknown op {name!r}; choose one of {', '.join(OPS)}") from None


__all__ = ["OPS", "Method", "Operation", "get_op"]
