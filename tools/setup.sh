#!/usr/bin/env bash
# One idempotent set-up step shared by the Makefile's targets:
#   tools/setup.sh core    scenevis alone (numpy, attrs, pycairo): what `make demo` needs
#   tools/setup.sh test    core plus the test extras (CPU torch, TensorBoard, W&B, MMEngine, Jupyter,
#                          Playwright and Chromium, poppler-utils, ruff)
#   tools/setup.sh bench   test plus the benchmarks' peers
# 1. The Debian packages that level needs (apt-get, only when missing).
# 2. A virtualenv in .venv with scenevis installed editable plus that level's extras, all
#    levels sharing the one .venv. A second run with nothing changed installs nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

LEVEL="${1:-core}"
PYTHON="${PYTHON:-python3}"
# pycairo compiles against libcairo (pkg-config finds it; gcc is the C compiler).
APT_CORE="libcairo2-dev pkg-config gcc"
# The CJK tests need a CJK font; OpenCV (pulled in by MMEngine) needs libGL; the vector
# output tests rasterize PDF with poppler's pdftoppm and open SVG in Chromium (Playwright).
APT_TEST="fonts-wqy-microhei libgl1 poppler-utils chromium"
case "$LEVEL" in
    core) levels="core"; apt_packages="$APT_CORE" ;;
    test) levels="core test"; apt_packages="$APT_CORE $APT_TEST" ;;
    bench) levels="core test bench"; apt_packages="$APT_CORE $APT_TEST" ;;
    *) echo "tools/setup.sh: expected core, test or bench, got '$LEVEL'" >&2; exit 2 ;;
esac

missing=()
for pkg in $apt_packages; do
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

# Each level is installed once per version of pyproject.toml: its stamp holds the hash.
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
pip=(.venv/bin/python -m pip install -q --disable-pip-version-check)
for level in $levels; do
    stamp=".venv/.scenevis-$level"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        continue
    fi
    case "$level" in
        core)
            echo "==> installing scenevis into .venv"
            "${pip[@]}" -e . ;;
        test)
            echo "==> installing scenevis[test] into .venv"
            # The CPU build of torch 2.13.0 lies on this machine's disk; an unpinned torch
            # would pull a CUDA build of several GB.
            "${pip[@]}" -e ".[test]" "torch==2.13.0" ;;
        bench)
            echo "==> installing scenevis[bench] into .venv"
            "${pip[@]}" -e ".[bench]" "torch==2.13.0" ;;
    esac
    echo "$want" > "$stamp"
done
