#!/usr/bin/env bash
# The test command: sets up a fresh machine (system packages, models, samples), builds
# and runs the whole test suite. Safe to rerun. Usage: Scripts/test.sh [swift test args]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# Each step prints its name, and its duration when the next starts (or the script ends).
step_name="" step_start=$SECONDS run_start=$SECONDS
step() {
  [ -z "$step_name" ] || echo "test: [$((SECONDS - step_start)) s] $step_name"
  step_name="$1" step_start=$SECONDS
  [ -z "$1" ] || echo "test: $1"
}
trap 'step ""; echo "test: [$((SECONDS - run_start)) s] in all"' EXIT
step "set-up (system packages, models, samples)"
"$root/Scripts/bootstrap.sh"
if [ ! -d "$root/../shared/data/face" ]; then
  echo "test: note: ../shared/data is absent; tests on real evaluation images will be skipped"
fi
if [ $# -eq 0 ]; then
  # The gallery's concurrent add/remove/search tests, concurrent fingerprint
  # extractions (shared kernel cache) and the concurrent engine under Thread Sanitizer (own build folder, since
  # every module is instrumented).
  step "concurrency tests under Thread Sanitizer"
  swift build --build-tests --sanitize=thread --scratch-path .build-tsan \
    || { echo "test: error: the Thread Sanitizer build failed" >&2; exit 1; }
  TSAN_OPTIONS="halt_on_error=1" swift test --skip-build --sanitize=thread --scratch-path .build-tsan \
    --filter "GalleryConcurrencyTests|concurrentExtractionsAgreeWithSerialOnes|ConcurrentEngineTests" || { echo "test: error: Thread Sanitizer run failed" >&2; exit 1; }
fi
step "debug build (with tests)"
swift build --build-tests || { echo "test: error: the build failed" >&2; exit 1; }

# A private PostgreSQL server on loopback, so the store suite runs on both backends.
pgroot="$(mktemp -d)"
chmod 755 "$pgroot"
trap '"$root/Scripts/postgres_server.sh" stop "$pgroot/pg"; rm -rf "$pgroot"; step ""; echo "test: [$((SECONDS - run_start)) s] in all"' EXIT
step "starting a private PostgreSQL server"
pg_url="$("$root/Scripts/postgres_server.sh" start "$pgroot/pg")" || { echo "test: error: could not start PostgreSQL" >&2; exit 1; }
export BIOMATCH_TEST_POSTGRES="$pg_url"
# The server takes TLS only (verify-full against its throwaway CA); a database's URL keeps the query.
pg_server="${pg_url%%\?*}"; pg_server="${pg_server%/postgres}"; pg_query="?${pg_url#*\?}"
export BIOMATCH_TEST_POSTGRES_OTHER_CA="$pgroot/pg/other-ca.pem"

if [ $# -eq 0 ]; then
  # Crash drills: enrollment killed with SIGKILL 20 times, on SQLite and on PostgreSQL.
  step "store crash drill on SQLite"
  "$root/Scripts/store_crash_test.sh" "$root/.build/debug/biomatch" 2>&1 | grep -v " info biomatch" \
    || { echo "test: error: the SQLite crash drill failed" >&2; exit 1; }
  # On PostgreSQL the 20 kills land in the first few thousand records; CI completes the fill
  # at 20,000 (BIOMATCH_DRILL_COUNT sets it as for the rotation drills; 60000 is the
  # script's full size, about 10 min more).
  crash_count="${BIOMATCH_DRILL_COUNT:-20000}"
  step "store crash drill on PostgreSQL ($crash_count records)"
  psql -q "$pg_url" -c "CREATE DATABASE biomatch_crash" || { echo "test: error: cannot create the crash-drill database" >&2; exit 1; }
  "$root/Scripts/store_crash_test.sh" "$root/.build/debug/biomatch" --count "$crash_count" --store-args "--store $pg_server/biomatch_crash$pg_query" 2>&1 \
    | grep -v " info biomatch" || { echo "test: error: the PostgreSQL crash drill failed" >&2; exit 1; }
  # Key rotation under concurrent reads, killed part-way and resumed. CI runs the drills at
  # 20,000 references; BIOMATCH_DRILL_COUNT=100000 gives the full-size drill (about 9 min more).
  drill_count="${BIOMATCH_DRILL_COUNT:-20000}"
  step "store key-rotation drill on SQLite ($drill_count references)"
  "$root/Scripts/store_rotation_test.sh" "$root/.build/debug/biomatch" --count "$drill_count" 2>&1 | grep -v " info biomatch" \
    || { echo "test: error: the SQLite rotation drill failed" >&2; exit 1; }
  step "re-encrypting key-rotation drill on SQLite ($drill_count references; the rotation after a key compromise)"
  "$root/Scripts/store_rotation_test.sh" "$root/.build/debug/biomatch" --count "$drill_count" --reencrypt 2>&1 | grep -v " info biomatch" \
    || { echo "test: error: the SQLite re-encrypting rotation drill failed" >&2; exit 1; }
  step "store key-rotation drill on PostgreSQL (20,000 references)"
  psql -q "$pg_url" -c "CREATE DATABASE biomatch_rotation" || { echo "test: error: cannot create the rotation-drill database" >&2; exit 1; }
  "$root/Scripts/store_rotation_test.sh" "$root/.build/debug/biomatch" --count 20000 --store-args "--store $pg_server/biomatch_rotation$pg_query" 2>&1 \
    | grep -v " info biomatch" || { echo "test: error: the PostgreSQL rotation drill failed" >&2; exit 1; }
  # Batch enrollment killed with SIGKILL five times and resumed: every item exactly once,
  # the same outcomes as an uninterrupted run (sample-image variants: runs anywhere).
  step "batch enrollment kill drill"
  python3 "$root/Scripts/make_sample_variants.py" "$pgroot/variants" >/dev/null \
    || { echo "test: error: could not make the sample variants" >&2; exit 1; }
  "$root/Scripts/enroll_kill_test.sh" "$root/.build/debug/biomatch" "$pgroot/variants/manifest.csv" 2>&1 | grep -v " info biomatch" \
    || { echo "test: error: the batch enrollment kill drill failed" >&2; exit 1; }
  # The report pictures: matplotlib from its pinned venv draws a small synthetic report.
  step "evaluation report pictures"
  mkdir -p "$pgroot/report"
  python3 - "$pgroot/report/report.json" <<'PY'
import json, random, sys
random.seed(7)
json.dump({"title": "synthetic", "kind": "verification", "series": [{"label": "s",
           "genuine": [random.gauss(0.6, 0.1) for _ in range(300)] + [None],
           "impostor": [random.gauss(0.1, 0.1) for _ in range(3000)], "thresholds": {"1e-3": 0.4}}]}, open(sys.argv[1], "w"))
PY
  "$root/Scripts/plot_report.sh" "$pgroot/report" >/dev/null && [ -s "$pgroot/report/det.png" ] && [ -s "$pgroot/report/histogram.png" ] \
    || { echo "test: error: the report pictures were not drawn" >&2; exit 1; }
fi
step "swift test"
swift test --skip-build "$@"
