#!/usr/bin/env bash
# The test command: sets up a fresh machine (system packages, models, samples), builds
# and runs the whole test suite. Safe to rerun. Usage: Scripts/test.sh [swift test args]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/Scripts/bootstrap.sh"
if [ ! -d "$root/../shared/data/face" ]; then
  echo "test: note: ../shared/data is absent; tests on real evaluation images will be skipped"
fi
echo "test: building and running the tests"
swift build --build-tests || { echo "test: error: the build failed" >&2; exit 1; }
swift test --skip-build "$@"
