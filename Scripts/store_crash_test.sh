#!/usr/bin/env bash
# Crash drill for the template store (issue: nothing acknowledged is lost, nothing is
# half-written, the audit chain holds). Enrolls in batches while being killed with
# SIGKILL at random moments, ROUNDS times, restarting each time; then checks that the
# store opens, `audit verify` passes, every acknowledged enrollment is present exactly
# once, every record authenticates, and the journal has exactly one enroll entry per
# reference. Finally runs the enrollment to completion and checks the totals.
#
# Usage: Scripts/store_crash_test.sh BIOMATCH [--rounds N] [--count N] [--batch N] [--store-args "…"]
#   --store-args: how to reach the store (default: a fresh SQLite file in a temp dir).
set -euo pipefail
bin="${1:?usage: store_crash_test.sh BIOMATCH [--rounds N] [--count N] [--batch N] [--store-args ARGS]}"; shift
rounds=20 count=60000 batch=50 store_args=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --count) count="$2"; shift 2 ;;
    --batch) batch="$2"; shift 2 ;;
    --store-args) store_args="$2"; shift 2 ;;
    *) echo "store_crash_test: unknown option $1" >&2; exit 2 ;;
  esac
done
fail() { echo "store_crash_test: FAIL: $*" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
key="$work/kek"
if [ -z "$store_args" ]; then store_args="--store $work/store.sqlite"; fi
# shellcheck disable=SC2206
store=($store_args --key-file "$key")
"$bin" store init "${store[@]}" --generate-key --json >/dev/null || fail "store init"
acks="$work/acks.jsonl"
: > "$acks"
seed=$RANDOM
for round in $(seq 1 "$rounds"); do
  "$bin" store fill "${store[@]}" --count "$count" --batch-size "$batch" --seed 7 --json >> "$acks" 2>"$work/fill.err" &
  pid=$!
  # Somewhere between start-up and well into the run.
  sleep "$(python3 -c "import random; random.seed($seed + $round); print(round(random.uniform(0.2, 1.5), 2))")"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  # A kill can land mid-line: only complete JSON lines count as acknowledgements.
done
python3 - "$work" "$acks" <<'PY' || exit 1
import json, sys
work, acks = sys.argv[1], sys.argv[2]
ids = []
with open(acks, "rb") as f:
    for raw in f:
        try:
            line = json.loads(raw)
        except ValueError:
            continue
        ids += line.get("acknowledged", [])
with open(f"{work}/acked.txt", "w") as out:
    out.write("\n".join(sorted(set(ids))))
print(f"store_crash_test: {len(set(ids))} distinct acknowledged enrollments after the kills")
PY
check() {
  local stage="$1"
  "$bin" store audit verify "${store[@]}" --json > "$work/audit.json" || fail "$stage: audit verify failed: $(cat "$work/audit.json")"
  "$bin" store verify "${store[@]}" --list-ids --json > "$work/verify.json" || fail "$stage: a record fails authentication: $(head -c 400 "$work/verify.json")"
  "$bin" store stats "${store[@]}" --json > "$work/stats.json" || fail "$stage: store stats"
  python3 - "$work" "$stage" <<'PY' || exit 1
import json, sys
work, stage = sys.argv[1], sys.argv[2]
audit = json.load(open(f"{work}/audit.json"))
verify = json.load(open(f"{work}/verify.json"))
stats = json.load(open(f"{work}/stats.json"))
acked = [l for l in open(f"{work}/acked.txt").read().split("\n") if l]
stored = verify["reference_ids"]
assert audit["valid"], f"{stage}: audit chain invalid: {audit}"
assert len(stored) == len(set(stored)), f"{stage}: a reference is stored twice"
missing = set(acked) - set(stored)
assert not missing, f"{stage}: {len(missing)} acknowledged enrollments are missing, e.g. {sorted(missing)[:3]}"
assert stats["references"] == len(stored) == stats["subjects"], f"{stage}: counts disagree: {stats}"
# One init entry plus exactly one enroll entry per stored reference: nothing half-written.
assert audit["entries"] == 1 + len(stored), f"{stage}: {audit['entries']} journal entries for {len(stored)} references"
print(f"store_crash_test: {stage}: {len(stored)} stored, all {len(acked)} acknowledged present once, "
      f"{verify['checked']} records authenticate, audit chain of {audit['entries']} entries valid")
PY
}
check "after $rounds kills"
"$bin" store fill "${store[@]}" --count "$count" --batch-size "$batch" --seed 7 --json > "$work/final.jsonl" || fail "the final, uninterrupted run failed"
python3 - "$work" <<'PY'
import json, sys
ids = []
for line in open(f"{sys.argv[1]}/final.jsonl"):
    ids += json.loads(line).get("acknowledged", [])
open(f"{sys.argv[1]}/acked.txt", "a").write("\n" + "\n".join(ids))
PY
check "after completion"
python3 -c "import json,sys; s=json.load(open('$work/stats.json')); sys.exit(0 if s['references']==$count else 1)" \
  || fail "after completion the store holds $(python3 -c "import json; print(json.load(open('$work/stats.json'))['references'])") references, expected $count"
echo "store_crash_test: PASS ($rounds SIGKILLs)"
