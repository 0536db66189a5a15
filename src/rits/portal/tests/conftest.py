import pytest

from rits.plans import services as plan_services
from rits.plans.tests.conftest import plan_setup  # noqa: F401 (the plan of the family_setup)
from rits.plans.tests.factories import add_goal, agree, change
from rits.portal.tests.factories import CitizenAccountFactory
from tests import factories


@pytest.fixture
def portal(plan_setup, client):  # noqa: F811 (the fixture imported above)
    """DEMO-1's shape: Selam with a plan, her friend Hiwet in the network with one
    agreement and named in the crisis plan, and logins for both."""
    setup = plan_setup
    family = setup["family"]
    mother_login = CitizenAccountFactory(person=setup["mother"]).user
    friend = factories.NetworkMemberFactory(family=family, name="Hiwet", relation="friend")
    friend_login = CitizenAccountFactory(network_member=friend).user
    goal = add_goal(setup, "Dat Yonas veilig thuis kan blijven wonen", ["domestic_relations"])
    agree(
        setup,
        "Elke week samen de post openen",
        f"person:{setup['mother'].pk}",
        ["finances"],
        goal=goal.pk,
    )
    agree(
        setup, "Op woensdag Yonas van school halen", f"network:{friend.pk}", ["domestic_relations"]
    )
    agree(setup, "Betalingsregeling afspreken", f"professional:{setup['housing'].pk}", ["housing"])
    change(
        setup,
        "coordinator",
        plan_services.add_crisis_contact,
        name="Hiwet",
        relation="vriendin",
        phone="06 11112222",
        is_trusted_person=True,
        network_member_id=friend.pk,
    )
    return {**setup, "mother_login": mother_login, "friend": friend, "friend_login": friend_login}
