"""factory-boy factories shared by the whole suite."""

from datetime import date

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

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
    approved_at = factory.LazyFunction(timezone.now)


# -- dossiers ---------------------------------------------------------------------------------------------
class NomineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dossiers.Nominee"

    kind = "individual"
    unit = factory.SubFactory(UnitFactory)
    full_name = factory.Sequence(lambda n: f"Trần Thị Hồng {n}")
    birth_year = 1980
    gender = "female"
    position = "Chuyên viên"


class AwardRecordFactory(factory.django.DjangoModelFactory):
    """An award already in a nominee's history; pass award=AwardType.objects.get(code=...)."""

    class Meta:
        model = "dossiers.AwardRecord"

    nominee = factory.SubFactory(NomineeFactory)
    year = 2022
    authority = "Thủ trưởng đơn vị"
    decision_number = factory.Sequence(lambda n: f"{n}/QĐ-UBND")
    decision_date = date(2022, 12, 20)


class YearlyRatingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dossiers.YearlyRating"

    nominee = factory.SubFactory(NomineeFactory)
    year = 2023
    rating = "HTT"


class InitiativeRecognitionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "dossiers.InitiativeRecognition"

    nominee = factory.SubFactory(NomineeFactory)
    title = factory.Sequence(lambda n: f"Sáng kiến cải tiến quy trình số {n}")
    scope = "grassroots"
    year = 2023
    recognised_by = "Hội đồng sáng kiến đơn vị"


class CouncilRuleFactory(factory.django.DjangoModelFactory):
    """A council's voting rule (quorum, abstention, written votes): councils app."""

    class Meta:
        model = "councils.CouncilRule"
        django_get_or_create = ("council",)

    council = factory.SubFactory(CouncilFactory)
    quorum_numerator = 2
    quorum_denominator = 3
    abstain_allowed = False
    written_votes_allowed = True


# -- innovation -------------------------------------------------------------------------------------------
class InnovationCouncilTermFactory(CouncilTermFactory):
    """A term of a Hội đồng sáng kiến (council kind "innovation")."""

    council = factory.SubFactory(CouncilFactory, kind=CouncilKind.INNOVATION)
