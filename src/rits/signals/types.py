"""What Rits knows about each kind of signal (``models.SignalType``), in one place: the life
domain its timeline event belongs to (which decides who may see it), and the groups the
rules and the inbox reason about (arrears, concern about a young person, the visits and
absences the pattern rule pairs)."""

from rits.core.domains import LifeDomain
from rits.signals.models import SignalType

# The life domain of each kind of signal, for the family's timeline: who may see the
# event is decided by that domain. A signal of an unknown kind is kept to those who see
# safety, the most restricted domain.
SIGNAL_DOMAINS: dict[str, str] = {
    SignalType.RENT_ARREARS: LifeDomain.FINANCES,
    SignalType.MORTGAGE_ARREARS: LifeDomain.FINANCES,
    SignalType.ENERGY_ARREARS: LifeDomain.FINANCES,
    SignalType.WATER_ARREARS: LifeDomain.FINANCES,
    SignalType.HEALTH_INSURANCE_ARREARS: LifeDomain.FINANCES,
    SignalType.SCHOOL_ABSENCE: LifeDomain.WORK_EDUCATION,
    SignalType.MISSED_CHILD_HEALTH_VISIT: LifeDomain.PHYSICAL_HEALTH,
    SignalType.VEILIG_THUIS_REPORT: LifeDomain.SAFETY,
    SignalType.POLICE_REPORT: LifeDomain.SAFETY,
    SignalType.RISK_REGISTRATION: LifeDomain.SAFETY,
    SignalType.SELF_REFERRAL: LifeDomain.DOMESTIC_RELATIONS,
    SignalType.OTHER: LifeDomain.SAFETY,
}


def signal_domain(signal_type: str) -> str:
    return SIGNAL_DOMAINS.get(signal_type, LifeDomain.SAFETY)


ARREARS = frozenset(
    {
        SignalType.RENT_ARREARS,
        SignalType.MORTGAGE_ARREARS,
        SignalType.ENERGY_ARREARS,
        SignalType.WATER_ARREARS,
        SignalType.HEALTH_INSURANCE_ARREARS,
    }
)
# Signals that say an organisation is concerned about a young person (the Verwijsindex).
CONCERN = frozenset(
    {
        SignalType.SCHOOL_ABSENCE,
        SignalType.MISSED_CHILD_HEALTH_VISIT,
        SignalType.VEILIG_THUIS_REPORT,
        SignalType.POLICE_REPORT,
        SignalType.RISK_REGISTRATION,
    }
)
# The missed visits and school absences of a child that the pattern rule pairs.
VISIT_AND_ABSENCE = (SignalType.MISSED_CHILD_HEALTH_VISIT, SignalType.SCHOOL_ABSENCE)

# The Verwijsindex risk categories, as the source registers them (a letter a–l).
RISK_CODES = tuple("abcdefghijkl")
