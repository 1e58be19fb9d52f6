#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what it needs, starts what is missing, runs everything.
#   bash scripts/test.sh            (extra arguments go to pytest)
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    echo "[test] installing Debian's chromium for the browser tests" >&2
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >&2
  else
    echo "[test] chromium missing: run 'sudo apt-get install -y chromium'" >&2
    exit 1
  fi
fi

export DJANGO_SETTINGS_MODULE=config.settings.test
eval "$(python scripts/services.py ensure --db labeling_test)"

echo "== ruff" >&2
ruff check .
ruff format --check .
echo "== lint-imports (the layers in pyproject.toml)" >&2
lint-imports
echo "== makemigrations --check" >&2
python manage.py makemigrations --check --dry-run
echo "== docker-compose.yml against the compose spec" >&2
check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml
echo "== collectstatic" >&2
python manage.py collectstatic --noinput -v 0
echo "== pytest" >&2
python -m pytest -p no:cacheprovider "$@"
