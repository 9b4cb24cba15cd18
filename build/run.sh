#!/usr/bin/env bash
# THE one command that installs and starts the app:  bash build/run.sh [image-automation args]
#
# As root on Debian it installs the runtime libraries the Qt window needs; then .venv (Python
# 3.11+) with `pip install -e .` (no ML extras: the app explains what is missing when a model
# is needed) and runs .venv/bin/image-automation. Without a display the app says so and offers
# `image-automation serve` (e.g. `bash build/run.sh serve`).
set -euo pipefail
IA_SCRIPT=run.sh
# shellcheck source=build/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$IA_ROOT"

ia_ensure_apt "${IA_APT_RUNTIME[@]}"
ia_ensure_venv
if ia_install_current "test,ml"; then
  ia_log "python packages: up to date (full test install present)"
else
  ia_install_python_deps "" backend webview flask PyQt6.QtWebEngineWidgets
fi

ia_is_root && export QTWEBENGINE_CHROMIUM_FLAGS="${QTWEBENGINE_CHROMIUM_FLAGS:+$QTWEBENGINE_CHROMIUM_FLAGS }--no-sandbox"
exec "$IA_VENV/bin/image-automation" "$@"
