"""An independent model of what a project owes, written from the pay rules (ADR 0007, ADR 0009).

Fed with what the test's raters did (which tasks were gold, which gold answers they got right), never
with the ledger or GoldCheck rows, so comparing it with the system's figures can catch a wrong sum.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Answer:
    annotation_id: int
    is_gold: bool
    correct: bool


@dataclass(frozen=True)
class Owed:
    pay_cents: int
    bonus_cents: int
    unsettled_golds: int  # correct gold answers in unfinished blocks (their bonus is reserved)


def owed(answers_by_rater: dict[int, list[Answer]], *, pay: int, bonus: int, threshold: float, block: int) -> Owed:
    """Pay per answer; at each completed block, `bonus` per correct gold in it if accuracy so far >= threshold."""
    pay_total = bonus_total = unsettled = 0
    for answers in answers_by_rater.values():
        ordered = sorted(answers, key=lambda a: a.annotation_id)
        pay_total += pay * len(ordered)
        gold_seen = gold_right = 0
        for position, answer in enumerate(ordered, start=1):
            gold_seen += answer.is_gold
            gold_right += answer.is_gold and answer.correct
            if position % block == 0 and gold_seen and gold_right / gold_seen >= threshold:
                bonus_total += bonus * sum(a.is_gold and a.correct for a in ordered[position - block : position])
        open_size = len(ordered) % block
        if open_size:
            unsettled += sum(a.is_gold and a.correct for a in ordered[-open_size:])
    return Owed(pay_cents=pay_total, bonus_cents=bonus_total, unsettled_golds=unsettled)
