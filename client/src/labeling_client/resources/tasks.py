"""The rater's loop for scripted raters: lease the next task, submit a value or skip it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from labeling_client.errors import ConflictError, PermissionDeniedError
from labeling_client.resources.base import Resource, object_id
from labeling_client.resources.projects import ProjectRef
from labeling_client.types import Annotation, Task

INSTRUCTION_CODES = {"instructions_not_acknowledged", "instructions_changed"}

SKIP = object()
"""Return this from a labeler passed to `Tasks.run` to skip the task instead of labeling it."""


class Tasks(Resource):
    def next(self, project: ProjectRef) -> Task | None:
        """Lease the next task (or get back the one already held); None when nothing is left for this rater."""
        body = self._t.json("POST", f"api/projects/{object_id(project)}/tasks/next/")
        return None if body is None else Task.from_api(body)

    def submit(
        self,
        task: str | Task,
        value: Any,
        *,
        instruction_version: int | None = None,
        time_spent_ms: int | None = None,
    ) -> Annotation:
        """Submit a label. With a Task, the instructions version it was leased under is sent along."""
        if isinstance(task, Task):
            task_id = task.task_id
            if instruction_version is None:
                instruction_version = task.instruction_version
        else:
            task_id = str(task)
        body: dict[str, Any] = {"value": value}
        if instruction_version is not None:
            body["instruction_version"] = instruction_version
        if time_spent_ms is not None:
            body["time_spent_ms"] = time_spent_ms
        return self._t.json("POST", f"api/tasks/{task_id}/submit/", json=body)

    def skip(self, task: str | Task, reason: str) -> dict[str, Any]:
        task_id = task.task_id if isinstance(task, Task) else str(task)
        return self._t.json("POST", f"api/tasks/{task_id}/skip/", json={"reason": reason})

    def run(
        self,
        project: ProjectRef,
        labeler: Callable[[Task], Any],
        *,
        limit: int | None = None,
        skip_reason: str = "scripted rater skipped",
        acknowledge_instructions: bool = False,
    ) -> int:
        """Label until nothing is left (or `limit` tasks): `labeler(task)` returns a value, or SKIP.

        With `acknowledge_instructions`, a new instructions version is acknowledged when the server asks
        for it, and a label refused because the instructions changed mid-task is asked of the labeler
        again under the new version (the server keeps the lease). Returns the tasks submitted or skipped.
        """
        done = 0
        while limit is None or done < limit:
            try:
                task = self.next(project)
            except PermissionDeniedError as exc:
                if acknowledge_instructions and exc.code in INSTRUCTION_CODES:
                    self._t.json("POST", f"api/projects/{object_id(project)}/instructions/acknowledge/")
                    continue
                raise
            if task is None:
                break
            value = labeler(task)
            try:
                if value is SKIP:
                    self.skip(task, skip_reason)
                else:
                    self.submit(task, value)
            except (ConflictError, PermissionDeniedError) as exc:
                if acknowledge_instructions and exc.code in INSTRUCTION_CODES:
                    self._t.json("POST", f"api/projects/{object_id(project)}/instructions/acknowledge/")
                    continue  # the next lease is this task again, under the new version
                raise
            done += 1
        return done
