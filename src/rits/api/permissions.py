from rest_framework.permissions import BasePermission

from rits.organisations.models import Professional


class IsProfessional(BasePermission):
    message = "Only professionals can use this endpoint."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return Professional.objects.filter(user=user).exists()
