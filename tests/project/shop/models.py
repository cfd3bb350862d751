"""A shop's catalogue: a multi-table hierarchy (``Product`` and three children), a foreign key
to a model outside it (``Publisher``) and a proxy (``Bestseller``)."""

from __future__ import annotations

from django.core.validators import MinValueValidator
from django.db import models


class Publisher(models.Model):
    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=2, default="GB")

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=32, unique=True)
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    publisher = models.ForeignKey(Publisher, on_delete=models.PROTECT, related_name="products")
    released = models.DateField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class Book(Product):
    isbn = models.CharField(max_length=13, unique=True)
    pages = models.PositiveIntegerField()


class EBook(Product):
    FORMATS = [("epub", "EPUB"), ("pdf", "PDF"), ("mobi", "Kindle")]

    file_format = models.CharField(max_length=4, choices=FORMATS, default="epub")
    size_kb = models.PositiveIntegerField()


class Audiobook(Product):
    narrator = models.CharField(max_length=100)
    minutes = models.PositiveIntegerField()


class Bestseller(Book):
    """The books on the bestseller list: the same table, another manager's view."""

    class Meta:
        proxy = True
