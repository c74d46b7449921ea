#!/usr/bin/env bash
# Kill drill for batch enrollment (issue: resumable and exactly-once). Runs the batch once
# uninterrupted into store A; then into store B, killing it with SIGKILL at a random moment
# KILLS times and rerunning the same command each time, then once more to the end. Checks
# that B holds every stored item exactly once (same reference ids as A), that every item
# has the same outcome in both runs, that the outcome counts match, and that B's records
# and audit journal verify.
#
# Usage: Scripts/enroll_kill_test.sh BIOMATCH MANIFEST [--kills N] [--jobs N]
set -euo pipefail
bin="${1:?usage: enroll_kill_test.sh BIOMATCH MANIFEST [--kills N] [--jobs N]}"
manifest="${2:?usage: enroll_kill_test.sh BIOMATCH MANIFEST [--kills N] [--jobs N]}"; shift 2
kills=5 jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --kills) kills="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "enroll_kill_test: unknown option $1" >&2; exit 2 ;;
  esac
done
fail() { echo "enroll_kill_test: FAIL: $*" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for s in a b; do "$bin" store init --store "$work/$s.sqlite" --key-file "$work/kek" $([ $s = a ] && echo --generate-key) >/dev/null 2>&1 || fail "store init $s"; done
# Small chunks (one transaction each), so there are many points to be killed at.
args() { echo enroll --store "$work/$1.sqlite" --key-file "$work/kek" --manifest "$manifest" --jobs "$jobs" --chunk-size 4 --out "$work/$1" --quiet --json; }
run() { "$bin" $(args "$1") 2>/dev/null; }

start=$(date +%s%N)
run a > "$work/a.json" || fail "the uninterrupted run failed"
took_ms=$(( ( $(date +%s%N) - start ) / 1000000 ))
echo "enroll_kill_test: uninterrupted run: ${took_ms} ms"

total=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['items'])" "$work/a.json")
killed=0
while [ "$killed" -lt "$kills" ]; do
  # Kill at a random point of the work still to do, leaving room for the kills to come:
  # when the outcome log has grown by a random number of lines (the log is written just
  # before each chunk's commit, so the kill lands anywhere around commits).
  done_lines=$( [ -f "$work/b.log.jsonl" ] && wc -l < "$work/b.log.jsonl" || echo 0 )
  left=$(( total - done_lines ))
  share=$(( left / (kills - killed + 1) ))
  [ "$share" -ge 1 ] || fail "only $killed kills fit before the input ran out: use a larger manifest"
  target=$(( done_lines + 1 + RANDOM % share ))
  # The binary itself in the background (not a shell function's subshell), so the
  # SIGKILL reaches it.
  "$bin" $(args b) > /dev/null 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    now_lines=$( [ -f "$work/b.log.jsonl" ] && wc -l < "$work/b.log.jsonl" || echo 0 )
    [ "$now_lines" -ge "$target" ] && break
    sleep 0.005
  done
  kill -0 "$pid" 2>/dev/null || fail "the run ended before kill $((killed + 1)) (log line $target of $total): use a larger manifest"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  killed=$((killed + 1))
  stored=$("$bin" store stats --store "$work/b.sqlite" --key-file "$work/kek" --json 2>/dev/null | python3 -c "import json,sys; print(json.load(sys.stdin)['references'])")
  echo "enroll_kill_test: SIGKILL $killed at log line ≥ $target of $total: $stored references stored"
done
run b > "$work/b.json" || fail "the final resumed run failed"

python3 - "$work" <<'PY' || exit 1
import csv, json, sys
work = sys.argv[1]
a, b = (json.load(open(f"{work}/{s}.json")) for s in "ab")
rows = {s: list(csv.DictReader(open(f"{work}/{s}.outcomes.csv"))) for s in "ab"}
def fail(msg):
    print("enroll_kill_test: FAIL:", msg, file=sys.stderr); sys.exit(1)
if a["outcomes"] != b["outcomes"]:
    fail(f"outcome counts differ: uninterrupted {a['outcomes']}, killed and resumed {b['outcomes']}")
if len(rows["a"]) != len(rows["b"]) or len(rows["a"]) != a["items"]:
    fail("the outcome files do not have one line per item")
for x, y in zip(rows["a"], rows["b"]):
    if (x["index"], x["outcome"], x["reference_id"]) != (y["index"], y["outcome"], y["reference_id"]):
        fail(f"item {x['index']} differs: {x['outcome']} {x['reference_id']} vs {y['outcome']} {y['reference_id']}")
if b["interrupted"] or b["remaining"] != 0:
    fail("the final run did not finish")
print(f"enroll_kill_test: outcomes identical per item; counts {b['outcomes']}; resumed run skipped {b['already_enrolled']} already-enrolled items")
PY
refs() { "$bin" store verify --store "$work/$1.sqlite" --key-file "$work/kek" --list-ids --json 2>/dev/null | python3 -c "import json,sys; d=json.load(sys.stdin); assert not d['failures'], d['failures']; print('\n'.join(sorted(d['reference_ids'])))"; }
refs a > "$work/a.ids" || fail "store A does not verify"
refs b > "$work/b.ids" || fail "store B does not verify"
[ "$(sort "$work/b.ids" | uniq -d | wc -l)" = 0 ] || fail "store B holds a reference twice"
cmp -s "$work/a.ids" "$work/b.ids" || fail "stores A and B hold different references ($(wc -l < "$work/a.ids") vs $(wc -l < "$work/b.ids"))"
"$bin" store audit verify --store "$work/b.sqlite" --key-file "$work/kek" >/dev/null 2>&1 || fail "store B's audit journal does not verify"
echo "enroll_kill_test: PASS ($killed SIGKILLs; $(wc -l < "$work/b.ids") references, each exactly once, the same as the uninterrupted run)"
