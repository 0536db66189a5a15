import pytest

from tests import factories


@pytest.fixture
def plan_setup(family_setup):
    """The family of ``family_setup`` with a housing corporation involved for housing and
    finances, a mental-health worker, and an aunt in the network."""
    family = family_setup["family"]
    housing = factories.ProfessionalFactory(
        organisation=factories.OrganisationFactory(name="Woonstede", kind="woningcorporatie")
    )
    factories.InvolvementFactory(
        family=family,
        professional=housing,
        organisation=housing.organisation,
        domains=["housing", "finances"],
        role="Woonconsulent",
    )
    ggz = factories.ProfessionalFactory(
        organisation=factories.OrganisationFactory(name="GGZ Centraal", kind="care_provider")
    )
    factories.InvolvementFactory(
        family=family,
        professional=ggz,
        organisation=ggz.organisation,
        domains=["mental_health"],
        role="Behandelaar",
    )
    aunt = factories.NetworkMemberFactory(family=family, name="Lemlem Tesfay", relation="relative")
    return {**family_setup, "housing": housing, "ggz": ggz, "aunt": aunt}
