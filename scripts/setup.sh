#!/usr/bin/env bash
# Installs what maestro's build and tests need on a fresh Debian machine with Swift 6.3:
# system packages, and a Python venv at .venv with the test tools (the real Codex CLI among them).
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
if command -v apt-get >/dev/null; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq libsqlite3-dev libxml2-dev graphviz chromium chromium-driver python3-venv zsh fish >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
.venv/bin/pip install -q --disable-pip-version-check -r scripts/test-requirements.txt
