#!/usr/bin/env bash
# Side-by-side 1:N identification benchmark: biomatch (release) against FAISS
# (faiss-cpu from PyPI: IndexFlatIP and IndexScalarQuantizer QT_8bit, inner product) on
# the same vectors in one run. Real SFace embeddings of ../shared/data/face are mixed
# into the gallery so recall is measured on real genuine mates.
# Usage: Benchmarks/gallery_vs_faiss.sh [N=1000000] [QUERIES=500]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n="${1:-1000000}"; nq="${2:-500}"
work="$root/.work/bench"; mkdir -p "$work"
faces="$root/../shared/data/face"
[ -d "$faces/celeba" ] || { echo "bench: $faces is missing (real genuine mates come from it)" >&2; exit 1; }
"$root/Scripts/bootstrap.sh" >/dev/null
venv="$work/venv"
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import faiss" 2>/dev/null; then
  echo "bench: installing faiss-cpu into $venv" >&2
  python3 -m venv "$venv" && "$venv/bin/pip" install -q faiss-cpu==1.15.1 numpy==2.4.6
fi
swift build -c release --product biomatch >/dev/null
bm="$root/.build/release/biomatch"
if [ ! -f "$work/real.f32" ]; then
  echo "bench: extracting SFace embeddings of $faces (celeba, orl, yale)" >&2
  "$bm" face export --dataset "$faces/celeba" --dataset "$faces/orl" --dataset "$faces/yale" --output "$work/real"
fi
"$venv/bin/python" "$root/Benchmarks/gallery_vs_faiss.py" "$bm" "$work/real" "$work" "$n" "$nq"
