#!/usr/bin/env python3
"""The peer for the face latency comparison: the same two fp32 ONNX models driven
from Python OpenCV (Debian's python3-opencv, the same OpenCV 4.6 build), written
the way a plain Python pipeline would be:

  decode (excluded from timing) → pad to a multiple of 32 → YuNet forward →
  numpy decoding of the 2023mar heads + cv2.dnn.NMSBoxes → similarity alignment
  (cv2.estimateAffinePartial2D on the 5 landmarks) → warpAffine 112×112 →
  SFace forward → L2 normalisation.

Prints one JSON object: images, faces, mean/p50/p90 milliseconds per image.
Usage: python_opencv_face.py MODELS_DIR IMAGES_DIR [LIMIT]
"""
import json
import os
import sys
import time

import cv2
import numpy as np

TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], np.float32)
NAMES = [f"{h}_{s}" for h in ("cls", "obj", "bbox", "kps") for s in (8, 16, 32)]


def detect(net, img, threshold=0.8, nms=0.3):
    h, w = img.shape[:2]
    ph, pw = (h + 31) // 32 * 32, (w + 31) // 32 * 32
    pad = cv2.copyMakeBorder(img, 0, ph - h, 0, pw - w, cv2.BORDER_CONSTANT, value=0)
    net.setInput(cv2.dnn.blobFromImage(pad))
    outs = net.forward(NAMES)
    boxes, scores, kpss = [], [], []
    for i, s in enumerate((8, 16, 32)):
        cols, rows = pw // s, ph // s
        cls, obj = outs[i].reshape(-1), outs[3 + i].reshape(-1)
        bbox, kps = outs[6 + i].reshape(-1, 4), outs[9 + i].reshape(-1, 10)
        score = np.sqrt(np.clip(cls, 0, 1) * np.clip(obj, 0, 1))
        keep = np.where(score >= threshold)[0]
        if keep.size == 0:
            continue
        c, r = (keep % cols).astype(np.float32), (keep // cols).astype(np.float32)
        cx, cy = (c + bbox[keep, 0]) * s, (r + bbox[keep, 1]) * s
        bw, bh = np.exp(bbox[keep, 2]) * s, np.exp(bbox[keep, 3]) * s
        boxes += np.stack([cx - bw / 2, cy - bh / 2, bw, bh], 1).tolist()
        scores += score[keep].tolist()
        k = kps[keep].reshape(-1, 5, 2)
        kpss += list((k + np.stack([c, r], 1)[:, None, :]) * s)
    if not boxes:
        return []
    idx = cv2.dnn.NMSBoxes(boxes, scores, threshold, nms)
    return [(boxes[i], scores[i], kpss[i]) for i in np.array(idx).reshape(-1)]


def embed(net, img, landmarks):
    m, _ = cv2.estimateAffinePartial2D(landmarks.astype(np.float32), TEMPLATE, method=cv2.LMEDS)
    crop = cv2.warpAffine(img, m, (112, 112))
    net.setInput(cv2.dnn.blobFromImage(crop, 1.0, (112, 112), (0, 0, 0), True, False))
    v = net.forward("fc1").reshape(-1)
    return v / np.linalg.norm(v)


def main():
    models, folder = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 500
    det = cv2.dnn.readNet(os.path.join(models, "face_detection_yunet_2023mar_fp32.onnx"))
    rec = cv2.dnn.readNet(os.path.join(models, "face_recognition_sface_2021dec_fp32.onnx"))
    exts = {".jpg", ".jpeg", ".png", ".pgm", ".ppm", ".bmp", ".webp"}
    files = sorted(os.path.join(d, f) for d, _, fs in os.walk(folder) for f in fs
                   if os.path.splitext(f)[1].lower() in exts)[:limit]
    images = [im for im in (cv2.imread(f, cv2.IMREAD_COLOR) for f in files) if im is not None]

    def process(img):
        faces = detect(det, img)
        if not faces:
            return False
        box, score, kps = max(faces, key=lambda f: f[0][2] * f[0][3] * f[1])
        embed(rec, img, kps)
        return True

    for img in images[:5]:
        process(img)  # warm-up, as on the Swift side
    latencies, found = [], 0
    for img in images:
        t = time.perf_counter()
        found += process(img)
        latencies.append((time.perf_counter() - t) * 1000)
    lat = sorted(latencies)
    print(json.dumps({
        "implementation": f"Python {sys.version.split()[0]}, OpenCV {cv2.__version__} (python3-opencv)",
        "images": len(images), "faces": found,
        "mean_ms": sum(latencies) / len(latencies), "p50_ms": lat[len(lat) // 2],
        "p90_ms": lat[min(len(lat) - 1, len(lat) * 9 // 10)]}))


if __name__ == "__main__":
    main()
