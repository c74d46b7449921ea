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
if [ $# -eq 0 ]; then
  # The gallery's concurrent add/remove/search tests under Thread Sanitizer (own build
  # folder, since every module is instrumented).
  echo "test: gallery concurrency tests under Thread Sanitizer"
  swift build --build-tests --sanitize=thread --scratch-path .build-tsan \
    || { echo "test: error: the Thread Sanitizer build failed" >&2; exit 1; }
  TSAN_OPTIONS="halt_on_error=1" swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter GalleryConcurrencyTests || { echo "test: error: Thread Sanitizer run failed" >&2; exit 1; }
fi
echo "test: building and running the tests"
swift build --build-tests || { echo "test: error: the build failed" >&2; exit 1; }
swift test --skip-build "$@"
