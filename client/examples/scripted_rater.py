"""A scripted rater: label a project's tasks with a function until nothing is left.

    LABELING_URL=https://labels.example.org LABELING_USERNAME=bot-1 LABELING_PASSWORD=... \\
      python scripted_rater.py --project 3

The project's quality rules apply (gold checks, pauses); a project meant for scripted raters usually
switches the fast-answer rule off (`pause_fast_share_above=None`).
"""

from __future__ import annotations

import argparse

from labeling_client import SKIP, Client, Task


def label(task: Task) -> object:
    """Replace with a model or a rule. Return SKIP for a task the script cannot judge."""
    text = str(task.payload.get("text", "")) if isinstance(task.payload, dict) else ""
    if not text:
        return SKIP
    return "positive" if "good" in text.lower() else "negative"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", type=int, required=True)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    with Client.from_env() as client:
        done = client.tasks.run(args.project, label, limit=args.limit, acknowledge_instructions=True)
    print(f"{done} tasks done")


if __name__ == "__main__":
    main()
