# Shared by build/test.sh, build/run.sh, build/package_linux.sh and .ci/run (sourced, not run).
# Why one file: the apt package lists, the Python choice and the venv recipe must not drift
# between "run the tests" and "start the app".
# shellcheck shell=bash

IA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IA_VENV="${IA_VENV:-$IA_ROOT/.venv}"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1

# torch/torchvision must be these exact versions and installed FIRST (local CPU wheel indexes;
# any other pair makes pip pull a CUDA build or a torchvision that cannot load).
IA_TORCH_PINS=(torch==2.14.1 torchvision==0.29.1)

# What the Qt window (PyQt6 + QtWebEngine) links against or dlopens on Debian, plus a font.
IA_APT_RUNTIME=(
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
  libxcb-shape0 libxcb-xkb1 libxcb-xfixes0 libxcb-sync1 libxcb-glx0 libxcb-dri3-0 libxkbcommon-x11-0
  libxkbfile1 libx11-xcb1 libegl1 libgl1 libgbm1 libgl1-mesa-dri libnss3 libnspr4 libxcomposite1
  libxdamage1 libxrandr2 libxtst6 'libasound2|libasound2t64' libpulse0 libfontconfig1 fonts-dejavu-core
  libimage-exiftool-perl libvips-tools ca-certificates
)

# Extra system tools the test suite drives for real (virtual screen, browser, FTP, MariaDB, TLS).
IA_APT_TEST=(
  xvfb xauth xdotool imagemagick chromium chromium-driver vsftpd openssl
  libatomic1  # the node binary inside the playwright wheel links it
  mariadb-server mariadb-client
)

ia_log() { printf '[%s %s] %s\n' "${IA_SCRIPT:-build}" "$(date -u +%H:%M:%S)" "$*" >&2; }
ia_die() { ia_log "ERROR: $*"; exit 1; }

ia_is_root() { [ "$(id -u)" = 0 ]; }

# No `cmd | grep -q` here: grep -q exits early, cmd gets SIGPIPE and pipefail turns that into "no".
ia_installed() { [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == *"install ok installed"* ]]; }

