"""Dawid-Skene EM in numpy: crowd-kit's algorithm, step for step, fast enough for a million annotations.

crowd-kit's `DawidSkene` spends most of a million-row fit in pandas joins and groupbys. Here both EM
steps are one sparse matrix product each over integer codes: with A the tasks x (worker, label)
incidence matrix, the E-step's per-task log-likelihoods are A @ log(errors) and the M-step's
confusion counts are A.T @ probas. Everything else follows crowd-kit 1.4.2 exactly (majority-vote
initialisation, clipping at 1e-10, per-worker normalisation over the labels that worker used, the
per-annotation evidence lower bound as the stopping rule), so it gives crowd-kit's labels;
`tests/labeling/test_dawid_skene.py` checks that against crowd-kit itself on the Snow et al. data.

The EM is unsupervised: it sees the crowd's annotations of regular items only (the project frame
leaves gold out), so the confusion matrices are the crowd model, not a fit to the known answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

_EPS = 1e-10


def unique_inverse(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`np.unique(values, return_inverse=True)` by hashing: sorts only the distinct values, not every row."""
    codes, uniques = pd.factorize(np.asarray(values))
    uniques = np.asarray(uniques)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return uniques[order], rank[codes]


@dataclass
class DawidSkeneFit:
    """Parameters over the labels actually observed (`labels`, sorted codes)."""

    tasks: np.ndarray  # sorted task ids, rows of probas
    workers: np.ndarray  # sorted worker ids
    labels: np.ndarray  # sorted observed label codes, columns of probas
    probas: np.ndarray  # tasks x K posterior of the true label
    priors: np.ndarray  # K
    errors: np.ndarray  # workers x K observed x K true: P(observed | true); 0 for labels a worker never used
    loss_history: list[float] = field(default_factory=list)

    @property
    def n_iter(self) -> int:
        return len(self.loss_history)


def _m_step(incidence_t: sparse.csr_matrix, probas: np.ndarray, used: np.ndarray, n_workers: int) -> np.ndarray:
    """Confusion matrices from posteriors: counts clipped at eps, normalised per worker and true label."""
    k = probas.shape[1]
    counts = np.asarray(incidence_t @ probas)  # (worker, observed) x true
    counts = np.where(used[:, None], np.maximum(counts, _EPS), 0.0).reshape(n_workers, k, k)
    return counts / counts.sum(axis=1, keepdims=True)


def _log_errors(errors: np.ndarray, used: np.ndarray) -> np.ndarray:
    k = errors.shape[1]
    flat = errors.reshape(-1, k)
    with np.errstate(divide="ignore"):
        return np.where(used[:, None], np.log(np.where(used[:, None], flat, 1.0)), 0.0)


def _e_step(log_likelihood: np.ndarray, priors: np.ndarray) -> np.ndarray:
    scores = log_likelihood + np.log(np.maximum(priors, _EPS))[None, :]
    scores -= scores.max(axis=1, keepdims=True)
    probas = np.exp(scores)
    return probas / probas.sum(axis=1, keepdims=True)


def fit(
    task: np.ndarray, worker: np.ndarray, label: np.ndarray, *, n_iter: int = 100, tol: float = 1e-5
) -> DawidSkeneFit:
    """Fit on parallel arrays of integer task, worker and label codes (one entry per annotation)."""
    tasks, t = unique_inverse(task)
    workers, w = unique_inverse(worker)
    labels, lab = unique_inverse(label)
    n, n_tasks, n_workers, k = len(t), len(tasks), len(workers), len(labels)
    pair = w * k + lab
    ones = np.ones(n)
    incidence = sparse.csr_matrix((ones, (t, pair)), shape=(n_tasks, n_workers * k))
    incidence_t = incidence.T.tocsr()
    used = np.bincount(pair, minlength=n_workers * k) > 0
    per_task = np.bincount(t, minlength=n_tasks).astype(float)

    votes = np.bincount(t * k + lab, minlength=n_tasks * k).reshape(n_tasks, k).astype(float)
    probas = votes / votes.sum(axis=1, keepdims=True)
    priors = probas.mean(axis=0)
    errors = _m_step(incidence_t, probas, used, n_workers)
    log_likelihood = np.asarray(incidence @ _log_errors(errors, used))
    loss = -np.inf
    history: list[float] = []
    for _ in range(n_iter):
        probas = _e_step(log_likelihood, priors)
        priors = np.maximum(probas.mean(axis=0), _EPS)
        errors = _m_step(incidence_t, probas, used, n_workers)
        log_likelihood = np.asarray(incidence @ _log_errors(errors, used))
        # crowd-kit's bound: expected joint log-likelihood per annotation (the prior counted once per
        # annotation) plus the posterior's entropy, with probabilities clipped at eps.
        joint = float(np.vdot(probas, log_likelihood) + (per_task @ probas) @ np.log(priors))
        probas = np.maximum(probas, _EPS)
        entropy = -float(np.vdot(probas, np.log(probas)))
        new_loss = (joint + entropy) / n
        history.append(new_loss)
        if new_loss - loss < tol:
            break
        loss = new_loss
    return DawidSkeneFit(
        tasks=tasks, workers=workers, labels=labels, probas=probas, priors=priors, errors=errors, loss_history=history
    )
