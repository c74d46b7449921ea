#!/usr/bin/env bash
# Key-rotation drill: rotate a store of COUNT references to a new key while a reader
# process checks random templates throughout; kill the rotation with SIGKILL part-way,
# rerun it to completion; then the old key is retired, every record authenticates under
# the new key, and the audit chain holds.
#
# With --reencrypt (the rotation after a key compromise) every record is sealed again under
# a fresh data key and the store gets a fresh integrity key; the resumed run is not told
# again (the store remembers). On SQLite the drill then compares a copy taken before the
# rotation with the store: no ciphertext, wrapped key or row MAC is left as it was.
#
# Usage: Scripts/store_rotation_test.sh BIOMATCH [--count N] [--store-args "…"] [--reencrypt]
set -euo pipefail
bin="${1:?usage: store_rotation_test.sh BIOMATCH [--count N] [--store-args ARGS]}"; shift
count=100000 store_args="" reencrypt=()
while [ $# -gt 0 ]; do
  case "$1" in
    --count) count="$2"; shift 2 ;;
    --store-args) store_args="$2"; shift 2 ;;
    --reencrypt) reencrypt=(--reencrypt); shift ;;
    *) echo "store_rotation_test: unknown option $1" >&2; exit 2 ;;
  esac
done
fail() { echo "store_rotation_test: FAIL: $*" >&2; exit 1; }
work="$(mktemp -d)"
reader=""
trap '[ -n "$reader" ] && kill "$reader" 2>/dev/null; rm -rf "$work"' EXIT
sqlite=""
if [ -z "$store_args" ]; then store_args="--store $work/store.sqlite"; sqlite="$work/store.sqlite"; fi
# shellcheck disable=SC2206
target=($store_args)
old="$work/old.key" new="$work/new.key"
"$bin" store init "${target[@]}" --key-file "$old" --generate-key --json >/dev/null || fail "store init"
python3 -c "import secrets; print(secrets.token_hex(32))" > "$new"; chmod 600 "$new"
echo "store_rotation_test: enrolling $count references"
"$bin" store fill "${target[@]}" --key-file "$old" --count "$count" --batch-size 5000 --seed 3 --json > "$work/fill.jsonl" \
  || fail "fill"

# The thief's backup: the store as it was before the rotation.
if [ -n "$sqlite" ]; then "$bin" store stats "${target[@]}" --key-file "$old" >/dev/null && cp "$sqlite" "$work/backup.sqlite"; fi

# A reader holding both keys (as terminals do around a rotation) checks templates throughout.
"$bin" store spot-check "${target[@]}" --key-file "$old" --key-file "$new" --count "$count" --seed 3 \
  --seconds 3600 --until-file "$work/stop" > "$work/reads.json" 2>"$work/reads.err" &
reader=$!

# Rotate, and kill the rotation once it is well under way.
"$bin" store rotate-key "${target[@]}" --key-file "$old" --new-key-file "$new" --batch-size 1000 --json ${reencrypt[@]+"${reencrypt[@]}"} \
  > "$work/rotate1.jsonl" 2>"$work/rotate1.err" &
rotator=$!
half=$((count * 2 / 5))
for _ in $(seq 1 6000); do
  done_so_far="$(python3 -c "
import json,sys
n=0
for l in open('$work/rotate1.jsonl'):
    try: n=max(n, json.loads(l).get('rewrapped', 0))
    except ValueError: pass
print(n)")"
  [ "$done_so_far" -ge "$half" ] && break
  kill -0 "$rotator" 2>/dev/null || break
  sleep 0.1
done
kill -9 "$rotator" 2>/dev/null || true
wait "$rotator" 2>/dev/null || true
"$bin" store stats "${target[@]}" --key-file "$old" --key-file "$new" --json > "$work/mid.json" || fail "stats after the kill"
python3 - "$work/mid.json" "$count" <<'PY' || exit 1
import json, sys
s = json.load(open(sys.argv[1])); count = int(sys.argv[2])
assert s["rotation_target"], f"the rotation finished before the kill: {s}"
moved = sorted(s["records_by_key"].values())
print(f"store_rotation_test: killed part-way: records by key {s['records_by_key']}, rotation to {s['rotation_target']} unfinished")
assert sum(moved) == count and len(moved) == 2, s
PY
"$bin" store rotate-key "${target[@]}" --key-file "$old" --new-key-file "$new" --batch-size 1000 > "$work/rotate2.txt" \
  || fail "the resumed rotation failed: $(cat "$work/rotate2.txt")"
