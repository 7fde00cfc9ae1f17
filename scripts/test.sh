#!/usr/bin/env bash
# Runs every test of the suite on a real Odoo 17 and PostgreSQL:
#   1. pre-commit (ruff, pylint-odoo)                       [skip with SKIP_LINT=1]
#   2. install of all addons on a fresh database without demo data (must succeed)
#   3. install of all addons with demo data, then their Odoo tests (--test-enable)
#   4. the integration suites of tests/integration (XML-RPC, Celery workers) on that database,
#      then the fault suite and the short load test on a copy of it   [skip: WFA_SKIP_FAULTS=1]
# 1, 2 and the install of 3 run at the same time; the Odoo tests then run in TEST_JOBS
# processes (default 2), each on its own copy of the installed database.
# Usage: scripts/test.sh [addon,addon...]    (default: every addon under addons/)
set -euo pipefail
# shellcheck source=scripts/odoo-env.sh
source "$(dirname "$0")/odoo-env.sh"
check_odoo
cd "$REPO_ROOT"
ADDONS="${1:-$(addon_list)}"
# Standard apps the workflow templates run on: installed (with demo data) in the tests'
# database only, so every template can be walked on a real document. Not in the install
# without demo data, not in scripts/run.sh. TEST_EXTRA_MODULES="" leaves them out.
TEST_EXTRA_MODULES="${TEST_EXTRA_MODULES-sale_management,purchase,stock,mrp,maintenance,project,hr,hr_holidays,hr_expense,account}"
INSTALL="$ADDONS"
case ",$ADDONS," in
  *,workflow_templates,*) [ -n "$TEST_EXTRA_MODULES" ] && INSTALL="$ADDONS,$TEST_EXTRA_MODULES" ;;
esac
DB="${TEST_DB:-wfa_test_$$}"
FAULT_DB="${DB}_faults"  # the fault suite's own copy of $DB (integration block below)
LOGDIR="${TEST_LOGDIR:-$REPO_ROOT/.test-logs}"
HTTP_PORT="${TEST_HTTP_PORT:-18069}"
# Odoo tests in this many processes at once (database $DB, then ${DB}_2 ... on ports
# HTTP_PORT, HTTP_PORT+1 ...). One process keeps one core busy (Python, with PostgreSQL
# taking little): 2 uses both cores of the CI machine. TEST_JOBS=1: one process, as before.
TEST_JOBS="${TEST_JOBS:-2}"
mkdir -p "$LOGDIR"
export PATH="$(dirname "$ODOO_PYTHON"):$PATH"
# the audit trail's signed checkpoints of this run's throw-away databases: a fresh file per
# run and database ({db} is the database name), so a database recreated under the same name
# is not compared with an older one
default_checkpoints="$LOGDIR/audit-checkpoints-$$-{db}.jsonl"
export WORKFLOW_AUDIT_CHECKPOINT_FILE="${WORKFLOW_AUDIT_CHECKPOINT_FILE:-$default_checkpoints}"
status=0

# Seconds each addon's Odoo tests took (odoo.tests.stats of scripts/test.sh on 2026-12-02, load
# average 3-4 on two cores): only used to share the addons between the TEST_JOBS processes
# (longest first, each to the least loaded process); an addon not listed counts 10.
declare -A TEST_SECONDS=(
  [workflow_automation]=153 [workflow_sale]=72 [workflow_templates]=53 [workflow_analytics]=33
  [workflow_sla]=30 [workflow_alerts]=26 [workflow_designer]=25 [workflow_audit]=24
  [workflow_tasks]=23 [workflow_webhooks]=14 [workflow_hr]=5 [workflow_sale_stock]=4
  [workflow_analytics_alerts]=4 [workflow_analytics_sla]=4 [workflow_webhooks_alerts]=3
  [workflow_tasks_project]=3 [workflow_tasks_hr]=2 [workflow_tasks_alerts]=2 [workflow_webhooks_sla]=1
  [workflow_sla_alerts]=1 [workflow_tasks_sla]=1
)

odoo_db_cmd() {
  "$ODOO_PYTHON" "$ODOO_PATH/odoo-bin" db --addons-path="$(odoo_addons_path)" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" "$@"
}
drop_db() {
  # the database and its filestore (dropdb alone leaves the filestore behind)
  odoo_db_cmd drop "$1" >/dev/null 2>&1 || dropdb --if-exists "$1" 2>/dev/null || true
}
stop_job() {
  # a background job of this script: the subshell and the Odoo it started
  pkill -TERM -P "$1" 2>/dev/null || true
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}

