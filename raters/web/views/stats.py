"""My stats (tasks done, gold accuracy, earnings, pause status) and my consented attributes."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from config.exceptions import ApplicationError
from labeling.selectors.flags import flags_of_rater
from raters.models import RaterAttributes
from raters.selectors.pay import my_pay
from raters.selectors.payouts import rater_statements
from raters.selectors.projects import rater_ledger, rater_stats
from raters.services.attributes import CONSENT_TEXT, attributes_consent_give, attributes_withdraw
from raters.web.forms import AttributesFields


@login_required
def my_stats(request: HttpRequest) -> HttpResponse:
    context = {
        "stats": rater_stats(user=request.user),
        "ledger": rater_ledger(user=request.user, limit=20),
        "pay": my_pay(user=request.user),
        "statements": rater_statements(user=request.user)[:12],
        "flags": flags_of_rater(rater=request.user)[:50],
    }
    return render(request, "raters/stats.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def my_attributes(request: HttpRequest) -> HttpResponse:
    """The rater's own attributes: the only place one person's values are ever shown, to that person."""
    current = RaterAttributes.objects.filter(user=request.user).first()
    if request.method == "POST" and request.POST.get("action") == "withdraw":
        attributes_withdraw(user=request.user)
        messages.success(request, "Your attributes were deleted.")
        return redirect("raters:attributes")
    initial = {}
    if current is not None:
        initial = {f: getattr(current, f) for f in ("language", "region", "age_band", "gender", "domain_expertise")}
    form = AttributesFields(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            attributes_consent_give(
                user=request.user, consent=bool(form.cleaned_data.get("consent")), **form.attribute_values()
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Saved. Thank you.")
            return redirect("raters:attributes")
    return render(request, "raters/attributes.html", {"form": form, "current": current, "consent_text": CONSENT_TEXT})
