"""The public campaign sign-up page (the only page that needs no login) and invite links.

POSTs are rate-limited per client address and per campaign with the API's throttles (429 + Retry-After).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from config.exceptions import ApplicationError
from raters.api.throttles import signup_wait_seconds
from raters.conf import diversity_min_k
from raters.models import RecruitmentCampaign
from raters.selectors.campaigns import campaign_close_reason
from raters.services.recruitment import campaign_join, rater_sign_up
from raters.web.forms import SignUpForm


def _after_join(campaign: RecruitmentCampaign):
    if campaign.project_id:
        return redirect("raters:project_start", campaign.project_id)
    return redirect("raters:home")


@require_http_methods(["GET", "POST"])
def campaign_signup(request: HttpRequest, slug: str) -> HttpResponse:
    campaign = get_object_or_404(RecruitmentCampaign.objects.select_related("project"), slug=slug)
    invite = request.GET.get("invite", "") or request.POST.get("invite", "")
    context = {"campaign": campaign, "invite": invite, "min_k": diversity_min_k()}
    if not campaign.is_open or campaign_close_reason(campaign=campaign) is not None:
        return render(request, "raters/signup_closed.html", context, status=410)
    if request.method == "POST":
        wait = signup_wait_seconds(request, slug=campaign.slug)
        if wait is not None:
            context["wait"] = wait
            response = render(request, "raters/signup_limited.html", context, status=429)
            response["Retry-After"] = str(wait)
            return response

    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                campaign_join(campaign=campaign, user=request.user, invite_token=invite)
            except ApplicationError as exc:
                if exc.extra.get("code") == "campaign_closed":
                    return render(request, "raters/signup_closed.html", context, status=exc.status_code)
                messages.error(request, exc.message)
                return render(request, "raters/signup.html", context, status=exc.status_code)
            messages.success(request, f"You joined “{campaign.title}”.")
            return _after_join(campaign)
        return render(request, "raters/signup.html", context)

    form = SignUpForm(request.POST or None, initial={"invite": invite}, rater_types=campaign.rater_types)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = rater_sign_up(
                campaign=campaign,
                username=data["username"],
                password=data["password"],
                email=data.get("email") or "",
                rater_type=data["rater_type"],
                expertise=data.get("expertise") or "",
                invite_token=data.get("invite") or "",
                consent=bool(data.get("consent")),
                attributes=form.attribute_values(),
            )
        except ApplicationError as exc:
            if exc.extra.get("code") == "campaign_closed":
                return render(request, "raters/signup_closed.html", context, status=exc.status_code)
            form.add_error(None, exc.message)
            for problem in exc.extra.get("problems", []):
                form.add_error("password", problem)
            status = exc.status_code
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, "Welcome! Your account is ready.")
            return _after_join(campaign)
    elif request.method == "POST":
        status = 400
    context["form"] = form
    return render(request, "raters/signup.html", context, status=status)
