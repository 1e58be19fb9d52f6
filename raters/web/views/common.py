"""Shared bits of the rater views: refusal pages."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from config.exceptions import NotFoundError
from labeling.models import Project
from labeling.selectors.projects import project_get_for_user, project_list_for_user

NEXT_STEP_LINKS = {
    "exam": ("raters:exam", "Take the qualification exam"),
    "instructions": ("raters:instructions", "Read the instructions"),
}


def project_for_page(request: HttpRequest, project_id: int) -> Project:
    """The project if this user may see it, else 404: a missing project and another's look the same (as in the API)."""
    try:
        return project_get_for_user(project_id=project_id, user=request.user)
    except NotFoundError as exc:
        raise Http404(exc.message)


def refusal(
    request: HttpRequest,
    *,
    message: str,
    code: str,
    project: Project | None = None,
    status: int = 403,
    next_step: str | None = None,
) -> HttpResponse:
    """A clear, human refusal page carrying a machine-readable code (also in the X-Refusal-Code header).

    It names the project only to someone who may see it; anyone else gets the 404 of a missing project.
    """
    if project is not None and not (
        request.user.is_authenticated and project_list_for_user(user=request.user).filter(pk=project.pk).exists()
    ):
        raise Http404("No such project.")
    link = None
    if project is not None and next_step in NEXT_STEP_LINKS:
        name, text = NEXT_STEP_LINKS[next_step]
        link = (reverse(name, args=[project.pk]), text)
    response = render(
        request,
        "raters/refusal.html",
        {"message": message, "code": code, "project": project, "link": link},
        status=status,
    )
    response["X-Refusal-Code"] = code
    return response
