#!/usr/bin/env bash
# Runs the suite with demo data: Odoo 17 on PostgreSQL with every addon installed
# (database workflow_demo, created on first run), plus a Celery worker with its beat
# on Redis when Redis answers. Open http://127.0.0.1:8069 and log in as admin / admin.
#   WORKFLOW_DB   database name (default workflow_demo)
#   HTTP_PORT     port of the web client (default 8069)
#   NO_CELERY=1   run Odoo alone (ir.cron does all periodic work)
#   DEMO_EXTRA_MODULES  standard apps installed too, so that every workflow template of the
#                 gallery is usable (default: those the templates need; "" for none)
set -euo pipefail
# shellcheck source=scripts/odoo-env.sh
source "$(dirname "$0")/odoo-env.sh"
check_odoo
cd "$REPO_ROOT"
DB="${WORKFLOW_DB:-workflow_demo}"
PORT="${HTTP_PORT:-8069}"
ADDONS="$(addon_list)"
DEMO_EXTRA_MODULES="${DEMO_EXTRA_MODULES-purchase,mrp,maintenance,hr_holidays,hr_expense,account}"

installed=$(psql -d "$DB" -Atc "select count(*) from ir_module_module where name='workflow_automation' and state='installed'" 2>/dev/null || echo 0)
if [ "$installed" != "1" ]; then
  echo "Creating database $DB with demo data and installing: $ADDONS${DEMO_EXTRA_MODULES:+,$DEMO_EXTRA_MODULES}"
  odoo_bin -c odoo.conf -d "$DB" --db-filter="^$DB\$" -i "$ADDONS${DEMO_EXTRA_MODULES:+,$DEMO_EXTRA_MODULES}" \
    --stop-after-init --http-port="$PORT"
else
  echo "Updating the suite's addons in $DB"
  odoo_bin -c odoo.conf -d "$DB" --db-filter="^$DB\$" -u "$ADDONS" ${DEMO_EXTRA_MODULES:+-i "$DEMO_EXTRA_MODULES"} \
    --stop-after-init --http-port="$PORT"
fi

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
if [ -z "${NO_CELERY:-}" ] && "$ODOO_PYTHON" -c "import redis,sys; redis.Redis.from_url('$REDIS_URL').ping()" 2>/dev/null; then
  echo "Starting a Celery worker (with beat) on $REDIS_URL"
  # Celery is switched on per database by the system parameter workflow_automation.broker_url
  psql -d "$DB" -qc "INSERT INTO ir_config_parameter (key, value, create_uid, write_uid, create_date, write_date)
    VALUES ('workflow_automation.broker_url', '$REDIS_URL', 1, 1, now(), now())
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
  ODOO_RC="$REPO_ROOT/odoo.conf" ODOO_ADDONS_PATH="$(odoo_addons_path)" WORKFLOW_DB="$DB" \
    "$ODOO_PYTHON" -m celery -A workflow_celery.app worker -B -Q workflow -c 2 --loglevel=info \
    --schedule="/tmp/workflow-celerybeat-$DB" &
  pids+=($!)
else
  echo "Redis not used: ir.cron runs the periodic jobs"
  psql -d "$DB" -qc "DELETE FROM ir_config_parameter WHERE key = 'workflow_automation.broker_url'"
fi
# the template gallery: how many templates, and which apps the unusable ones still need
psql -d "$DB" -Atc "SELECT count(*) FROM workflow_template WHERE active" 2>/dev/null \
  | xargs -I{} echo "Workflow templates in the gallery (Workflows > Templates): {}"
missing=$(psql -d "$DB" -Atc "SELECT string_agg(DISTINCT m, ', ') FROM workflow_template t,
    unnest(string_to_array(replace(t.modules, ' ', ''), ',')) m
    WHERE t.active AND m <> '' AND m NOT IN (SELECT name FROM ir_module_module WHERE state = 'installed')" 2>/dev/null || true)
[ -n "$missing" ] && echo "Some templates are not usable here; they need: $missing"
echo "Odoo on http://127.0.0.1:$PORT (database $DB, login admin / admin)"
odoo_bin -c odoo.conf -d "$DB" --db-filter="^$DB\$" --http-port="$PORT"
