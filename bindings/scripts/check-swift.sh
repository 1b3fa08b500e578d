#!/usr/bin/env bash
# Generates the Swift bindings and parses them with tree-sitter-swift (from PyPI, in a venv under
# target/): fails on any syntax error. It also parses every .swift file of the iOS app and its
# Swift package under ios/, and loads the app's project and property-list files (ios/project.yml
# with PyYAML; .plist, .entitlements and .xcprivacy with plistlib; .json with json), so a
# malformed one fails too. Nothing is compiled here — that needs macOS (build-xcframework.sh,
# ios/README.md); this catches a generator or configuration change that breaks the Swift's
# syntax, and a broken file in the app.
#
#   bash bindings/scripts/check-swift.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target_dir=${CARGO_TARGET_DIR:-target}
out="$target_dir/generated/swift"
venv="$target_dir/swift-parse-venv"

bash bindings/scripts/generate-swift.sh "$out"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import tree_sitter, tree_sitter_swift, yaml" 2>/dev/null; then
  rm -rf "$venv"
  if ! python3 -m venv "$venv" >/dev/null 2>&1; then
    # Debian keeps venv support in its own package.
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv
    rm -rf "$venv"
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install -q --disable-pip-version-check "tree-sitter>=0.23" "tree-sitter-swift>=0.6" "PyYAML>=6"
fi

files=("$out"/*.swift)
if [ -d ios ]; then
  # Generated copies of the bindings inside ios/ (ios/SteadyKit/Generated, gitignored) are the
  # same files as $out; build products are not ours to parse.
  while IFS= read -r -d '' f; do files+=("$f"); done < <(
    find ios \( -path '*/Generated' -o -path '*/.build' -o -path '*/build' -o -name '*.xcodeproj' \) -prune -o \
      -type f \( -name '*.swift' -o -name 'project.yml' -o -name '*.plist' -o -name '*.entitlements' \
      -o -name '*.xcprivacy' -o -name '*.json' \) -print0 | sort -z)
fi
"$venv/bin/python" tests/swift-parse/check_swift.py --bindings "$out" "${files[@]}"
