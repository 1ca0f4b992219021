#!/usr/bin/env bash
# Set up everything stx-migrate needs on a fresh Debian machine with Python 3.11.
#   scripts/setup.sh          the virtualenv (.venv) with stx-migrate installed: enough for the demo
#   scripts/setup.sh --test   plus the system packages the tests use: PostgreSQL, MariaDB,
#                             the ODBC drivers, mdbtools (Access), Chromium (UI screenshot),
#                             OpenSSH server (SFTP delivery tests), LibreOffice Calc (xlsx acceptance)
# Idempotent: a second run only checks. Servers are never started here: tests start
# throwaway ones on loopback and stop them.
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

SYSTEM_PACKAGES=(postgresql mariadb-server unixodbc odbc-postgresql odbc-mariadb tdsodbc odbc-mdbtools mdbtools chromium fonts-noto-cjk
                 openssh-server libreoffice-calc-nogui)

if [ "$want_test" = 1 ]; then
  missing=()
  for p in "${SYSTEM_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    echo "setup: installing system packages: ${missing[*]}" >&2
    $SUDO apt-get update -q >&2
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}" >&2
  fi
fi

PYTHON=${PYTHON:-python3.11}
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating the virtualenv .venv with $PYTHON" >&2
  "$PYTHON" -m venv .venv
  .venv/bin/pip install -q --upgrade pip >&2
fi
stamp=.venv/.installed-$(cat pyproject.toml setup.py | sha256sum | cut -c1-16)-$want_test
if [ ! -f "$stamp" ]; then
  extras="."; [ "$want_test" = 1 ] && extras=".[test,bench]"
  # the first time this takes a minute or two (Prefect, pandas, pyarrow and the drivers): pip says what it fetches
  echo "setup: installing stx-migrate and its dependencies into .venv (pip install -e '$extras') ..." >&2
  started=$SECONDS
  if ! .venv/bin/pip install --progress-bar off -e "$extras" 2>&1 | tee .venv/pip-install.log \
       | { grep --line-buffered -E '^(Collecting|Successfully installed|ERROR)' | sed -u 's/^/setup: /' >&2 || true; }; then
    echo "setup: pip install failed; its whole output is in .venv/pip-install.log" >&2
    exit 1
  fi
  echo "setup: installed in $((SECONDS - started)) s" >&2
  rm -f .venv/.installed-*; touch "$stamp"
else
  echo "setup: .venv is up to date" >&2
fi
# Byte code for the package, as pip writes for a regular install: an editable install has none,
# and where PYTHONDONTWRITEBYTECODE is set none is ever written, so every command would compile
# its ~160 modules again (~0.5 s of CPU each time). Only changed files are compiled again.
.venv/bin/python -m compileall -q cli config connectors deployments flows migration tasks >/dev/null