# Packages from the arguments that are not installed (dpkg's view). "a|b" means either will do
# (package names differ between releases, e.g. libasound2 -> libasound2t64).
ia_missing_packages() {
  local spec alt missing=() ok
  for spec in "$@"; do
    ok=""
    for alt in ${spec//|/ }; do
      if ia_installed "$alt"; then ok=1; break; fi
    done
    [ -n "$ok" ] || missing+=("$spec")
  done
  printf '%s\n' "${missing[@]}"
}

# First alternative of "a|b" that this release's apt can install; nothing if none.
ia_apt_candidate() {
  local alt
  for alt in ${1//|/ }; do
    local policy
    policy="$(apt-cache policy "$alt" 2>/dev/null)"
    if [[ "$policy" == *"Candidate: "* && "$policy" != *"Candidate: (none)"* ]]; then
      echo "$alt"
      return 0
    fi
  done
}

# apt-get with retries: another apt/dpkg (unattended-upgrades, a parallel job) may hold the lock.
ia_apt() {
  local try
  for try in 1 2 3 4 5; do
    if apt-get -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 "$@"; then
      return 0
    fi
    ia_log "apt-get $1 failed (try $try/5), retrying in $((try * 10)) s"
    sleep $((try * 10))
  done
  return 1
}

# Install the given Debian packages if missing. As root: apt-get update + install (only when
# something is missing, so a set-up machine pays nothing). Not root: say what to install, go on.
ia_ensure_apt() {
  command -v dpkg-query >/dev/null 2>&1 || { ia_log "not a Debian/Ubuntu system: install the equivalents of: $*"; return 0; }
  local missing
  mapfile -t missing < <(ia_missing_packages "$@" | sed '/^$/d')
  if [ "${#missing[@]}" -eq 0 ]; then
    ia_log "system packages: all ${#} present"
    return 0
  fi
  if ! ia_is_root; then
    ia_log "not root; missing system packages (tests needing them will skip or fail):"
    ia_log "  sudo apt-get update && sudo apt-get install -y ${missing[*]//|*/}"
    return 0
  fi
  ia_log "installing ${#missing[@]} system package(s): ${missing[*]}"
  ia_apt update -qq
  # Install what this release has; name what it lacks instead of failing the whole install.
  local spec pkg available=() unknown=()
  for spec in "${missing[@]}"; do
    pkg="$(ia_apt_candidate "$spec")"
    if [ -n "$pkg" ]; then available+=("$pkg"); else unknown+=("$spec"); fi
  done
  [ "${#unknown[@]}" -eq 0 ] || ia_log "WARNING: not available in this release, skipped: ${unknown[*]}"
  [ "${#available[@]}" -eq 0 ] || ia_apt install -y -qq --no-install-recommends "${available[@]}"
}

# Print the first python >= 3.11 (3.11 first: the local CPU torch wheels are cp311).
ia_find_python() {
  local cand
  for cand in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
    [ -n "$cand" ] && command -v "$cand" >/dev/null 2>&1 || continue
    if "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$cand"
      return 0
    fi
  done
  return 1
}

# Create $IA_VENV if needed (Debian's python3 needs python3-venv for ensurepip).
ia_ensure_venv() {
  if [ -x "$IA_VENV/bin/python" ] && "$IA_VENV/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    return 0
  fi
  local py
  if ! py="$(ia_find_python)" && ia_is_root; then
    ia_ensure_apt python3 python3-venv python3-dev
    py="$(ia_find_python)" || true
  fi
  [ -n "$py" ] || ia_die "Python 3.11+ not found (set PYTHON=/path/to/python3.11)"
  if ! "$py" -c 'import ensurepip, venv' 2>/dev/null; then
    if ia_is_root && [[ "$py" == /usr/bin/python3* ]]; then
      ia_ensure_apt python3-venv python3-dev
    else
      ia_die "$py has no venv/ensurepip module (Debian: apt-get install python3-venv)"
    fi
  fi
  ia_log "creating $IA_VENV with $py ($("$py" -V 2>&1))"
  rm -rf "$IA_VENV"
  "$py" -m venv "$IA_VENV"
}

# A fingerprint of everything that decides the venv's contents; stored after a good install.
ia_install_fingerprint() {
  {
    cat "$IA_ROOT/pyproject.toml"
    printf '%s\n' "$1" "${IA_TORCH_PINS[@]}"
    "$IA_VENV/bin/python" -V 2>&1
    sed -n '/^ia_install_python_deps()/,/^}/p' "${BASH_SOURCE[0]}"
  } | sha256sum | cut -c1-16
}

ia_stamp_path() { local name="${1:-app}"; echo "$IA_VENV/.ia-installed-${name//,/-}"; }

# True when the venv was installed for these extras from the current pyproject/pins.
ia_install_current() { local s; s="$(ia_stamp_path "$1")"; [ -f "$s" ] && [ "$(cat "$s")" = "$(ia_install_fingerprint "$1")" ]; }

# pip in the venv, minus the machine-config noise about absent local index folders.
ia_pip() {
  "$IA_VENV/bin/python" -m pip "$@" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
}

# Install the project into the venv. $1 = extras ("" for the app, "test,ml" for the suite).
# Fast path: the stamp matches and the key modules are importable -> nothing to do.
ia_install_python_deps() {
  local extras="$1" stamp fp
  stamp="$(ia_stamp_path "$extras")"
  shift
  local modules=("$@")
  fp="$(ia_install_fingerprint "$extras")"
  if ia_install_current "$extras" &&
    "$IA_VENV/bin/python" - "${modules[@]}" <<'PY'
import importlib.util, sys
sys.exit(any(importlib.util.find_spec(m) is None for m in sys.argv[1:]))
PY
  then
    ia_log "python packages: up to date (stamp $fp)"
    return 0
  fi
  local pip=(ia_pip install --progress-bar off)
  ia_log "pip: upgrading pip"
  "${pip[@]}" -q -U pip
  if [[ ",$extras," == *,ml,* ]]; then
    ia_log "pip: ${IA_TORCH_PINS[*]} (first, so later resolution keeps them)"
    "${pip[@]}" -q "${IA_TORCH_PINS[@]}"
  fi
  local target="$IA_ROOT"
  [ -z "$extras" ] || target="$IA_ROOT[$extras]"
  ia_log "pip: install -e '$target'"
  "${pip[@]}" -q -e "$target"
  rm -f "$IA_VENV"/.ia-installed-*
  echo "$fp" >"$stamp"
}

# Make sure MariaDB answers on 127.0.0.1:3306 as root with no password (what the DB tests use);
# start it (root only) when installed but stopped.
ia_db_login() { mariadb --protocol=tcp -h 127.0.0.1 -P 3306 -u root --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1; }
ia_ensure_mariadb() {
  command -v mariadb >/dev/null 2>&1 || { ia_log "MariaDB client not installed; database tests will skip or fail"; return 0; }
  if ia_db_login; then
    ia_log "MariaDB answers on 127.0.0.1:3306"
    return 0
  fi
  if ! ia_is_root || [ ! -x /usr/sbin/mariadbd ]; then
    ia_log "MariaDB not answering on 127.0.0.1:3306 (as root: start-stop-daemon --start --background --exec /usr/sbin/mariadbd)"
    return 0
  fi
  if ! pgrep -x mariadbd >/dev/null 2>&1; then
    ia_log "starting MariaDB"
    install -d -o mysql -g mysql /run/mysqld 2>/dev/null || mkdir -p /run/mysqld
    start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql \
      --bind-address=127.0.0.1 --port=3306 || true
  fi
  local i fixed=""
  for i in $(seq 1 60); do
    ia_db_login && break
    # A fresh Debian install lets root in only over the socket; the tests log in over TCP.
    if [ -z "$fixed" ] && [ -n "${CI:-}${IA_FIX_DB_AUTH:-}" ] && mariadb -u root -e 'SELECT 1' >/dev/null 2>&1; then
      ia_log "allowing root@localhost over TCP with an empty password (CI / IA_FIX_DB_AUTH)"
      mariadb -u root -e "ALTER USER root@localhost IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')" || true
      fixed=1
    fi
    sleep 1
  done
  if ia_db_login; then
    ia_log "MariaDB answers on 127.0.0.1:3306 (after ${i}s)"
  else
    ia_log "WARNING: MariaDB does not accept root over TCP on 127.0.0.1:3306 (set IA_FIX_DB_AUTH=1 to fix as root)"
  fi
}
