#!/usr/bin/env bash
# Runs the whole system locally: web on http://127.0.0.1:8000, Celery worker and beat, the
# feedback-join consumer, the bundled Kafka-protocol broker, and a demo project.
# PostgreSQL/Redis/Kafka are used where configured or already running; otherwise embedded ones start.
#   bash scripts/run.sh          (Ctrl-C stops the system; an embedded PostgreSQL, Redis or broker
#                                 it had to start keeps running under .local/ for the next run)
set -euo pipefail
source "$(dirname "$0")/bootstrap.sh"

export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.local}
eval "$(python scripts/services.py ensure --kafka --db "${LABELING_DB_NAME:-labeling}")"
mkdir -p .local/logs

python manage.py migrate --noinput
python manage.py collectstatic --noinput -v 0
python manage.py seed_demo

pids=()
cleanup() {
  echo "[run] stopping..." >&2
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

celery -A config worker --loglevel INFO --concurrency 2 >.local/logs/worker.log 2>&1 & pids+=($!)
celery -A config beat --loglevel INFO --schedule .local/celerybeat-schedule >.local/logs/beat.log 2>&1 & pids+=($!)
FEEDBACK_CONSUMER_INSTANCE_ID='{hostname}' python manage.py run_consumer feedback-join >.local/logs/consumer.log 2>&1 & pids+=($!)
gunicorn config.wsgi:application --bind 127.0.0.1:8000 --workers 2 --timeout 60 \
  --env DJANGO_SETTINGS_MODULE="$DJANGO_SETTINGS_MODULE" >.local/logs/web.log 2>&1 & pids+=($!)

core=("${pids[@]}")
# Demo traffic for the direct-labeling side: requests and delayed feedback, 20 messages/s.
python manage.py simulate_traffic --create-rule --count 1000000 --rate 20 >.local/logs/traffic.log 2>&1 & pids+=($!)

for _ in $(seq 1 60); do
  python - <<'PY' && break
import sys, urllib.request
try:
    urllib.request.urlopen("http://127.0.0.1:8000/healthz", timeout=1)
except Exception:
    sys.exit(1)
PY
  sleep 1
done

cat <<MSG

  Labeling system is running.
    Web (raters):    http://127.0.0.1:8000/            rater  / rater-demo-pass
    Dashboard:       http://127.0.0.1:8000/dashboard/  admin  / admin-demo-pass
    Django admin:    http://127.0.0.1:8000/admin/
    API docs:        http://127.0.0.1:8000/api/docs/
    Kafka broker:    $KAFKA_BOOTSTRAP_SERVERS (topics fed by simulate_traffic)
    Logs:            .local/logs/
  Ctrl-C stops the system (embedded PostgreSQL, Redis and broker stay up for the next run).

MSG
wait -n "${core[@]}" || true
echo "[run] a process exited; see .local/logs/" >&2
