#!/usr/bin/env bash
# Build the Linux installer: a PyInstaller onedir tarball.   bash build/package_linux.sh
#
# Output: dist/image-automation/ (run dist/image-automation/image-automation) and
# dist/image-automation-<version>-linux-x86_64.tar.gz. Work files go to .pyi-work/ (ignored).
# Needs the app installed in .venv (build/run.sh or build/test.sh does that); adds pyinstaller.
set -euo pipefail
IA_SCRIPT=package
# shellcheck source=build/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
cd "$IA_ROOT"

ia_ensure_venv
ia_install_current "test,ml" || ia_install_python_deps "" backend webview flask PyQt6.QtWebEngineWidgets
if ! "$IA_VENV/bin/python" -c 'import PyInstaller' 2>/dev/null; then
  ia_log "pip: installing the [build] extra (pyinstaller)"
  ia_pip install -q --progress-bar off -e "$IA_ROOT[build]"
fi

version="$("$IA_VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("image-automation"))')"
started=$SECONDS
"$IA_VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
  --workpath "$IA_ROOT/.pyi-work" --distpath "$IA_ROOT/dist" installer.spec
ia_log "pyinstaller finished in $((SECONDS - started)) s"

tarball="dist/image-automation-${version}-linux-x86_64.tar.gz"
tar -C dist -czf "$tarball" image-automation
ia_log "dist/image-automation: $(du -sh dist/image-automation | cut -f1), $(find dist/image-automation -type f | wc -l) files"
ia_log "$tarball: $(du -sh "$tarball" | cut -f1)"
ia_log "users need the Qt runtime libs: apt-get install ${IA_APT_RUNTIME[*]//|*/}"
