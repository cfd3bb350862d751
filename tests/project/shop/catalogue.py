"""The shop's code paths its benchmarks measure (benchmarks/bench_shop.py): the catalogue
page's rows, as a view would build them, and a service that adds books."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from shop.models import Book, Publisher


def catalogue_page() -> list[tuple[str, str]]:
    """Every book with its publisher's name, in one query."""
    return [(b.name, b.publisher.name) for b in Book.objects.select_related("publisher")]


def add_books(publisher: Publisher, count: int) -> int:
    """``count`` new books of ``publisher`` in one transaction."""
    with transaction.atomic():
        for i in range(count):
            Book.objects.create(
                name=f"New {i}",
                sku=f"N-{i}",
                price=Decimal("5.00"),
                publisher=publisher,
                isbn=f"9{i:012d}",
                pages=200,
            )
    return count
