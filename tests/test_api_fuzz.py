"""schemathesis over our own OpenAPI against a real server: no 500, no response outside its schema.

A staff user and a rater (with a project, items, instructions and a campaign) each get a token from
`POST /api/auth/token/`; schemathesis runs every operation with each token, bounded in examples and time.
Operations that end the run's own credentials (token refresh/revoke, log out everywhere) are left out.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from labeling.services.instructions import instructions_acknowledge, instructions_publish
from labeling.services.items import items_import
from labeling.services.projects import membership_add, project_create
from raters.services.recruitment import campaign_create, invite_create

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "fuzz-pw-123456789"
SELF_ENDING = ["auth_token_refresh_create", "auth_token_revoke_create", "auth_logout_everywhere_create"]
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
BUDGET_SECONDS = {"staff": 100, "rater": 70}


def _post_json(url: str, body: dict) -> dict:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def _token(base: str, username: str) -> str:
    answer = _post_json(f"{base}/api/auth/token/", {"username": username, "password": PASSWORD})
    assert set(answer) == {"token", "expiry"}
    return answer["token"]


def _schema(base: str, token: str, path: Path) -> Path:
    request = urllib.request.Request(
        f"{base}/api/schema/?format=json", headers={"Authorization": f"Token {token}", "Accept": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        path.write_bytes(response.read())
    return path


def _world() -> None:
    users = get_user_model().objects
    staff = users.create_user("fuzz-staff", password=PASSWORD, is_staff=True)
    rater = users.create_user("fuzz-rater", password=PASSWORD)
    project = project_create(name="fuzz", label_type="single", categories=["cat", "dog"], overlap=2, created_by=staff)
    records = [{"external_id": f"x{i}", "payload": {"text": f"item {i}"}} for i in range(20)]
    records += [
        {"external_id": f"g{i}", "payload": {"text": f"gold {i}"}, "is_gold": True, "gold_value": "cat"}
        for i in range(3)
    ]
    items_import(project=project, records=records)
    instructions_publish(project=project, body="Label the animal.")
    membership_add(project=project, user=rater)
    instructions_acknowledge(project=project, user=rater)
    campaign = campaign_create(title="Fuzz campaign", project=project, created_by=staff)
    invite_create(campaign=campaign, created_by=staff)


def _run(base: str, schema: Path, token: str, who: str, tmp_path: Path) -> dict:
    report = tmp_path / f"{who}.json"
    command = [
        sys.executable, "-m", "schemathesis.cli", "run", str(schema), "--url", base,
        "--header", f"Authorization: Token {token}", "--checks", CHECKS, "--max-examples", "8",
        "--max-time", str(BUDGET_SECONDS[who]), "--phases", "examples,coverage,fuzzing", "--workers", "1",
        "--seed", "1", "--no-shrink", "--request-timeout", "20", "--suppress-health-check", "all",
        "--report", "ndjson", "--report-ndjson-path", str(report),
        *[arg for op in SELF_ENDING for arg in ("--exclude-operation-id", op)],
    ]  # fmt: skip
    env = {**os.environ, "NO_COLOR": "1", "SCHEMATHESIS_HOOKS": ""}
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=BUDGET_SECONDS[who] + 120, env=env, cwd=tmp_path
    )
    out = done.stdout + done.stderr
    (tmp_path / f"{who}.log").write_text(out)
    operations = re.search(r"Operations:\s+(\d+) selected", out)
    cases = re.search(r"(\d+) generated", out)
    return {
        "rc": done.returncode,
        "out": out,
        "operations": int(operations.group(1)) if operations else 0,
        "cases": int(cases.group(1)) if cases else 0,
    }


def test_schemathesis_finds_no_server_error_and_no_schema_violation(live_server, tmp_path):
    # Given a staff user and a rater with a project, tasks and a campaign, each with a token
    _world()
    base = live_server.url
    tokens = {"staff": _token(base, "fuzz-staff"), "rater": _token(base, "fuzz-rater")}
    schema = _schema(base, tokens["staff"], tmp_path / "openapi.json")

    # When schemathesis runs every operation with each token
    results = {who: _run(base, schema, token, who, tmp_path) for who, token in tokens.items()}

    # Then nothing failed: no 500, every status code documented, every response in its schema
    summary = {who: (r["operations"], r["cases"]) for who, r in results.items()}
    print(f"schemathesis (operations, cases): {summary}")
    for who, result in results.items():
        assert result["operations"] > 40 and result["cases"] > 100, (who, result["out"][-3000:])
        assert result["rc"] == 0, (who, result["out"][-12000:])
