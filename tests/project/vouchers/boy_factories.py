"""A factory_boy factory for ``GiftVoucher`` (tests/test_project_factories.py, when factory_boy
is installed: it is no dependency of roadbench's)."""

from __future__ import annotations

import factory

from vouchers.models import GiftVoucher


class GiftVoucherFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GiftVoucher

    name = factory.Sequence(lambda n: f"boy {n}")
    amount = factory.Sequence(lambda n: 100 + n)
    code = factory.Sequence(lambda n: f"fb!{n % 10}")
    months = 6