jobs_started=()
cleanup() {
  for pid in "${jobs_started[@]}"; do stop_job "$pid"; done
  [ -n "${KEEP_DB:-}" ] && return 0
  drop_db "$DB"
  drop_db "${DB}_nodemo"
  drop_db "$FAULT_DB"
  for ((k = 2; k <= TEST_JOBS; k++)); do drop_db "${DB}_$k"; done
  rm -f "$LOGDIR"/audit-checkpoints-$$-*.jsonl
}
trap cleanup EXIT
drop_db "$DB"
drop_db "${DB}_nodemo"
for ((k = 2; k <= TEST_JOBS; k++)); do drop_db "${DB}_$k"; done

# --- 1, 2 and the install of 3, side by side --------------------------------------------
lint_pid=""
if [ -z "${SKIP_LINT:-}" ]; then
  "$ODOO_PYTHON" -m pre_commit run --all-files --show-diff-on-failure >"$LOGDIR/pre-commit.log" 2>&1 &
  lint_pid=$!
  jobs_started+=("$lint_pid")
fi
echo "== install without demo data: $ADDONS (log: $LOGDIR/install_nodemo.log)"
odoo_bin -d "${DB}_nodemo" -i "$ADDONS" --without-demo=all --stop-after-init \
  --log-level=warn --http-port=0 >"$LOGDIR/install_nodemo.log" 2>&1 &
nodemo_pid=$!
jobs_started+=("$nodemo_pid")
echo "== install with demo data: $INSTALL (log: $LOGDIR/odoo_install.log)"
odoo_bin -d "$DB" -i "$INSTALL" --stop-after-init --log-level=info --http-port=0 \
  >"$LOGDIR/odoo_install.log" 2>&1 &
install_pid=$!
jobs_started+=("$install_pid")

if [ -n "$lint_pid" ]; then
  echo "== pre-commit (log: $LOGDIR/pre-commit.log)"
  lint_rc=0
  wait "$lint_pid" || lint_rc=$?
  cat "$LOGDIR/pre-commit.log"
  [ "$lint_rc" -eq 0 ] || { echo "pre-commit failed"; exit 1; }
fi
nodemo_rc=0
wait "$nodemo_pid" || nodemo_rc=$?
if [ "$nodemo_rc" -ne 0 ] || grep -E " (ERROR|CRITICAL) " "$LOGDIR/install_nodemo.log"; then
  tail -50 "$LOGDIR/install_nodemo.log"; echo "install without demo data failed"; exit 1
fi
drop_db "${DB}_nodemo"
install_rc=0
wait "$install_pid" || install_rc=$?
jobs_started=()
if [ "$install_rc" -ne 0 ] || grep -E " (ERROR|CRITICAL) " "$LOGDIR/odoo_install.log"; then
  tail -50 "$LOGDIR/odoo_install.log"; echo "install with demo data failed"; exit 1
fi

