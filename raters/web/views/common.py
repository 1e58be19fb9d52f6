"""Shared bits of the rater views: refusal pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from labeling.models import Project

NEXT_STEP_LINKS = {
    "exam": ("raters:exam", "Take the qualification exam"),
    "instructions": ("raters:instructions", "Read the instructions"),
}


def refusal(
    request: HttpRequest,
    *,
    message: str,
    code: str,
    project: Project | None = None,
    status: int = 403,
    next_step: str | None = None,
) -> HttpResponse:
    """A clear, human refusal page carrying a machine-readable code (also in the X-Refusal-Code header)."""
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
