#!/usr/bin/env bash
# Calibrates the fingerprint matcher's FMR thresholds (the table in
# Sources/BiomatchFingerprint/Matching/FingerprintCalibration.swift) from the impostor
# scores of every FVC2002 set in ../shared/data/finger/fvc2002 (all cross-finger pairs,
# 2,880 per set). Prints the thresholds; paste them into the table when they change.
# Usage: Scripts/calibrate_finger.sh [FVC_ROOT]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/data/finger/fvc2002}"
[ -d "$data" ] || { echo "calibrate_finger: error: $data not found (pass the FVC2002 folder)" >&2; exit 1; }
cd "$root"
swift build -c release --product biomatch >/dev/null
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
for set in "$data"/DB*; do
  .build/release/biomatch eval finger --dataset "$set" --scores-out "$work/$(basename "$set").csv" >/dev/null
done
python3 - "$work" <<'PY'
import csv, glob, math, sys
imp = []
for f in sorted(glob.glob(sys.argv[1] + "/*.csv")):
    for r in csv.DictReader(open(f)):
        if r["genuine"] == "0":
            imp.append(float(r["score"]))
imp.sort()
print(f"impostor comparisons: {len(imp)}")
for rate in ("1e-2", "1e-3", "1e-4"):
    allowed = int(float(rate) * len(imp))
    t = imp[len(imp) - 1 - allowed]
    t = math.nextafter(t, math.inf)
    note = "" if allowed >= 1 else "  (fewer than 1/rate impostors: only the maximum bounds it)"
    print(f"{rate}: {t:.6f}{note}")
PY
