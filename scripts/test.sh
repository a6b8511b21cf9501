#!/usr/bin/env bash
# The whole test suite: static checks, then pytest on PostgreSQL, then on SQLite.
# Needs PostgreSQL, Redis and Debian's chromium; starts the services if they are down and
# fails, saying how to install, if one is missing. Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${VENV:-.venv}/bin

command -v /usr/bin/chromium >/dev/null || {
  echo "test.sh: the browser tests need Debian's chromium: sudo apt-get install chromium (or run: bash .ci/run)" >&2
  exit 1
}
bash scripts/services.sh

export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
export TEST_BROKER_URL=${TEST_BROKER_URL:-redis://127.0.0.1:6379/1}
export PG_DATABASE_URL=${PG_DATABASE_URL:-postgres://presales:presales@127.0.0.1:5432/presales}
export PRESALES_VAR_DIR=${PRESALES_VAR_DIR:-$PWD/var/test}
mkdir -p "$PRESALES_VAR_DIR"

echo "== static checks"
"$BIN/ruff" check .
"$BIN/ruff" format --check .
# The services and selectors (pyproject.toml [tool.mypy]); its cache under var/ keeps a rerun fast.
"$BIN/mypy"
DJANGO_SETTINGS_MODULE=presales.settings_test "$BIN/python" manage.py makemigrations --check --dry-run
DJANGO_SETTINGS_MODULE=presales.settings_test "$BIN/python" manage.py check

status=0
# bandit and pip-audit; a failure (a finding, or pip-audit unable to reach its vulnerability
# service) fails the run after the tests have run, so their results are still shown.
VENV=${VENV:-.venv} bash scripts/security.sh || { security=$?; status=$security; }
# Every test on PostgreSQL (production's engine); on SQLite, the embedded default, the tests
# whose outcome may depend on the engine (marker `engine`, presales/tests/engines.py, which
# fails any unmarked test that reaches engine-specific code). A module's tests stay on one
# xdist worker (loadfile): module fixtures build their world once.
PARALLEL=(-n "${TEST_WORKERS:-auto}" --dist loadfile --durations=25)
echo "== pytest on PostgreSQL"
DATABASE_URL=$PG_DATABASE_URL "$BIN/pytest" -p no:cacheprovider "${PARALLEL[@]}" "$@" || status=$?
echo "== pytest on SQLite (tests marked engine)"
DATABASE_URL= "$BIN/pytest" -p no:cacheprovider "${PARALLEL[@]}" -m engine "$@" || status=$?
if [ "${security:-0}" != 0 ]; then
  echo "test.sh: the security checks failed (exit $security, see '== bandit' / '== pip-audit' above)" >&2
fi
exit $status
