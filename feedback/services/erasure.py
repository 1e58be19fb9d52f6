"""Erasure of one end user's direct-labeling data: their requests, the feedback on them and their labels.

Only the feedback part's tables. A user is erased everywhere through datasets.services.user_erasure,
which also removes their rows from built dataset versions in the same transaction.
"""

from __future__ import annotations

from django.db import transaction

from feedback.models import DirectLabel, FeedbackEvent, InferenceRequest


@transaction.atomic
def feedback_user_erase(*, user_id: str) -> dict[str, int]:
    """Delete every request, feedback event and direct label stored for `user_id`; all or nothing."""
    request_ids = list(
        InferenceRequest.objects.select_for_update().filter(user_id=user_id).values_list("request_id", flat=True)
    )
    labels, _ = DirectLabel.objects.filter(user_id=user_id).delete()
    labels_by_request, _ = DirectLabel.objects.filter(request_id__in=request_ids).delete()
    events, _ = FeedbackEvent.objects.filter(request_id__in=request_ids).delete()
    requests, _ = InferenceRequest.objects.filter(request_id__in=request_ids).delete()
    return {"requests": requests, "feedback_events": events, "labels": labels + labels_by_request}
