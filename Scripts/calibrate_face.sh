#!/usr/bin/env bash
# Recalibrates the face recognizer's decision thresholds (FMR 1e-2 … 1e-5) from the
# impostor scores of the shared face datasets and writes them into Models/manifest.json.
#
# Method: every image of CelebA, ORL and Yale (../shared/data/face) is extracted with the
# default pipeline; every pair of images of different identities (identities of
# different datasets are different people) is an impostor comparison; the threshold for
# FMR r is the lowest score t such that at most ⌊r·N⌋ impostor scores reach t.
# Needs a release build: swift build -c release --product biomatch
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
data="${1:-$root/../shared/data/face}"
bin="$root/.build/release/biomatch"
[ -x "$bin" ] || { echo "calibrate_face: build first: swift build -c release --product biomatch" >&2; exit 1; }
for d in celeba orl yale; do [ -d "$data/$d" ] || { echo "calibrate_face: $data/$d is missing" >&2; exit 1; }; done
out=$(mktemp)
"$bin" face calibrate --dataset "$data/celeba" --dataset "$data/orl" --dataset "$data/yale" > "$out"
python3 - "$root/Models/manifest.json" "$out" <<'PY'
import json, sys
manifest_path, calibration_path = sys.argv[1], sys.argv[2]
manifest = json.load(open(manifest_path))
c = json.load(open(calibration_path))
calibration = {"dataset": c["dataset"], "method": c["method"],
               "impostor_comparisons": c["impostor_comparisons"], "thresholds": c["thresholds"]}
for model in manifest["models"]:
    if model["role"] == "face-recognizer":
        model["calibration"] = calibration
json.dump(manifest, open(manifest_path, "w"), indent=2, ensure_ascii=False)
open(manifest_path, "a").write("\n")
print(json.dumps(calibration, indent=2))
PY
rm -f "$out"
