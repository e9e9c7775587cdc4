#!/usr/bin/env bash
# One idempotent set-up step shared by `make demo`, `make test` and `make bench`.
# 1. Debian packages pycairo and the CJK tests need (apt-get, only when missing).
# 2. A virtualenv in .venv with scenevis installed editable plus the requested extras.
# A second run with nothing changed installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

EXTRAS="${1:-test}"
PYTHON="${PYTHON:-python3}"
APT_PACKAGES="libcairo2-dev pkg-config fonts-wqy-microhei libgl1"

missing=()
for pkg in $APT_PACKAGES; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "scenevis set-up needs these Debian packages: ${missing[*]}" >&2
        echo "Run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
    echo "==> apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv"
    "$PYTHON" -m venv .venv
fi

# Reinstall only when pyproject.toml or the extras changed since the last install.
stamp=".venv/.scenevis-$EXTRAS"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    exit 0
fi
echo "==> installing scenevis[$EXTRAS] into .venv"
.venv/bin/python -m pip install -q --upgrade pip
# The CPU build of torch 2.13.0 lies on this machine's disk; an unpinned torch would pull CUDA.
.venv/bin/python -m pip install -q "torch==2.13.0"
.venv/bin/python -m pip install -q -e ".[$EXTRAS]" "torch==2.13.0"
echo "$want" > "$stamp"
