"""Erasure of one user's data: requests, their feedback and labels, then the datasets part's rows."""

from __future__ import annotations

import logging

from django.db import transaction

from feedback.models import DirectLabel, FeedbackEvent, InferenceRequest

logger = logging.getLogger(__name__)


@transaction.atomic
def user_erase(*, user_id: str) -> dict[str, int]:
    """Delete everything stored for `user_id`; all or nothing, including the datasets part's hook."""
    request_ids = list(
        InferenceRequest.objects.select_for_update().filter(user_id=user_id).values_list("request_id", flat=True)
    )
    labels, _ = DirectLabel.objects.filter(user_id=user_id).delete()
    labels_by_request, _ = DirectLabel.objects.filter(request_id__in=request_ids).delete()
    events, _ = FeedbackEvent.objects.filter(request_id__in=request_ids).delete()
    requests, _ = InferenceRequest.objects.filter(request_id__in=request_ids).delete()
    result = {"requests": requests, "feedback_events": events, "labels": labels + labels_by_request}
    try:
        from datasets.services.erasure import dataset_rows_erase_feedback_user
    except ImportError:
        logger.info("datasets erasure hook not available; only feedback data erased")
    else:
        dataset_result = dataset_rows_erase_feedback_user(user_id=user_id)
        result["dataset_rows"] = dataset_result if isinstance(dataset_result, int) else 0
    return result
