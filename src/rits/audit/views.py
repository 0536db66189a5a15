from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from rits.audit.selectors import family_access_log


@login_required
@require_GET
def access_log(request, family_id: int):
    grant, events = family_access_log(user=request.user, family_id=family_id)
    return render(
        request, "audit/access_log.html", {"family": grant.family, "grant": grant, "events": events}
    )
