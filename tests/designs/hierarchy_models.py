"""A user's hierarchy, as the tests of ``--model`` and ``advise`` use it: a multi-table
``HtProduct`` with three children (one of them with a child of its own), a foreign key to an
outside ``HtPublisher``, a proxy, a custom manager, a signal receiver, a constraint and an
overridden save(). App "roadbench", tables ``rbtest_ht_<random>_*`` (made in each test's
throwaway database and dropped with it)."""

from __future__ import annotations

import secrets

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models.signals import post_save
from django.dispatch import receiver

_SUFFIX = secrets.token_hex(3)


def _table(name: str) -> str:
    return f"rbtest_ht_{_SUFFIX}_{name}"


class HtPublisher(models.Model):
    name = models.CharField(max_length=40, unique=True)
    country = models.CharField(max_length=2, choices=[("fr", "France"), ("de", "Germany")])

    class Meta:
        app_label = "roadbench"
        db_table = _table("publisher")


class InStock(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(stock__gt=0)


class HtProduct(models.Model):
    name = models.CharField(max_length=80)
    sku = models.CharField(max_length=12, unique=True, validators=[RegexValidator(r"^[A-Z0-9]+$")])
    price = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    stock = models.IntegerField(validators=[MinValueValidator(0), MaxValueValidator(500)])
    publisher = models.ForeignKey(HtPublisher, models.PROTECT, related_name="products")
    created = models.DateTimeField(auto_now_add=True)

    objects = models.Manager()
    in_stock = InStock()

    class Meta:
        app_label = "roadbench"
        db_table = _table("product")
        constraints = [models.CheckConstraint(condition=models.Q(price__gte=0), name="ht_price")]

    def save(self, *args: object, **kwargs: object) -> None:
        self.name = self.name.strip()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class HtBook(HtProduct):
    weight = models.IntegerField()
    pages = models.PositiveIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("book")


class HtEBook(HtProduct):
    download_size = models.IntegerField()
    format = models.CharField(max_length=4, choices=[("epub", "EPUB"), ("pdf", "PDF")])

    class Meta:
        app_label = "roadbench"
        db_table = _table("ebook")


class HtAudiobook(HtProduct):
    duration = models.PositiveSmallIntegerField()
    narrator = models.CharField(max_length=60)

    class Meta:
        app_label = "roadbench"
        db_table = _table("audiobook")


class HtSignedBook(HtBook):
    """A grandchild: stored as a book one level down, no type of its own."""

    signed_by = models.CharField(max_length=60)

    class Meta:
        app_label = "roadbench"
        db_table = _table("signedbook")


class HtBestseller(HtBook):
    """A proxy: a book's rows, nothing saying which."""

    class Meta:
        app_label = "roadbench"
        proxy = True


@receiver(post_save, sender=HtBook)
def count_books(sender: type, **kwargs: object) -> None:
    """A receiver of the user's: the alternatives do not carry it."""


# Sibling models sharing an abstract base: a table per type.
class HtItemBase(models.Model):
    title = models.CharField(max_length=60)
    quantity = models.IntegerField()

    class Meta:
        abstract = True


class HtPen(HtItemBase):
    ink = models.CharField(max_length=10)
    length_mm = models.IntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("pen")


class HtPencil(HtItemBase):
    hardness = models.SmallIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("pencil")


class HtOdd(models.Model):
    """A field roadbench cannot fill: a custom field type it does not know."""

    name = models.CharField(max_length=20)
    rank = models.IntegerField()
    code = models.CharField(max_length=3, validators=[RegexValidator(r"^[a-z]{2}![0-9]$")])

    class Meta:
        app_label = "roadbench"
        db_table = _table("odd")


class HtOddChild(HtOdd):
    size = models.IntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("oddchild")


# Sibling models with no integer in common, only a price (as tests/project's shop has).
class HtGadgetBase(models.Model):
    label = models.CharField(max_length=40)
    price = models.DecimalField(max_digits=8, decimal_places=2, validators=[MinValueValidator(0)])
    released = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True


class HtPhone(HtGadgetBase):
    storage_gb = models.PositiveIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("phone")


class HtWatch(HtGadgetBase):
    band = models.CharField(max_length=10, default="steel")
    battery_days = models.PositiveSmallIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("watch")


# A django-polymorphic hierarchy and one with django-model-utils' InheritanceManager.
from model_utils.managers import InheritanceManager  # noqa: E402
from polymorphic.models import PolymorphicModel  # noqa: E402


class HtNotice(PolymorphicModel):
    title = models.CharField(max_length=60)
    priority = models.IntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("notice")


class HtEmailNotice(HtNotice):
    recipients = models.PositiveSmallIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("emailnotice")


class HtSmsNotice(HtNotice):
    segments = models.PositiveSmallIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("smsnotice")


class HtPage(models.Model):
    title = models.CharField(max_length=60)
    views = models.IntegerField()

    objects = InheritanceManager()

    class Meta:
        app_label = "roadbench"
        db_table = _table("page")


class HtArticle(HtPage):
    words = models.IntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("article")


class HtGallery(HtPage):
    pictures = models.IntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("gallery")


# A notification base with no text field in common (recipient, created_at, read, level) and a
# proxy with a custom manager, as a newcomer's project has.
class UnreadAlerts(models.Manager):
    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().filter(read=False)


class HtAlert(models.Model):
    recipient = models.ForeignKey(HtPublisher, models.CASCADE, related_name="alerts")
    created_at = models.DateTimeField(auto_now_add=True)
    read = models.BooleanField(default=False)
    level = models.IntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("alert")


class HtMailAlert(HtAlert):
    attachments = models.PositiveIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("mailalert")


class HtPushAlert(HtAlert):
    badge = models.IntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("pushalert")


class HtUnreadAlert(HtAlert):
    objects = UnreadAlerts()

    class Meta:
        app_label = "roadbench"
        proxy = True


# A base with no number at all (text, a date, a boolean, a foreign key): no counter, so modify
# and the range reads are unsupported, naming [roles]; everything else measures.
class HtQueue(models.Model):
    name = models.CharField(max_length=30, unique=True)

    class Meta:
        app_label = "roadbench"
        db_table = _table("queue")


class HtTicket(models.Model):
    title = models.CharField(max_length=80)
    opened = models.DateField()
    urgent = models.BooleanField()
    queue = models.ForeignKey(HtQueue, on_delete=models.CASCADE)

    class Meta:
        app_label = "roadbench"
        db_table = _table("ticket")


class HtBug(HtTicket):
    severity = models.SmallIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("bug")


class HtChore(HtTicket):
    minutes = models.PositiveIntegerField()

    class Meta:
        app_label = "roadbench"
        db_table = _table("chore")
