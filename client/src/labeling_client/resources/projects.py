"""Projects, their members and their instructions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labeling_client.pagination import Paginated
from labeling_client.resources.base import Resource, object_id
from labeling_client.types import Member, Project

ProjectRef = int | Project


class Projects(Resource):
    def list(self, *, page_size: int = 100) -> Paginated[Project]:
        """Staff see every project; a rater only the projects they belong to."""
        return Paginated(self._t, "api/projects/", page_size=page_size)

    def get(self, project: ProjectRef) -> Project:
        return self._t.json("GET", f"api/projects/{object_id(project)}/")

    def create(self, name: str, *, label_type: str, categories: Sequence[Any] = (), **settings: Any) -> Project:
        """Staff only. `settings` are the editable fields (overlap, lease_seconds, aggregation_method, ...)."""
        body = {"name": name, "label_type": label_type, "categories": list(categories), **settings}
        return self._t.json("POST", "api/projects/", json=body)

    def update(self, project: ProjectRef, **fields: Any) -> Project:
        return self._t.json("PATCH", f"api/projects/{object_id(project)}/", json=fields)

    def find(self, name: str) -> Project | None:
        """The project with this exact name among those the caller can see."""
        return next((p for p in self.list() if p.get("name") == name), None)

    # Members

    def members(self, project: ProjectRef, *, page_size: int = 100) -> Paginated[Member]:
        return Paginated(self._t, f"api/projects/{object_id(project)}/members/", page_size=page_size)

    def add_member(
        self, project: ProjectRef, *, username: str | None = None, user_id: int | None = None, role: str = "rater"
    ) -> Member:
        """Add a person by username or user id with a role (rater, reviewer, manager)."""
        body: dict[str, Any] = {"role": role}
        if username is not None:
            body["username"] = username
        if user_id is not None:
            body["user_id"] = user_id
        return self._t.json("POST", f"api/projects/{object_id(project)}/members/", json=body)

    def remove_member(self, project: ProjectRef, user_id: int, *, reason: str = "") -> Member:
        """Remove a member; the server also bans them from the project until staff lift the ban."""
        return self._t.json("DELETE", f"api/projects/{object_id(project)}/members/{user_id}/", json={"reason": reason})

    # Instructions

    def publish_instructions(self, project: ProjectRef, body: str, *, change_note: str = "") -> dict[str, Any]:
        return self._t.json(
            "POST",
            f"api/projects/{object_id(project)}/instructions/",
            json={"body": body, "change_note": change_note},
        )

    def current_instructions(self, project: ProjectRef) -> dict[str, Any] | None:
        """The current version with `acknowledged` for the caller; None when the project has none."""
        return self._t.json("GET", f"api/projects/{object_id(project)}/instructions/current/")

    def acknowledge_instructions(self, project: ProjectRef) -> dict[str, Any]:
        """A rater confirms they read the current instructions (needed before the next task)."""
        return self._t.json("POST", f"api/projects/{object_id(project)}/instructions/acknowledge/")

    # Reports

    def report(self, project: ProjectRef, *, bootstrap: int = 1000) -> dict[str, Any]:
        return self._t.json("GET", f"api/projects/{object_id(project)}/report/", params={"bootstrap": bootstrap})

    def agreement(self, project: ProjectRef, *, bootstrap: int = 1000) -> dict[str, Any]:
        return self._t.json("GET", f"api/projects/{object_id(project)}/agreement/", params={"bootstrap": bootstrap})
