"""The operations, one module each, each declaring its methods; and their registry.

Every module in this package that defines ``OPERATION`` is an op; installed packages add ops
through the ``roadbench.ops`` entry point group, local modules through ``--plugin``.
Importing this package registers nothing: ``roadbench.plugins.load_registries`` fills ``OPS``.
"""

from __future__ import annotations

from roadbench.errors import BadInput
from roadbench.ops.base import Method, Operation
from roadbench.registry import Registry


def _check_op(op: Operation) -> None:
    if not isinstance(op, Operation):
        raise BadInput(f"{op!r} is not a roadbench op (Operation)")


# Compare's rows follow each op's declared place, not the order ops were found in.
OPS: Registry[str, Operation] = Registry(
    "op", key=lambda o: o.name, order=lambda o: (o.order, o.name), check=_check_op
)


def register_op(op: Operation) -> Operation:
    return OPS.register(op)


def get_op(name: str) -> Operation:
    try:
        return OPS[name]
    except KeyError:
        raise BadInput(f"unknown op {name!r}; choose one of {', '.join(OPS)}") from None


__all__ = ["OPS", "Method", "Operation", "get_op", "register_op"]
