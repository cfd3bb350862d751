"""An app the test project installs only when ``MYSITE_EXTRA_APPS`` names it: a hierarchy with a
field no value roadbench makes can pass (``code``'s validator), for the one line naming the
field and the fix (tests/test_project_values.py). No migrations: Django's test database makes
its tables with ``run_syncdb``."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.db import models


class Voucher(models.Model):
    name = models.CharField(max_length=100)
    amount = models.IntegerField()
    code = models.CharField(max_length=5, validators=[RegexValidator(r"^[a-z]{2}![0-9]$")])


class GiftVoucher(Voucher):
    months = models.PositiveIntegerField()


class StoreCredit(Voucher):
    uses = models.PositiveIntegerField()
