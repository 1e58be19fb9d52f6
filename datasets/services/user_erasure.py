"""One end user's erasure across every part that stores them: feedback rows, then dataset version rows.

Lives in datasets because it is the highest part holding a user's data, so it can import each part it
erases; an erasure is therefore never silently partial.
"""

from __future__ import annotations

from django.db import transaction

from datasets.services.erasure import dataset_rows_erase_feedback_user
from feedback.services.erasure import feedback_user_erase


@transaction.atomic
def user_erase(*, user_id: str) -> dict[str, int]:
    """Delete everything stored for `user_id`: requests, feedback, direct labels and dataset rows; all or nothing."""
    result = feedback_user_erase(user_id=user_id)
    result["dataset_rows"] = dataset_rows_erase_feedback_user(user_id=user_id)
    return result
