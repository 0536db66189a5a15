from rest_framework.permissions import BasePermission

from rits.access.principals import citizen_for
from rits.organisations.models import Professional


class IsProfessional(BasePermission):
    message = "Only professionals can use this endpoint."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return Professional.objects.filter(user=user).exists()


class IsCitizen(BasePermission):
    """The family portal's endpoints: a family member's or network member's login."""

    message = "Only family members and their network can use this endpoint."

    def has_permission(self, request, view) -> bool:
        return citizen_for(request.user) is not None