# --- 3. the Odoo tests, the addons shared between TEST_JOBS processes --------------------
IFS=, read -r -a addon_names <<<"$ADDONS"
[ "$TEST_JOBS" -ge 1 ] || TEST_JOBS=1
[ "$TEST_JOBS" -le "${#addon_names[@]}" ] || TEST_JOBS=${#addon_names[@]}
declare -a shard_tags shard_load
for ((k = 1; k <= TEST_JOBS; k++)); do shard_tags[k]=""; shard_load[k]=0; done
while read -r _secs name; do
  best=1
  for ((k = 2; k <= TEST_JOBS; k++)); do
    [ "${shard_load[k]}" -lt "${shard_load[best]}" ] && best=$k
  done
  shard_tags[best]="${shard_tags[best]:+${shard_tags[best]},}/$name"
  shard_load[best]=$(( ${shard_load[best]} + ${TEST_SECONDS[$name]:-10} ))
done < <(for name in "${addon_names[@]}"; do echo "${TEST_SECONDS[$name]:-10} $name"; done | sort -k1,1nr -k2)

set +e
rm -f "$LOGDIR"/odoo_tests.*.log
: >"$LOGDIR/odoo_tests.1.log"
for ((k = 2; k <= TEST_JOBS; k++)); do
  # a copy of the installed database (and its filestore) per further process
  odoo_db_cmd duplicate "$DB" "${DB}_$k" >"$LOGDIR/odoo_tests.$k.log" 2>&1 \
    || { tail -20 "$LOGDIR/odoo_tests.$k.log"; echo "could not copy $DB"; exit 1; }
done
test_pids=()
for ((k = 1; k <= TEST_JOBS; k++)); do
  db_k="$DB"; [ "$k" -gt 1 ] && db_k="${DB}_$k"
  echo "== Odoo tests [$k/$TEST_JOBS] on $db_k: ${shard_tags[k]} (log: $LOGDIR/odoo_tests.$k.log)"
  odoo_bin -d "$db_k" --test-enable --test-tags "${shard_tags[k]}" --stop-after-init \
    --log-level=test --http-port=$(( HTTP_PORT + k - 1 )) >>"$LOGDIR/odoo_tests.$k.log" 2>&1 &
  test_pids[k]=$!
  jobs_started+=("${test_pids[k]}")
done
nt=0 nf=0 ne=0 errors=0 rc=0
for ((k = 1; k <= TEST_JOBS; k++)); do
  wait "${test_pids[k]}"
  rc_k=$?
  [ "$rc_k" -eq 0 ] || rc=$rc_k
  log="$LOGDIR/odoo_tests.$k.log"
  grep -E " (ERROR|CRITICAL) |^FAIL|^ERROR" "$log" | head -100
  summary=$(grep -E "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$log" | tail -1)
  echo "   [$k/$TEST_JOBS] ${summary:-no Odoo test ran}"
  if [ -z "$summary" ]; then status=1; continue; fi
  read -r nf_k ne_k nt_k <<<"$(echo "$summary" | sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/')"
  nf=$(( nf + nf_k )); ne=$(( ne + ne_k )); nt=$(( nt + nt_k ))
  errors=$(( errors + $(grep -cE " (ERROR|CRITICAL) " "$log") ))
  # a skipped test (a tour without Chromium or websocket-client, say) is not a passed one
  skipped=$(grep -E "odoo\.tests\.result: skipped |: skipped .* : " "$log")
  if [ -n "$skipped" ]; then
    echo "$skipped" | head -20; echo "Odoo tests were skipped: the suite is not green"; status=1
  fi
done
jobs_started=()
set -e
if [ "$rc" -ne 0 ] || [ "$nf" -ne 0 ] || [ "$ne" -ne 0 ] || [ "$nt" -eq 0 ] || [ "$errors" -ne 0 ]; then
  echo "Odoo tests failed (exit $rc, $errors error lines)"; status=1
fi
echo "odoo: $(( nt - nf - ne )) passed, $(( nf + ne )) failed"

if [ -z "${SKIP_INTEGRATION:-}" ] && [ -d tests/integration ]; then
  # The fault suite and the short load test (issue 16) kill workers, restart Redis and change
  # settings and records: they run on a copy of the database made now, before any other suite
  # touched it (createdb -T needs no connection on $DB: the Odoo tests are done), so what they
  # leave behind is never seen by the other suites. WFA_SKIP_FAULTS=1 leaves them out (local
  # loops only; README, "Faults and load").
  FAULT_SUITES=(tests/integration/test_faults.py tests/integration/test_load_short.py)
  ignore=()
  for suite in "${FAULT_SUITES[@]}"; do ignore+=(--ignore="$suite"); done
  if [ -z "${WFA_SKIP_FAULTS:-}" ]; then
    echo "== copy of $DB for the fault suite and the short load test: $FAULT_DB"
    dropdb --if-exists "$FAULT_DB" 2>/dev/null || true
    # (a connection of the Odoo run that just ended may take a moment to go)
    for _try in 1 2 3 4 5; do createdb -T "$DB" "$FAULT_DB" 2>"$LOGDIR/createdb_faults.log" && break; sleep 1; done
    psql -d "$FAULT_DB" -c "SELECT 1" >/dev/null 2>&1 || { cat "$LOGDIR/createdb_faults.log"; echo "could not copy $DB"; status=1; }
  fi
  echo "== integration tests (tests/integration) on $DB"
  set +e
  WFA_DB="$DB" "$ODOO_PYTHON" -m pytest -q tests/integration -p no:cacheprovider "${ignore[@]}"
  prc=$?
  set -e
  [ "$prc" -eq 0 ] || status=1
  if [ -z "${WFA_SKIP_FAULTS:-}" ]; then
    echo "== fault suite and short load test on $FAULT_DB"
    set +e
    WFA_DB="$FAULT_DB" "$ODOO_PYTHON" -m pytest -q "${FAULT_SUITES[@]}" -p no:cacheprovider --durations=0
    prc=$?
    set -e
    [ "$prc" -eq 0 ] || status=1
    [ -n "${KEEP_DB:-}" ] || dropdb --if-exists "$FAULT_DB" 2>/dev/null || true
  else
    echo "== fault suite and short load test skipped (WFA_SKIP_FAULTS)"
  fi
fi
exit $status
