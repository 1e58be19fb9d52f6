"""My payout accounts: the rater enters their own Prolific or MTurk id per project (rules in payout_account_set)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from config.exceptions import ApplicationError
from raters.selectors.payouts import rater_payable_project, rater_payable_projects, rater_payout_accounts
from raters.services.pay import payout_account_set
from raters.web.forms import PayoutAccountForm


@login_required
@require_http_methods(["GET", "POST"])
def my_payout_accounts(request: HttpRequest) -> HttpResponse:
    projects = rater_payable_projects(user=request.user)
    form = PayoutAccountForm(request.POST or None, projects=projects)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = rater_payable_project(user=request.user, project_id=data["project"])
            payout_account_set(
                project=project,
                user=request.user,
                actor=request.user,
                platform=data["platform"],
                participant_id=data["participant"],
                assignment_id=data["assignment"],
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Saved. Your next payout goes to this id.")
            return redirect("raters:payout_accounts")
    context = {"form": form, "accounts": rater_payout_accounts(user=request.user), "has_projects": bool(projects)}
    return render(request, "raters/payout_accounts.html", context, status=400 if form.errors else 200)
