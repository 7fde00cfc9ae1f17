#!/usr/bin/env bash
# Runs every test of the suite on a real Odoo 17 and PostgreSQL:
#   1. pre-commit (ruff, pylint-odoo)                       [skip with SKIP_LINT=1]
#   2. install of all addons on a fresh database without demo data (must succeed)
#   3. install of all addons with demo data + their Odoo tests (--test-enable)
#   4. the integration suites of tests/integration (XML-RPC, Celery workers) on that database,
#      then the fault suite and the short load test on a copy of it   [skip: WFA_SKIP_FAULTS=1]
# Usage: scripts/test.sh [addon,addon...]    (default: every addon under addons/)
set -euo pipefail
# shellcheck source=scripts/odoo-env.sh
source "$(dirname "$0")/odoo-env.sh"
check_odoo
cd "$REPO_ROOT"
ADDONS="${1:-$(addon_list)}"
TAGS=$(echo "$ADDONS" | sed 's/\(^\|,\)/\1\//g')
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
mkdir -p "$LOGDIR"
export PATH="$(dirname "$ODOO_PYTHON"):$PATH"
# the audit trail's signed checkpoints of this run's throw-away databases: a fresh file per
# run, so a database recreated under the same name is not compared with an older one
export WORKFLOW_AUDIT_CHECKPOINT_FILE="${WORKFLOW_AUDIT_CHECKPOINT_FILE:-$LOGDIR/audit-checkpoints-$$-{db}.jsonl}"
status=0

if [ -z "${SKIP_LINT:-}" ]; then
  echo "== pre-commit"
  "$ODOO_PYTHON" -m pre_commit run --all-files --show-diff-on-failure || { echo "pre-commit failed"; exit 1; }
fi

cleanup() {
  [ -n "${KEEP_DB:-}" ] && return 0
  dropdb --if-exists "$DB" 2>/dev/null || true
  dropdb --if-exists "${DB}_nodemo" 2>/dev/null || true
  dropdb --if-exists "$FAULT_DB" 2>/dev/null || true
  rm -f "$LOGDIR"/audit-checkpoints-$$-*.jsonl
}
trap cleanup EXIT
dropdb --if-exists "$DB" 2>/dev/null || true
dropdb --if-exists "${DB}_nodemo" 2>/dev/null || true

echo "== install without demo data: $ADDONS"
if ! odoo_bin -d "${DB}_nodemo" -i "$ADDONS" --without-demo=all --stop-after-init \
      --log-level=warn --http-port=0 >"$LOGDIR/install_nodemo.log" 2>&1 \
   || grep -E " (ERROR|CRITICAL) " "$LOGDIR/install_nodemo.log"; then
  tail -50 "$LOGDIR/install_nodemo.log"; echo "install without demo data failed"; exit 1
fi
dropdb --if-exists "${DB}_nodemo" 2>/dev/null || true

echo "== Odoo tests: $TAGS (log: $LOGDIR/odoo_tests.log)"
set +e
echo "   installing: $INSTALL"
odoo_bin -d "$DB" -i "$INSTALL" --test-enable --test-tags "$TAGS" --stop-after-init \
  --log-level=test --http-port="${TEST_HTTP_PORT:-18069}" >"$LOGDIR/odoo_tests.log" 2>&1
rc=$?
set -e
grep -E " (ERROR|CRITICAL) |^FAIL|^ERROR" "$LOGDIR/odoo_tests.log" | head -100 || true
summary=$(grep -E "[0-9]+ failed, [0-9]+ error\(s\) of [0-9]+ tests" "$LOGDIR/odoo_tests.log" | tail -1 || true)
echo "$summary"
if [ -z "$summary" ]; then echo "no Odoo test ran"; status=1; fi
failed=$(echo "$summary" | sed -E 's/.* ([0-9]+) failed, ([0-9]+) error\(s\) of ([0-9]+) tests.*/\1 \2 \3/')
read -r nf ne nt <<<"${failed:-0 0 0}"
errors=$(grep -cE " (ERROR|CRITICAL) " "$LOGDIR/odoo_tests.log" || true)
# a skipped test (a tour without Chromium or websocket-client, say) is not a passed one
skipped=$(grep -E "odoo\.tests\.result: skipped |: skipped .* : " "$LOGDIR/odoo_tests.log" || true)
if [ -n "$skipped" ]; then
  echo "$skipped" | head -20; echo "Odoo tests were skipped: the suite is not green"; status=1
fi
if [ "$rc" -ne 0 ] || [ "${nf:-1}" -ne 0 ] || [ "${ne:-1}" -ne 0 ] || [ "${nt:-0}" -eq 0 ] || [ "$errors" -ne 0 ]; then
  echo "Odoo tests failed (exit $rc, $errors error lines)"; status=1
fi
echo "odoo: $(( ${nt:-0} - ${nf:-0} - ${ne:-0} )) passed, $(( ${nf:-0} + ${ne:-0} )) failed"

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
