"""factory-boy factories shared by the whole suite."""

from datetime import date

import factory
from django.contrib.auth import get_user_model

from organisations.models import Council, CouncilKind, CouncilTerm, Unit, UnitKind
from workflows.models import Membership


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Văn"
    last_name = "Nguyễn"
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.vn")
    password = factory.django.Password("secret-pass-123")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"unit-{n}")
    name = factory.Sequence(lambda n: f"Đơn vị số {n}")
    short_name = factory.Sequence(lambda n: f"ĐV{n}")
    kind = UnitKind.DEPARTMENT


class CouncilFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Council

    code = factory.Sequence(lambda n: f"council-{n}")
    name = factory.Sequence(lambda n: f"Hội đồng số {n}")
    kind = CouncilKind.EMULATION
    unit = factory.SubFactory(UnitFactory)


class CouncilTermFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CouncilTerm

    council = factory.SubFactory(CouncilFactory)
    name = "2021-2026"
    starts_on = date(2021, 1, 1)


class MembershipFactory(factory.django.DjangoModelFactory):
    """Direct rows for tests that need a membership without the audited service."""

    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    valid_from = date(2020, 1, 1)
