#!/usr/bin/env bash
# THE one command that installs everything and runs the whole test suite:  bash build/test.sh
#
# As root on Debian it installs the system packages the tests drive for real (Xvfb, xdotool,
# ImageMagick, Chromium, exiftool, vips, vsftpd, MariaDB, Qt/WebEngine runtime libs); as another
# user it prints what is missing and carries on. Then .venv (Python 3.11+): pip, torch/torchvision
# (pinned, first), `pip install -e '.[test,ml]'`. Then ruff and pytest over tests/.
# A second run on a set-up machine skips every install step (dpkg + a venv stamp decide).
#
# Extra arguments go to pytest, e.g.  bash build/test.sh -k desktop -x
# Exit code: non-zero if ruff or pytest failed; pytest's "no tests collected" (5) is a failure too.
set -euo pipefail
IA_SCRIPT=test.sh
# shellcheck source=build/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$IA_ROOT"

started=$SECONDS
ia_ensure_apt "${IA_APT_RUNTIME[@]}" "${IA_APT_TEST[@]}"
ia_ensure_mariadb
ia_ensure_venv
ia_install_python_deps "test,ml" backend webview flask PyQt6.QtWebEngineWidgets torch torchvision open_clip \
  pytest pytest_timeout playwright pyftpdlib
ia_log "setup done in $((SECONDS - started)) s"

export HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 PYTHONDONTWRITEBYTECODE=1
ia_is_root && export QTWEBENGINE_CHROMIUM_FLAGS="${QTWEBENGINE_CHROMIUM_FLAGS:+$QTWEBENGINE_CHROMIUM_FLAGS }--no-sandbox"

ia_log "ruff check backend tests"
ruff_rc=0
"$IA_VENV/bin/ruff" check backend tests || ruff_rc=$?

ia_log "pytest ${*:-tests}"
pytest_started=$SECONDS
pytest_rc=0
if [ "$#" -eq 0 ]; then set -- tests; fi
"$IA_VENV/bin/python" -m pytest "$@" || pytest_rc=$?
ia_log "pytest finished in $((SECONDS - pytest_started)) s with exit code $pytest_rc"

[ "$pytest_rc" -ne 5 ] || ia_log "FAIL: pytest collected no tests (exit 5)"
[ "$ruff_rc" -eq 0 ] || ia_log "FAIL: ruff found problems (exit $ruff_rc)"
if [ "$pytest_rc" -ne 0 ]; then
  exit "$pytest_rc"
fi
if [ "$ruff_rc" -ne 0 ]; then
  exit "$ruff_rc"
fi
ia_log "all green in $((SECONDS - started)) s"
