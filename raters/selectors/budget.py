"""Project spend against its budget: the ledger, what open work may still cost, and the budget report.

The reservation model (docs/adr/0009-budget-reservations.md): money is either spent (the sum of the
earnings ledger: pay, gold bonuses, adjustments) or reserved. Reserved is what work already handed out
may still cost: every open lease may earn its pay plus one gold bonus, and every correct gold answer in a
rater's unfinished feedback block may still be paid its bonus when the block closes. A new task is
granted only when spent + reserved + (pay + bonus) fits in the budget, under the per-project lock taken
by raters.services.budget. Submitting work only turns reservations into spend (or frees them), so the
total never grows without passing that check.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection

from labeling.models import AnnotationSource, AssignmentStatus, Project, Resolution
from labeling.selectors.crowd_items import crowd_item_q
from raters.conf import feedback_block
from raters.models import EarningsKind

# Correct gold answers inside each rater's open feedback block (the answers after their last whole
# block), i.e. bonuses earned but not yet settled. "Answers" are counted exactly as the settlement in
# raters.services.earnings counts them: the rater's non-import annotations on the project, by id.
_UNSETTLED_GOLDS_SQL = """
unsettled AS (
    SELECT COUNT(*) AS golds
    FROM (
        SELECT a.rater_id, COUNT(*) %% %(block)s AS open_size
        FROM labeling_annotation a
        WHERE a.project_id = %(project)s AND a.source <> %(import)s
          AND EXISTS (SELECT 1 FROM labeling_project WHERE id = %(project)s AND gold_bonus_cents > 0)
          AND a.rater_id IN (
              SELECT g.rater_id FROM raters_goldcheck g WHERE g.project_id = %(project)s AND g.is_correct
          )
        GROUP BY a.rater_id
    ) r
    CROSS JOIN LATERAL (
        SELECT a.id FROM labeling_annotation a
        WHERE a.project_id = %(project)s AND a.rater_id = r.rater_id AND a.source <> %(import)s
        ORDER BY a.id DESC
        LIMIT r.open_size
    ) open_block
    JOIN raters_goldcheck g ON g.annotation_id = open_block.id AND g.is_correct
)"""

# Every figure in ONE statement, so all come from one snapshot: two statements could straddle a
# concurrent submit's commit (its lease already closed, its pay not yet seen) and miss the task entirely.
_SNAPSHOT_SQL = (
    "WITH "
    + _UNSETTLED_GOLDS_SQL.strip()
    + """,
ledger AS (
    SELECT COALESCE(SUM(amount_cents) FILTER (WHERE kind = %(pay_kind)s), 0) AS pay,
           COALESCE(SUM(amount_cents) FILTER (WHERE kind = %(bonus_kind)s), 0) AS bonus,
           COALESCE(SUM(amount_cents) FILTER (WHERE kind = %(adjustment_kind)s), 0) AS adjustment,
           COALESCE(SUM(amount_cents) FILTER (WHERE kind = %(topup_kind)s), 0) AS topup,
           COUNT(*) FILTER (WHERE kind = %(pay_kind)s) AS paid_annotations
    FROM raters_earningsentry WHERE project_id = %(project)s
),
leases AS (
    SELECT COUNT(*) AS open, COUNT(*) FILTER (WHERE rater_id = %(rater)s) AS own
    FROM labeling_assignment WHERE project_id = %(project)s AND status = %(leased)s
)
SELECT p.budget_cents, p.pay_per_annotation_cents, p.gold_bonus_cents,
       ledger.pay, ledger.bonus, ledger.adjustment, ledger.paid_annotations,
       ledger.topup,
       leases.open, leases.own, unsettled.golds
FROM labeling_project p, ledger, leases, unsettled
WHERE p.id = %(project)s
"""
)


@dataclass(frozen=True)
class BudgetSnapshot:
    """One consistent reading of a project's money. Rates and budget are read in the same statement."""

    budget_cents: int | None
    pay_cents: int
    bonus_cents: int
    spent_pay_cents: int
    spent_bonus_cents: int
    spent_adjustment_cents: int
    paid_annotations: int
    open_leases: int
    own_leases: int
    unsettled_golds: int
    spent_topup_cents: int = 0  # hourly floor top-ups written when a pay period closes

    @property
    def spent_cents(self) -> int:
        return self.spent_pay_cents + self.spent_bonus_cents + self.spent_adjustment_cents + self.spent_topup_cents

    @property
    def task_cost_cents(self) -> int:
        """The most one task can cost: its pay plus one gold bonus (any task may be a gold item)."""
        return self.pay_cents + self.bonus_cents

    @property
    def reserved_leases_cents(self) -> int:
        return self.open_leases * self.task_cost_cents

    @property
    def reserved_bonus_cents(self) -> int:
        return self.unsettled_golds * self.bonus_cents

    @property
    def reserved_cents(self) -> int:
        return self.reserved_leases_cents + self.reserved_bonus_cents

    @property
    def remaining_cents(self) -> int | None:
        if self.budget_cents is None:
            return None
        return self.budget_cents - self.spent_cents - self.reserved_cents

    def room_for(self, amount_cents: int, *, excluding_own_leases: bool = False) -> bool:
        """Whether `amount_cents` more fits in the budget on top of everything spent and reserved.

        `excluding_own_leases`: the rater asking for a task gets their held lease back or a replacement
        for an expired one, never both, so their own open leases are not counted twice.
        """
        if self.budget_cents is None:
            return True
        committed = self.spent_cents + self.reserved_cents
        if excluding_own_leases:
            committed -= self.own_leases * self.task_cost_cents
        if amount_cents == 0:  # free work still stops once nothing is left
            return committed < self.budget_cents
        return committed + amount_cents <= self.budget_cents


