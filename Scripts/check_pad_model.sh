#!/usr/bin/env bash
# Retrains the passive face PAD model with the command it records and checks that the result
# is byte-for-byte the committed Models/pad-face-lbp.json.
# Usage: Scripts/check_pad_model.sh [BIOMATCH_BINARY]   (default: .build/release/biomatch)
# Exit: 0 identical, 1 different, 2 set-up problem; skips (0) without ../shared/data.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="${1:-$root/.build/release/biomatch}"
data="$root/../shared/data/pad/nuaa"
[ -x "$bin" ] || { echo "check_pad_model: error: no biomatch binary at $bin (swift build -c release)" >&2; exit 2; }
[ -d "$data" ] || { echo "check_pad_model: skipped: $data is absent"; exit 0; }
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
# The model records its command; run exactly that (the dataset named by its folder).
command="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["provenance"].split(";")[0])' "$root/Models/pad-face-lbp.json")"
args="${command#biomatch }"; args="${args/--dataset nuaa/--dataset $data}"
echo "check_pad_model: $command"
# shellcheck disable=SC2086
"$bin" $args --out "$out/model.json" >/dev/null
if cmp -s "$out/model.json" "$root/Models/pad-face-lbp.json"; then
  echo "check_pad_model: identical to Models/pad-face-lbp.json ($(wc -c < "$out/model.json") bytes)"
else
  echo "check_pad_model: error: the retrained model differs from Models/pad-face-lbp.json" >&2
  cmp "$out/model.json" "$root/Models/pad-face-lbp.json" >&2 || true
  exit 1
fi
