"""The one staff access rule: anonymous users go to the staff login, signed-in non-staff users get a 403
page with the code `staff_only` (also in the X-Refusal-Code header, as on the rater pages).

Also turns FiguresPending (a big project's figures are still being computed) into a waiting page.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from backoffice.selectors.common import FiguresPending


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("dashboard:login"))
        if not (request.user.is_active and request.user.is_staff):
            context = {"message": "The dashboard is for staff only.", "code": "staff_only"}
            response = render(request, "dashboard/refused.html", context, status=403)
            response["X-Refusal-Code"] = "staff_only"
            return response
        try:
            return view(request, *args, **kwargs)
        except FiguresPending as pending:
            context = {"active": pending.section, "project": pending.project, "section": pending.section}
            return render(request, "dashboard/pending.html", context)

    return wrapper
