# Sourced by run.sh and test.sh: a virtualenv with the pinned requirements, in .venv.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "[bootstrap] creating .venv" >&2
  "$PY" -m venv .venv
fi
stamp=.venv/.requirements.sha
# The client's pyproject is in the stamp too, so a change to it re-installs the package.
want=$(cat requirements.txt client/pyproject.toml | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[bootstrap] installing requirements" >&2
  .venv/bin/python -m pip install -q --upgrade pip >&2
  .venv/bin/python -m pip install -q -r requirements.txt >&2
  # The Python client (client/), editable: its dependencies are already pinned in requirements.txt.
  .venv/bin/python -m pip install -q --no-deps --no-build-isolation -e ./client >&2
  echo "$want" > "$stamp"
fi
export PATH="$PWD/.venv/bin:$PATH"
