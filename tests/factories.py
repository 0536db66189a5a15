"""factory_boy factories for organisations, professionals and families: the basics
every app's tests build on. Plans and signals have their own, next to their tests
(``rits.plans.tests.factories``, ``rits.signals.tests.factories``)."""

import datetime

import factory
from django.utils import timezone

from rits.core.bsn import encrypt_bsn, pseudonymise_bsn
from rits.families.models import (
    Family,
    FamilyEvent,
    Involvement,
    LegalBasis,
    MemberRole,
    Membership,
    NetworkMember,
    NetworkRelation,
    Person,
)
from rits.organisations.models import (
    Municipality,
    Organisation,
    OrganisationKind,
    Professional,
    ProfessionalRole,
    Region,
    Team,
    User,
)

PASSWORD = "correct horse battery staple"


def valid_bsn(n: int) -> str:
    """The n-th 9-digit number that passes the 11-proef (deterministic, synthetic)."""
    from rits.core.bsn import is_valid_bsn

    candidate = 100000000 + n * 97
    while not is_valid_bsn(str(candidate)):
        candidate += 1
    return str(candidate)


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("name",)

    name = "Regio Test"


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ("code",)

    code = "0344"
    name = "Utrecht"
    region = factory.SubFactory(RegionFactory)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisatie {n}")
    kind = OrganisationKind.WIJKTEAM
    municipality = factory.SubFactory(MunicipalityFactory)


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.nl")
    username = factory.SelfAttribute("email")
    first_name = factory.Sequence(lambda n: f"Voornaam{n}")
    last_name = "Tester"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class ProfessionalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Professional

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = ProfessionalRole.PROFESSIONAL
    phone = "030 123 45 67"


class FamilyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Family

    reference = factory.Sequence(lambda n: f"FAM-{n:05d}")
    name = factory.Sequence(lambda n: f"Gezin Jansen-{n}")
    street = "Dorpsstraat"
    house_number = factory.Sequence(lambda n: n + 1)
    postcode = "3511AB"
    city = "Utrecht"
    municipality = factory.SubFactory(MunicipalityFactory)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    surname = "Jansen"
    given_names = factory.Sequence(lambda n: f"Sam{n}")
    birth_date = datetime.date(1990, 5, 17)
    languages = factory.LazyFunction(lambda: ["nl"])

    class Params:
        bsn = None

    @factory.lazy_attribute
    def bsn_encrypted(self):
        return encrypt_bsn(self.bsn) if self.bsn else ""

    @factory.lazy_attribute
    def bsn_pseudonym(self):
        return pseudonymise_bsn(self.bsn) if self.bsn else None


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    family = factory.SubFactory(FamilyFactory)
    person = factory.SubFactory(PersonFactory)
    role = MemberRole.PARENT


class InvolvementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Involvement

    family = factory.SubFactory(FamilyFactory)
    professional = factory.SubFactory(ProfessionalFactory)
    organisation = factory.SelfAttribute("professional.organisation")
    role = "Ambulante gezinsbegeleiding"
    legal_basis = LegalBasis.JEUGDWET
    domains = factory.LazyFunction(lambda: ["domestic_relations", "daily_living"])
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))


class NetworkMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NetworkMember

    family = factory.SubFactory(FamilyFactory)
    name = factory.Sequence(lambda n: f"Tante {n}")
    relation = NetworkRelation.RELATIVE
    phone = "06 12345678"


class FamilyEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FamilyEvent

    family = factory.SubFactory(FamilyFactory)
    occurred_at = factory.LazyFunction(timezone.now)
    code = "legacy.text"
    params = factory.Sequence(lambda n: {"text": f"Gebeurtenis {n}"})
