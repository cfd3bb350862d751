"""The shop's own code paths, measured by roadbench (``roadbench run --scenario NAME``).

Each scenario's setup makes the rows it reads on emptied tables (untimed), the scenario is
what is timed, and its verify checks what it returned or left (untimed).
"""

from __future__ import annotations

from decimal import Decimal

from shop.catalogue import add_books, catalogue_page
from shop.models import Book, Publisher

import roadbench


def make_books(rows: int) -> Publisher:
    """``rows`` books of one publisher (untimed: roadbench calls it before every value)."""
    publisher = Publisher.objects.create(name="Faber")
    for i in range(rows):
        Book.objects.create(
            name=f"Book {i}",
            sku=f"B-{i}",
            price=Decimal("9.99"),
            publisher=publisher,
            isbn=f"{i:013d}",
            pages=100 + i,
        )
    return publisher


def every_book_listed(result: list[tuple[str, str]], rows: int) -> None:
    assert len(result) == rows, f"listed {len(result)} books of {rows}"
    assert all(publisher == "Faber" for _name, publisher in result)


@roadbench.scenario(setup=make_books, verify=every_book_listed, rows=20)
def listing_page() -> list[tuple[str, str]]:
    """The catalogue page: every book with its publisher (shop.catalogue)."""
    return catalogue_page()


@roadbench.scenario(setup=make_books, verify=every_book_listed, rows=20)
def listing_page_naive() -> list[tuple[str, str]]:
    """The same page as first written: one more query per book for its publisher."""
    return [(b.name, b.publisher.name) for b in Book.objects.all()]


def a_publisher() -> Publisher:
    return Publisher.objects.create(name="Penguin")


def all_books_stored(rows: int) -> None:
    assert Book.objects.count() == rows, f"{Book.objects.count()} books stored, not {rows}"


@roadbench.scenario(setup=a_publisher, verify=all_books_stored, rows=10)
def add_to_catalogue(state: Publisher, rows: int) -> int:
    """A service call: new books (rows of them) in one transaction, two rows each."""
    return add_books(state, rows)
