"""What every product has, what each kind has of its own, and how many of each there are."""

from __future__ import annotations

from django.db import models

from roadbench.designs.shapes import study_of


class Product(models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=7, decimal_places=2)
    stock = models.IntegerField()

    class Meta:
        abstract = True


class Book(models.Model):
    weight = models.IntegerField(help_text="grams")
    pages = models.IntegerField()

    class Meta:
        abstract = True


class EBook(models.Model):
    download_size = models.IntegerField(help_text="MB")
    format = models.CharField(max_length=4, choices=[("epub", "EPUB"), ("pdf", "PDF")])

    class Meta:
        abstract = True


class Audiobook(models.Model):
    duration = models.IntegerField(help_text="minutes")
    narrator = models.CharField(max_length=100)

    class Meta:
        abstract = True


# Three books for every two e-books and one audiobook.
SHOP = study_of(
    "product",
    "products",
    common=Product,
    types={"book": (Book, 3), "ebook": (EBook, 2), "audiobook": (Audiobook, 1)},
)
