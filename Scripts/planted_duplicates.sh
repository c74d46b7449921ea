#!/usr/bin/env bash
# Measures the batch enrollment's duplicate check (issue: one person under two ids is
# found). Enrolls every face of ../shared/data/face into a fresh store with the second half
# of the images of N CelebA identities planted under new subject ids, then reports the
# share of planted subjects flagged `duplicate-suspect` (against their original id) and the
# share of distinct subjects (everyone else) flagged. Deepface images without an identity
# label are left out (two of them show labelled people: they would be true duplicates).
# Usage: Scripts/planted_duplicates.sh BIOMATCH [--plant N] [--jobs N]
set -euo pipefail
bin="${1:?usage: planted_duplicates.sh BIOMATCH [--plant N] [--jobs N]}"; shift
plant=20 jobs=2
while [ $# -gt 0 ]; do
  case "$1" in
    --plant) plant="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *) echo "planted_duplicates: unknown option $1" >&2; exit 2 ;;
  esac
done
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 "$root/Scripts/make_enroll_manifest.py" "$work/planted.csv" --plant "$plant" --faces-only --known-identities-only
"$bin" store init --store "$work/s.sqlite" --key-file "$work/kek" --generate-key >/dev/null 2>&1
"$bin" enroll --store "$work/s.sqlite" --key-file "$work/kek" --manifest "$work/planted.csv" --jobs "$jobs" --out "$work/p" --quiet 2>&1 | grep -v " info "
python3 -c "import json,sys; print('duplicate check:', json.load(open(sys.argv[1]))['duplicate_check'])" "$work/p.summary.json"
python3 - "$work/p.outcomes.jsonl" <<'PY'
import json, sys
records = [json.loads(l) for l in open(sys.argv[1])]
subjects = {}
for r in records:
    subjects.setdefault(r["subject_id"], []).append(r)
planted = [s for s in subjects if s.startswith("planted-")]
originals = {s[len("planted-"):] for s in planted}
def flagged(s, against=None):
    for r in subjects[s]:
        if r["outcome"].endswith("duplicate-suspect"):
            if against is None or any(c["subject_id"] == against for c in r["duplicate_candidates"]):
                return True
    return False
found = sum(flagged(s, s[len("planted-"):]) for s in planted)
distinct = [s for s in subjects if s not in planted and s not in originals]
false = [s for s in distinct if flagged(s)]
items_planted = sum(len(subjects[s]) for s in planted)
items_found = sum(1 for s in planted for r in subjects[s] if r["outcome"].endswith("duplicate-suspect"))
print(f"planted subjects flagged against their original id: {found}/{len(planted)} ({found / max(1, len(planted)):.3f}); "
      f"planted items flagged: {items_found}/{items_planted}")
print(f"distinct subjects flagged: {len(false)}/{len(distinct)} ({len(false) / max(1, len(distinct)):.3f})" + (": " + ", ".join(false) if false else ""))
PY
