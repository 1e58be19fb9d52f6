"""The review pass and the flags page. Each POST calls one labeling service."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from backoffice.access import staff_required
from backoffice.forms import NoteForm
from backoffice.forms.review import ReviewDecideForm
from backoffice.selectors.review import flags_page, review_page
from config.exceptions import ApplicationError
from labeling.models import Project
from labeling.services.flags import item_flag_reply
from labeling.services.review import review_decide


@staff_required
def review(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    context = {"active": "review", "project": project, "page": review_page(project=project, user=request.user)}
    return render(request, "dashboard/review.html", context)


@staff_required
@require_POST
def review_decision(request: HttpRequest, project_id: int, review_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    form = ReviewDecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Accept or reject the answer.")
    else:
        try:
            review_decide(
                review_id=review_id,
                reviewer=request.user,
                outcome=form.cleaned_data["outcome"],
                comment=form.cleaned_data["comment"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            accepted = form.cleaned_data["outcome"] == "accept"
            messages.success(request, "Accepted." if accepted else "Rejected: the rater gets the item back.")
    return redirect(reverse("dashboard:review", args=[project.pk]) + "#queue")


@staff_required
def flags(request: HttpRequest, project_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    context = {"active": "flags", "project": project, "page": flags_page(project=project)}
    return render(request, "dashboard/flags.html", context)


@staff_required
@require_POST
def flag_reply(request: HttpRequest, project_id: int, flag_id: int) -> HttpResponse:
    project = get_object_or_404(Project, pk=project_id)
    form = NoteForm(request.POST)
    reply = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        item_flag_reply(flag_id=flag_id, staff_user=request.user, reply=reply)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Reply sent; the rater sees it on their stats page.")
    return redirect(reverse("dashboard:flags", args=[project.pk]) + "#flags")
