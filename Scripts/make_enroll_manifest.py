#!/usr/bin/env python3
"""Writes a batch-enrollment manifest (CSV: subject_id, modality, finger_position, image_path)
of every face image in ../shared/data/face (CelebA, ORL, Yale: one folder per identity;
deepface: identities from DERIVED_identities.csv, unlisted images as their own identity)
and every FVC2002 fingerprint (subject = set + finger number, position unknown).

--plant N: the second half of the images of N CelebA identities go under a new subject id
(planted-<identity>), to measure the duplicate check: the same person under two ids.
Usage: Scripts/make_enroll_manifest.py OUT.csv [--data ../shared/data] [--plant 20] [--faces-only|--fingers-only]
       [--known-identities-only]
"""
import argparse, csv, os, sys

IMAGE = (".jpg", ".jpeg", ".png", ".bmp", ".pgm", ".ppm", ".tif", ".tiff", ".gif")

def images(folder):
    return sorted(f for f in os.listdir(folder) if f.lower().endswith(IMAGE))

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data"))
    ap.add_argument("--plant", type=int, default=0)
    ap.add_argument("--faces-only", action="store_true")
    ap.add_argument("--fingers-only", action="store_true")
    ap.add_argument("--known-identities-only", action="store_true",
                    help="leave out deepface images DERIVED_identities.csv does not label (couple.jpg shows a labelled person; img11_reflection.jpg mirrors img11.jpg)")
    a = ap.parse_args()
    data = os.path.abspath(a.data)
    rows = []
    if not a.fingers_only:
        faces = os.path.join(data, "face")
        if not os.path.isdir(faces):
            sys.exit(f"make_enroll_manifest: {faces} is missing")
        planted = 0
        for dataset in ("celeba", "orl", "yale"):
            root = os.path.join(faces, dataset)
            for identity in sorted(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d))):
                files = images(os.path.join(root, identity))
                plant = dataset == "celeba" and planted < a.plant and len(files) >= 4
                half = len(files) // 2 if plant else len(files)
                for i, f in enumerate(files):
                    subject = f"{dataset}-{identity}" if i < half else f"planted-{dataset}-{identity}"
                    rows.append((subject, "face", 0, os.path.join(root, identity, f)))
                planted += plant
        deep = os.path.join(faces, "deepface")
        labels = {}
        with open(os.path.join(deep, "DERIVED_identities.csv")) as fh:
            for r in csv.DictReader(fh):
                labels[r["file"]] = r["identity_cluster"]
        for f in images(deep):
            if a.known_identities_only and f not in labels:
                continue
            rows.append((f"deepface-{labels.get(f, 'single-' + os.path.splitext(f)[0])}", "face", 0, os.path.join(deep, f)))
    if not a.faces_only:
        fvc = os.path.join(data, "finger", "fvc2002")
        for s in sorted(os.listdir(fvc)):
            for f in images(os.path.join(fvc, s)):
                finger = f.split("_")[0]
                rows.append((f"fvc2002-{s}-{finger}", "finger", 0, os.path.join(fvc, s, f)))
    with open(a.out, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["subject_id", "modality", "finger_position", "image_path"])
        w.writerows(rows)
    print(f"{a.out}: {len(rows)} items, {len(set(r[0] for r in rows))} subjects")

main()
