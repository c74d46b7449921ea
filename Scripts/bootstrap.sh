#!/usr/bin/env bash
# Everything a fresh Debian machine with Swift needs before Biomatch builds:
# system packages (OpenCV 4.6, CBLAS with OpenBLAS behind it), the pinned face models,
# and the registry-packaged sample images used by the tests and the demo.
# Safe to rerun; fails loudly with the step that broke.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
die() { echo "bootstrap: error: $*" >&2; exit 1; }

command -v swift >/dev/null || die "swift is not on PATH; install the Swift 6 toolchain first"

# libopencv-dev: the C++ bridge; libblas-dev + libopenblas0: CBLAS backed by OpenBLAS;
# opencv-doc: sample photos (messi5.jpg); python3-venv: the model converter's environment.
# openssl: the independent DER decoder the framing tests cross-check against.
packages=(pkg-config libopencv-dev libblas-dev libopenblas0 opencv-doc python3-venv openssl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
fi
pkg-config --exists opencv4 || die "pkg-config cannot find opencv4 after installing libopencv-dev"
pkg-config --exists blas || die "pkg-config cannot find blas after installing libblas-dev"

"$root/Scripts/fetch_models.sh"
"$root/Scripts/fetch_samples.sh"