def project_budget_snapshot(*, project: Project, rater=None) -> BudgetSnapshot:
    """Spend, reservations and rates of a project in one statement. `rater` fills `own_leases`.

    Consistent only as of its own statement; a caller that acts on it must hold the project's budget lock.
    """
    params = {
        "project": project.pk,
        "rater": rater.pk if rater is not None else None,
        "leased": AssignmentStatus.LEASED,
        "pay_kind": EarningsKind.ANNOTATION,
        "bonus_kind": EarningsKind.GOLD_BONUS,
        "adjustment_kind": EarningsKind.ADJUSTMENT,
        "topup_kind": EarningsKind.FLOOR_TOP_UP,
        "import": AnnotationSource.IMPORT,
        "block": feedback_block(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_SNAPSHOT_SQL, params)
        row = cursor.fetchone()
    budget, pay, bonus, spent_pay, spent_bonus, spent_adjustment, paid, topup, open_leases, own, golds = row
    return BudgetSnapshot(
        budget_cents=budget,
        pay_cents=int(pay),
        bonus_cents=int(bonus),
        spent_pay_cents=int(spent_pay),
        spent_bonus_cents=int(spent_bonus),
        spent_adjustment_cents=int(spent_adjustment),
        paid_annotations=int(paid),
        open_leases=int(open_leases),
        own_leases=int(own),
        unsettled_golds=int(golds),
        spent_topup_cents=int(topup),
    )


def project_spent_cents(*, project: Project) -> int:
    return project_budget_snapshot(project=project).spent_cents


def project_budget_exhausted(*, project: Project, user=None) -> bool:
    """True when the budget cannot cover one more task (its pay plus a possible gold bonus).

    For a rater (`user`) their own open lease is not counted twice: they get it back, or a replacement.
    Projects without a budget return at once, with no query.
    """
    if project.budget_cents is None:
        return False
    snapshot = project_budget_snapshot(project=project, rater=user)
    return not snapshot.room_for(snapshot.task_cost_cents, excluding_own_leases=user is not None)


@dataclass(frozen=True)
class BudgetReport:
    """What staff see. spent = pay + bonus + adjustments; remaining = budget - spent - reserved."""

    budget_cents: int | None
    spent_cents: int
    spent_pay_cents: int
    spent_bonus_cents: int
    spent_adjustment_cents: int
    spent_topup_cents: int
    reserved_cents: int
    reserved_leases_cents: int
    reserved_bonus_cents: int
    committed_cents: int  # spent + reserved
    remaining_cents: int | None
    next_task_cost_cents: int
    open_leases: int
    unsettled_gold_answers: int
    paid_annotations: int
    resolved_labels: int
    cost_per_resolved_label_cents: float | None
    exhausted: bool


def project_budget_report(*, project: Project) -> BudgetReport:
    snapshot = project_budget_snapshot(project=project)
    spent = snapshot.spent_cents
    resolved = Resolution.objects.filter(
        crowd_item_q("item__"), project=project, is_current=True, label__isnull=False
    ).count()
    return BudgetReport(
        budget_cents=snapshot.budget_cents,
        spent_cents=spent,
        spent_pay_cents=snapshot.spent_pay_cents,
        spent_bonus_cents=snapshot.spent_bonus_cents,
        spent_adjustment_cents=snapshot.spent_adjustment_cents,
        spent_topup_cents=snapshot.spent_topup_cents,
        reserved_cents=snapshot.reserved_cents,
        reserved_leases_cents=snapshot.reserved_leases_cents,
        reserved_bonus_cents=snapshot.reserved_bonus_cents,
        committed_cents=spent + snapshot.reserved_cents,
        remaining_cents=snapshot.remaining_cents,
        next_task_cost_cents=snapshot.task_cost_cents,
        open_leases=snapshot.open_leases,
        unsettled_gold_answers=snapshot.unsettled_golds,
        paid_annotations=snapshot.paid_annotations,
        resolved_labels=resolved,
        cost_per_resolved_label_cents=(spent / resolved) if resolved else None,
        exhausted=snapshot.budget_cents is not None and not snapshot.room_for(snapshot.task_cost_cents),
    )
