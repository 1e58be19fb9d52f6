"""Deterministic train / validation / test assignment by a hash of the row key.

The split depends only on the key, the seed and the fractions, never on the other rows, so an item
keeps its split as the dataset grows and a rebuild reproduces it exactly.
"""

from __future__ import annotations

import hashlib

from datasets.models import Split

_SCALE = float(2**64)
# Plain strings (not the enum members) because they go straight into COPY.
TRAIN, VALIDATION, TEST = Split.TRAIN.value, Split.VALIDATION.value, Split.TEST.value


def split_for_key(*, key: str, seed: str, train_fraction: float, validation_fraction: float) -> str:
    digest = hashlib.sha256(f"{seed}\x00{key}".encode()).digest()
    position = int.from_bytes(digest[:8], "big") / _SCALE
    if position < train_fraction:
        return TRAIN
    if position < train_fraction + validation_fraction:
        return VALIDATION
    return TEST
