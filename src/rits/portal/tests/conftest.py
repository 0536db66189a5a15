from rits.plans.tests.conftest import plan_setup  # noqa: F401 (the plan of the family_setup)
