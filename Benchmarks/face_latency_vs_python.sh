#!/usr/bin/env bash
# Side-by-side per-image latency of detect + align + embed: biomatch (release build)
# against the same two models driven from Python OpenCV (python3-opencv, the same
# OpenCV 4.6), on the same images, one after the other in this one script.
# Prints one JSON object with both sides and the ratio python/biomatch (> 1: faster).
# Usage: Benchmarks/face_latency_vs_python.sh [IMAGES_DIR] [LIMIT]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
images="${1:-$root/../shared/data/face/celeba}"
limit="${2:-500}"
[ -d "$images" ] || images="$root/Models/samples"
"$root/Scripts/bootstrap.sh" >/dev/null
dpkg-query -W -f='${Status}' python3-opencv 2>/dev/null | grep -q "install ok installed" || {
  echo "bench: installing python3-opencv (the peer)" >&2
  apt-get install -y -qq python3-opencv >/dev/null
}
swift build -c release --product biomatch >/dev/null
ours=$("$root/.build/release/biomatch" bench face --images "$images" --limit "$limit" --json)
ours_flip=$("$root/.build/release/biomatch" bench face --images "$images" --limit "$limit" --json --flip)
peer=$(/usr/bin/python3 "$root/Benchmarks/python_opencv_face.py" "$root/Models" "$images" "$limit")
python3 - "$ours" "$ours_flip" "$peer" "$images" <<'PY'
import json, sys
ours, flip, peer = (json.loads(a) for a in sys.argv[1:4])
print(json.dumps({
    "images_dir": sys.argv[4],
    "biomatch": ours, "biomatch_flip": flip, "python_opencv": peer,
    "speedup_mean": peer["mean_ms"] / ours["mean_ms"],
    "speedup_p50": peer["p50_ms"] / ours["p50_ms"],
    "speedup_mean_flip": peer["mean_ms"] / flip["mean_ms"],
}, indent=2))
PY
