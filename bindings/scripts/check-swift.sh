#!/usr/bin/env bash
# Generates the Swift bindings and parses them with tree-sitter-swift (from PyPI, in a venv under
# target/): fails on any syntax error. The Swift is NOT compiled here — that needs macOS
# (build-xcframework.sh); this catches a generator or configuration change that breaks the
# Swift's syntax.
#
#   bash bindings/scripts/check-swift.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
out=target/generated/swift
venv=target/swift-parse-venv

bash bindings/scripts/generate-swift.sh "$out"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import tree_sitter, tree_sitter_swift" 2>/dev/null; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian keeps venv support in its own package.
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check "tree-sitter>=0.23" "tree-sitter-swift>=0.6"
fi
"$venv/bin/python" tests/swift-parse/check_swift.py "$out"/*.swift