tail -1 "$work/rotate2.txt"
touch "$work/stop"
wait "$reader" || fail "the reader saw wrong templates or errors: $(cat "$work/reads.json" "$work/reads.err")"
reader=""
python3 -c "
import json
r=json.load(open('$work/reads.json'))
assert r['reads'] > 0 and r['mismatches'] == 0 and r['errors'] == 0, r
print(f\"store_rotation_test: concurrent reader: {r['reads']} reads during the rotation, 0 mismatches, 0 errors\")"

"$bin" store stats "${target[@]}" --key-file "$new" --json > "$work/after.json" || fail "the new key alone does not open the store"
python3 - "$work/after.json" "$count" <<'PY' || exit 1
import json, sys
s = json.load(open(sys.argv[1])); count = int(sys.argv[2])
assert s["rotation_target"] is None if "rotation_target" in s else True, s
statuses = sorted(s["keys"].values())
assert statuses == ["active", "retired"], s
assert list(s["records_by_key"].values()) == [count], s
print(f"store_rotation_test: after: keys {s['keys']}, all {count} records under the new key")
PY
if "$bin" store stats "${target[@]}" --key-file "$old" >/dev/null 2>"$work/old.err"; then fail "the retired key still opens the store"; fi
grep -q "retired" "$work/old.err" || fail "the retired key's refusal does not say so: $(cat "$work/old.err")"
"$bin" store verify "${target[@]}" --key-file "$new" > /dev/null || fail "a record fails authentication after the rotation"
"$bin" store audit verify "${target[@]}" --key-file "$new" || fail "audit verify"
# The thief's try: the pre-rotation copy with the rotated ciphertexts spliced in, opened
# with the old key. After a re-wrap it reads everything (same data keys: why --reencrypt
# exists); after a re-encryption nothing.
if [ -n "$sqlite" ]; then
  cp "$work/backup.sqlite" "$work/spliced.sqlite"
  python3 - "$work/spliced.sqlite" "$sqlite" <<'PY' || fail "splicing the rotated ciphertexts into the backup"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("ATTACH DATABASE ? AS rotated", (f"file:{sys.argv[2]}?mode=ro",))
db.execute("""UPDATE template_reference SET nonce = r.nonce, ciphertext = r.ciphertext, tag = r.tag
              FROM rotated.template_reference AS r WHERE r.id = template_reference.id""")
db.commit()
PY
  set +e
  "$bin" store verify --store "$work/spliced.sqlite" --key-file "$old" --json > "$work/spliced.json" 2>/dev/null
  set -e
  python3 - "$work/spliced.json" "$count" ${#reencrypt[@]} <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1])); count = int(sys.argv[2]); reencrypted = sys.argv[3] != "0"
opened = count - sum(1 for f in r["failures"] if not f.startswith(("subject:", "kek:")))
if reencrypted:
    assert opened == 0, f"the old key and the backup open {opened} re-encrypted records"
    print(f"store_rotation_test: old key + pre-rotation copy + rotated ciphertexts: 0 of {count} records open")
else:
    assert opened == count, f"expected a re-wrap to leave the old data keys valid, {opened} of {count} opened"
    print(f"store_rotation_test: old key + pre-rotation copy + re-wrapped ciphertexts: all {count} open (re-wrapping does not answer a key compromise)")
PY
fi
if [ ${#reencrypt[@]} -gt 0 ]; then
  grep -q "re-encrypted" "$work/rotate2.txt" || fail "the resumed rotation did not re-encrypt: $(cat "$work/rotate2.txt")"
  "$bin" store audit list "${target[@]}" --key-file "$new" --json --action key-rotation > "$work/rotations.json" || fail "audit list"
  grep -q "integrity-key-replaced" "$work/rotations.json" || fail "the journal does not record the integrity key's replacement"
  if [ -n "$sqlite" ]; then
    python3 - "$work/backup.sqlite" "$sqlite" <<'PY' || fail "records survive the re-encryption unchanged"
import sqlite3, sys
def rows(path, sql):
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    return dict(db.execute(sql).fetchall())
checks = {
    "template ciphertexts": "SELECT id, ciphertext FROM template_reference",
    "template data keys": "SELECT id, wrapped_key FROM template_reference",
    "sample ciphertexts": "SELECT reference_id, ciphertext FROM sample",
    "subject MACs": "SELECT id, mac FROM subject",
    "key-row MACs": "SELECT id, mac FROM kek",
}
for what, sql in checks.items():
    before, after = rows(sys.argv[1], sql), rows(sys.argv[2], sql)
    same = sum(1 for k, v in before.items() if after.get(k) == v)
    assert same == 0, f"{same} of {len(before)} {what} unchanged"
    print(f"store_rotation_test: {len(before)} {what} before, none left unchanged")
PY
  fi
fi
echo "store_rotation_test: PASS"
