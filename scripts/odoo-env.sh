# shellcheck shell=bash
# Sourced by the project's scripts: finds an installed Odoo 17 and its Python.
#   ODOO_PATH    Odoo 17 source tree holding odoo-bin      (default /opt/odoo17)
#   ODOO_PYTHON  Python with Odoo's requirements installed  (default /opt/odoo-venv/bin/python,
#                then python3)
#   PGHOST/PGPORT/PGUSER  PostgreSQL (default 127.0.0.1:5432, role odoo; Odoo refuses "postgres")
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
ODOO_PATH="${ODOO_PATH:-/opt/odoo17}"
if [ -z "${ODOO_PYTHON:-}" ]; then
  if [ -x /opt/odoo-venv/bin/python ]; then ODOO_PYTHON=/opt/odoo-venv/bin/python; else ODOO_PYTHON=python3; fi
fi
export ODOO_PATH ODOO_PYTHON
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-odoo}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379/0}"

odoo_missing() {
  cat >&2 <<MSG
ERROR: no Odoo 17 found.
  Looked for odoo-bin in ODOO_PATH=$ODOO_PATH, run with ODOO_PYTHON=$ODOO_PYTHON.
  Install first:
    1. an Odoo 17.0 source tree (git clone -b 17.0 --depth 1 https://github.com/odoo/odoo), then
       export ODOO_PATH=/path/to/that/tree
    2. its Python requirements in a virtualenv, Odoo's file first, then the suite's, in two
       commands (one pip call with both cannot resolve: Odoo pins python-dateutil 2.8.1, Celery
       needs a newer one), python-ldap left out (only auth_ldap uses it; it needs OpenLDAP headers):
       python3 -m venv /opt/odoo-venv
       grep -v python-ldap "\$ODOO_PATH/requirements.txt" > /tmp/odoo-req.txt
       /opt/odoo-venv/bin/pip install -r /tmp/odoo-req.txt
       /opt/odoo-venv/bin/pip install -r $REPO_ROOT/requirements.txt
       export ODOO_PYTHON=/opt/odoo-venv/bin/python
    3. a PostgreSQL superuser role other than "postgres":  createuser -s odoo   (or set PGUSER)
MSG
  exit 3
}

check_odoo() {
  [ -f "$ODOO_PATH/odoo-bin" ] || odoo_missing
  local v
  v=$(cd "$ODOO_PATH" && "$ODOO_PYTHON" -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null) || odoo_missing
  if [ "$v" != "17" ]; then
    echo "ERROR: ODOO_PATH=$ODOO_PATH holds Odoo $v, this suite needs Odoo 17." >&2
    exit 3
  fi
  # The suite's own Python dependencies (celery, redis, linters) in Odoo's environment.
  # websocket-client: without it Odoo's HttpCase skips every tour silently
  # SpiffWorkflow: its BPMN 2.0 XSD files (looked up, never imported: workflow_automation checks BPMN with them)
  if ! "$ODOO_PYTHON" -c 'import celery, redis, websocket, pre_commit, pytest, importlib.util as u; assert u.find_spec("SpiffWorkflow")' 2>/dev/null; then
    echo "Installing the suite's requirements into $ODOO_PYTHON ..." >&2
    "$ODOO_PYTHON" -m pip install -q -r "$REPO_ROOT/requirements.txt" || {
      echo "ERROR: could not install $REPO_ROOT/requirements.txt into $ODOO_PYTHON" >&2; exit 3; }
  fi
}

addon_list() {
  # every addon of the repository, comma separated
  local names=()
  for m in "$REPO_ROOT"/addons/*/__manifest__.py; do
    names+=("$(basename "$(dirname "$m")")")
  done
  (IFS=,; echo "${names[*]}")
}

odoo_addons_path() {
  local p="$ODOO_PATH/odoo/addons"
  [ -d "$ODOO_PATH/addons" ] && p="$p,$ODOO_PATH/addons"
  echo "$p,$REPO_ROOT/addons"
}

odoo_bin() {
  "$ODOO_PYTHON" "$ODOO_PATH/odoo-bin" --addons-path="$(odoo_addons_path)" \
    --db_host="$PGHOST" --db_port="$PGPORT" --db_user="$PGUSER" "$@"
}
