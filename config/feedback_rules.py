"""Direct-labeling settings production refuses: privacy and timing values that silently lose or keep data.

Pure (no Django settings access), so production.py can call it while settings load and the tests can feed
it feedback/conf.py's defaults. The rules and their reasons are in docs/feedback-messages.md.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# Feedback stamped before its request was served only happens with skewed clocks. NTP keeps hosts within
# a second; 5 minutes is the tolerance Kerberos (RFC 4120's usual default) and signed-request schemes use
# before calling a clock wrong. An allowance beyond that hides a producer clock that needs fixing.
MAX_CLOCK_SKEW_ALLOWANCE_S = 300
MIN_DEAD_LETTER_RETENTION_DAYS = 1


def feedback_settings_problems(feedback: Mapping[str, Any], *, allow_unredacted: bool) -> list[str]:
    """What is wrong with the FEEDBACK settings for production, each as the message to show (empty: fine).

    Only keys present are checked: an absent key takes its feedback/conf.py default, which passes.
    """
    problems = []
    replaced = feedback.get("FEATURE_PATHS_REPLACE_DEFAULTS")
    if replaced and not feedback.get("FEATURE_PATHS_DROP") and not allow_unredacted:
        problems.append(
            "FEEDBACK_FEATURE_PATHS_REPLACE_DEFAULTS=1 with an empty FEEDBACK_FEATURE_PATHS_DROP drops no "
            "feature path, so email, user.email and user.phone would be stored as sent. List the paths to "
            "drop in FEEDBACK_FEATURE_PATHS_DROP, or set FEEDBACK_ALLOW_UNREDACTED_FEATURES=1 if the "
            "features carry no personal data."
        )
    skew = feedback.get("CLOCK_SKEW_ALLOWANCE_S")
    if skew is not None and not 0 <= skew <= MAX_CLOCK_SKEW_ALLOWANCE_S:
        problems.append(
            f"FEEDBACK_CLOCK_SKEW_ALLOWANCE_S must be between 0 and {MAX_CLOCK_SKEW_ALLOWANCE_S} seconds (got "
            f"{skew}); a larger skew is a clock to fix, and feedback from before its request would count."
        )
    lateness = feedback.get("IDLE_PARTITION_LATENESS_S")
    if lateness is not None and lateness < 0:
        problems.append(
            f"FEEDBACK_IDLE_PARTITION_LATENESS_S must be 0 or more (got {lateness}); a negative value puts an "
            "idle partition's watermark in the future and windows would close before their feedback is read."
        )
    retention = feedback.get("DEAD_LETTER_RETENTION_DAYS")
    if retention is not None and retention < MIN_DEAD_LETTER_RETENTION_DAYS:
        problems.append(
            f"FEEDBACK_DEAD_LETTER_RETENTION_DAYS must be at least {MIN_DEAD_LETTER_RETENTION_DAYS} in production "
            f"(got {retention}); 0 or less would keep dead letters, which hold message payloads, forever."
        )
    return problems
