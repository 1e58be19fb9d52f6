"""Self-reported attributes: given only with explicit consent, withdrawable at any time."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from config.exceptions import ApplicationError
from raters.models import ConsentEvent, RaterAttributes
from raters.models.attributes import ATTRIBUTE_FIELDS, CONSENT_TEXT_VERSION, AgeBand, Gender

CONSENT_TEXT = (
    "I agree that the answers below are stored separately from my account and used only in aggregate "
    "(groups of at least 5 raters) to check that the rater pool is diverse and treated fairly. "
    "I can withdraw them at any time, which deletes them."
)


@transaction.atomic
def attributes_consent_give(*, user, consent: bool, **values: str) -> RaterAttributes:
    if not consent:
        raise ApplicationError(
            "Attributes are stored only with your explicit consent.", extra={"code": "consent_required"}
        )
    unknown = set(values) - set(ATTRIBUTE_FIELDS)
    if unknown:
        raise ApplicationError("Unknown attribute.", extra={"code": "unknown_attribute", "fields": sorted(unknown)})
    cleaned = {field: (values.get(field) or "").strip()[:100] for field in ATTRIBUTE_FIELDS}
    if cleaned["age_band"] and cleaned["age_band"] not in AgeBand.values:
        raise ApplicationError("Unknown age band.", extra={"code": "bad_value", "field": "age_band"})
    if cleaned["gender"] and cleaned["gender"] not in Gender.values:
        raise ApplicationError("Unknown gender value.", extra={"code": "bad_value", "field": "gender"})
    attributes, _ = RaterAttributes.objects.update_or_create(
        user=user,
        defaults={**cleaned, "consent_text_version": CONSENT_TEXT_VERSION, "consented_at": timezone.now()},
    )
    ConsentEvent.objects.create(user=user, action=ConsentEvent.Action.GIVEN, consent_text_version=CONSENT_TEXT_VERSION)
    return attributes


@transaction.atomic
def attributes_withdraw(*, user) -> bool:
    """Delete the rater's attributes. Returns False when there was nothing to withdraw."""
    deleted, _ = RaterAttributes.objects.filter(user=user).delete()
    if deleted:
        ConsentEvent.objects.create(user=user, action=ConsentEvent.Action.WITHDRAWN)
    return bool(deleted)
