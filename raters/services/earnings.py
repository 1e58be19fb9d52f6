"""Writes to the append-only earnings ledger. The only write path for EarningsEntry.

Every cent a project spends is an entry here: pay per annotation, gold bonus per feedback block, staff
adjustments. Pay and bonuses are recorded unconditionally (the work is done); the budget holds because
the lease that led to them was granted only when its pay and a possible bonus were reserved
(raters.selectors.budget). Adjustments are checked here, under the same lock.
"""

from __future__ import annotations

from django.db import transaction

from config.exceptions import ApplicationError, ConflictError, NotFoundError
from labeling.models import Annotation, AnnotationSource, Project, ProjectMembership
from raters.events import budget_exhausted_check
from raters.models import EarningsEntry, EarningsKind
from raters.selectors.budget import project_budget_snapshot
from raters.services.budget import budget_lock


def _append_once(entry: EarningsEntry) -> None:
    """INSERT ... ON CONFLICT DO NOTHING on (annotation, kind): one statement, and paying twice is impossible."""
    EarningsEntry.objects.bulk_create([entry], ignore_conflicts=True)


@transaction.atomic(savepoint=False)
def earnings_record_annotation(*, annotation: Annotation) -> None:
    """Pay for an accepted annotation (one made through a lease; imports are not paid). Idempotent."""
    project = annotation.project
    if project.pay_per_annotation_cents <= 0 or annotation.source == AnnotationSource.IMPORT:
        return
    _append_once(
        EarningsEntry(
            annotation=annotation,
            kind=EarningsKind.ANNOTATION,
            user_id=annotation.rater_id,
            project=project,
            amount_cents=project.pay_per_annotation_cents,
        )
    )
    budget_exhausted_check(project=project)


@transaction.atomic(savepoint=False)
def earnings_record_gold_bonus(*, annotation: Annotation) -> None:
    """Settle the gold bonus when this annotation completes one of the rater's feedback blocks.

    Pays `gold_bonus_cents` per correct gold answer in the block, if the rater's gold accuracy so far is at
    or above the project threshold. Settled per block, never per item, so the ledger cannot reveal which
    item was gold. Idempotent (one bonus entry per closing annotation).
    """
    from raters.conf import feedback_block
    from raters.models import GoldCheck

    project = annotation.project
    if project.gold_bonus_cents <= 0 or annotation.source == AnnotationSource.IMPORT:
        return
    block = feedback_block()
    answers = (
        Annotation.objects.filter(project=project, rater_id=annotation.rater_id, id__lte=annotation.pk)
        .exclude(source=AnnotationSource.IMPORT)
        .order_by("-id")
        .values_list("id", flat=True)
    )
    done = answers.count()
    if done % block:
        return
    block_ids = list(answers[:block])
    golds = GoldCheck.objects.filter(project=project, rater_id=annotation.rater_id, annotation_id__lte=annotation.pk)
    total = golds.count()
    if not total:
        return
    accuracy = golds.filter(is_correct=True).count() / total
    correct_in_block = golds.filter(annotation_id__in=block_ids, is_correct=True).count()
    if accuracy < project.gold_bonus_threshold or not correct_in_block:
        return
    _append_once(
        EarningsEntry(
            annotation=annotation,
            kind=EarningsKind.GOLD_BONUS,
            user_id=annotation.rater_id,
            project=project,
            amount_cents=project.gold_bonus_cents * correct_in_block,
            note=f"tasks {done - block + 1}-{done}: gold accuracy {accuracy:.0%}",
        )
    )


MAX_ADJUSTMENT_CENTS = 10_000_000  # $100,000: far above any real correction, far below the column's limit
NOTE_MAX_LENGTH = EarningsEntry._meta.get_field("note").max_length


@transaction.atomic
def earnings_adjust(*, project: Project, user, amount_cents: int, note: str, created_by) -> EarningsEntry:
    """A staff correction: a new signed entry, never an edit of an old one.

    A positive adjustment is money out of the budget like any pay, so it must fit in what is neither
    spent nor reserved, checked under the same lock as the lease path. A negative one always passes.
    """
    note = note.strip() if isinstance(note, str) else ""
    if not note:
        raise ApplicationError("An adjustment needs a note saying why.", extra={"code": "note_required"})
    if len(note) > NOTE_MAX_LENGTH:
        raise ApplicationError(
            f"The note is longer than {NOTE_MAX_LENGTH} characters.", extra={"code": "note_too_long"}
        )
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise ApplicationError("The amount must be a whole number of cents.", extra={"code": "invalid_amount"})
    if amount_cents == 0:
        raise ApplicationError("An adjustment of zero changes nothing.", extra={"code": "zero_adjustment"})
    if abs(amount_cents) > MAX_ADJUSTMENT_CENTS:
        raise ApplicationError(
            f"An adjustment is at most {MAX_ADJUSTMENT_CENTS} cents either way.",
            extra={"code": "amount_out_of_range", "max_cents": MAX_ADJUSTMENT_CENTS},
        )
    if not ProjectMembership.objects.filter(project=project, user=user).exists():
        # Even a removed member keeps their row, so corrections to past pay stay possible; a stranger never earned here.
        raise NotFoundError("This user has never worked on this project.", extra={"code": "not_a_member"})
    if amount_cents > 0 and project.budget_cents is not None:
        budget_lock(project=project)
        snapshot = project_budget_snapshot(project=project)
        if not snapshot.room_for(amount_cents):
            available = max(0, snapshot.remaining_cents or 0)
            raise ConflictError(
                f"The budget has {available} cents left that no open task may still claim; "
                f"an adjustment of {amount_cents} cents does not fit.",
                extra={"code": "budget_exceeded", "available_cents": available},
            )
    return EarningsEntry.objects.create(
        user=user,
        project=project,
        kind=EarningsKind.ADJUSTMENT,
        amount_cents=amount_cents,
        note=note,
        created_by=created_by,
    )


@transaction.atomic
def earnings_record_floor_top_ups(*, period, top_ups: dict[int, int], note: str) -> list[EarningsEntry]:
    """Write a pay period's hourly-floor top-ups, all or none, inside the budget.

    Top-ups are money out of the budget like a positive adjustment, so their sum must fit in what is
    neither spent nor reserved, under the project's budget lock (ADR 0009). The caller holds the period's
    row lock; the unique (pay_period, user) constraint makes a second top-up impossible anyway.
    """
    top_ups = {user_id: cents for user_id, cents in top_ups.items() if cents > 0}
    if not top_ups:
        return []
    project = period.project
    needed = sum(top_ups.values())
    if project.budget_cents is not None:
        budget_lock(project=project)
        snapshot = project_budget_snapshot(project=project)
        if not snapshot.room_for(needed):
            available = max(0, snapshot.remaining_cents or 0)
            raise ConflictError(
                f"The floor top-ups need {needed} cents but the budget has {available} cents that no open task "
                "may still claim; raise the budget or lower the floor, then close again.",
                extra={"code": "top_ups_exceed_budget", "needed_cents": needed, "available_cents": available},
            )
    entries = [
        EarningsEntry(
            user_id=user_id,
            project=project,
            kind=EarningsKind.FLOOR_TOP_UP,
            amount_cents=cents,
            pay_period=period,
            note=note[:NOTE_MAX_LENGTH],
        )
        for user_id, cents in sorted(top_ups.items())
    ]
    return EarningsEntry.objects.bulk_create(entries)
