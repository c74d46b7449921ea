#!/usr/bin/env python3
"""1:N identification, biomatch against FAISS on the same vectors in one run.

Gallery: N unit vectors, 128-d. Real SFace embeddings of ../shared/data/face images are
mixed in: the first image of every identity is enrolled (at seeded random positions) and
the identity's other images are the queries, so recall is measured on real genuine
mates; the rest of the gallery is random unit vectors (seeded).

Both sides answer the same queries. Ground truth is FAISS IndexFlatIP (exact).
biomatch runs as `biomatch bench identify` per mode; FAISS runs here with IndexFlatIP and
IndexScalarQuantizer(QT_8bit, inner product) at 1 and at all threads, and the best
thread setting of each is compared.

Prints one JSON object: both sides, ratios, memory and the bandwidth estimate.
Usage: gallery_vs_faiss.py BIOMATCH REAL_PREFIX WORKDIR N QUERIES
"""
import json
import os
import subprocess
import sys
import time

import faiss
import numpy as np

biomatch, real_prefix, work, n, nq = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
D, K, BATCH = 128, 10, 256
rng = np.random.default_rng(7)

# Real embeddings: first image per identity enrolled, the others are queries.
index = json.load(open(real_prefix + ".json"))
real = np.fromfile(real_prefix + ".f32", dtype=np.float32).reshape(-1, index["dimension"])
identities = [r["identity"] for r in index["rows"]]
enrolled, queries_real, mate_of = {}, [], []
for i, ident in enumerate(identities):
    if ident not in enrolled:
        enrolled[ident] = i
    else:
        queries_real.append(i)
enrolled_rows = list(enrolled.values())
positions = rng.choice(n, size=len(enrolled_rows), replace=False)
gallery = rng.standard_normal((n, D), dtype=np.float32)
gallery /= np.linalg.norm(gallery, axis=1, keepdims=True)
slot_of_identity = {}
for pos, row in zip(positions, enrolled_rows):
    gallery[pos] = real[row]
    slot_of_identity[identities[row]] = int(pos)
rng.shuffle(queries_real)
queries_real = queries_real[:nq]
queries = real[queries_real].astype(np.float32)
mates = np.array([slot_of_identity[identities[i]] for i in queries_real])
os.makedirs(work, exist_ok=True)
gallery.tofile(os.path.join(work, "gallery.f32"))
queries.tofile(os.path.join(work, "queries.f32"))


def timed_single(index_, qs):
    index_.search(qs[:5], K)
    lat, ids = [], []
    for q in qs:
        t = time.perf_counter()
        _, I = index_.search(q[None, :], K)
        lat.append((time.perf_counter() - t) * 1000)
        ids.append(I[0])
    lat.sort()
    return {"p50_ms": lat[len(lat) // 2], "p99_ms": lat[min(len(lat) - 1, len(lat) * 99 // 100)],
            "mean_ms": sum(lat) / len(lat)}, np.array(ids)


def timed_batch(index_, qs):
    b = np.ascontiguousarray(np.resize(qs, (BATCH, D)))
    index_.search(b[:8], K)
    t = time.perf_counter()
    index_.search(b, K)
    s = time.perf_counter() - t
    return {"batch_size": BATCH, "batch_seconds": s, "batch_queries_per_second": BATCH / s}


def recall(ids, truth):
    r1 = float(np.mean(ids[:, 0] == truth[:, 0]))
    r10 = float(np.mean([len(set(a) & set(b)) / K for a, b in zip(ids, truth)]))
    mate1 = float(np.mean(ids[:, 0] == mates))
    return {"recall_at_1": r1, "recall_at_10": r10, "mate_rank1_rate": mate1}


faiss_results = {}
truth = None
cores = os.cpu_count() or 1
for name, make in [("IndexFlatIP", lambda: faiss.IndexFlatIP(D)),
                   ("IndexScalarQuantizer_QT_8bit", lambda: faiss.IndexScalarQuantizer(D, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT))]:
    idx = make()
    if not idx.is_trained:
        idx.train(gallery)
    idx.add(gallery)
    per_threads = {}
    for threads in sorted({1, cores}):
        faiss.omp_set_num_threads(threads)
        single, ids = timed_single(idx, queries)
        batch = timed_batch(idx, queries)
        if name == "IndexFlatIP" and truth is None:
            truth = ids
        per_threads[str(threads)] = {**single, **batch, **recall(ids, truth)}
    best_single = min(per_threads, key=lambda t: per_threads[t]["p50_ms"])
    best_batch = max(per_threads, key=lambda t: per_threads[t]["batch_queries_per_second"])
    faiss_results[name] = {"by_threads": per_threads, "best_single_threads": int(best_single),
                           "best_batch_threads": int(best_batch),
                           "p50_ms": per_threads[best_single]["p50_ms"],
                           "batch_queries_per_second": per_threads[best_batch]["batch_queries_per_second"],
                           "bytes_per_template": (4 * D if name == "IndexFlatIP" else D) + 8}
    del idx

ours = {}
for mode, extra in [("float32", []), ("int8", []), ("int8_lean", ["--no-floats"]), ("binary", [])]:
    out = os.path.join(work, f"ids_{mode}.json")
    cmd = [biomatch, "bench", "identify", "--vectors", os.path.join(work, "gallery.f32"),
           "--query-vectors", os.path.join(work, "queries.f32"), "--gallery-size", str(n),
           "--queries", str(len(queries)), "--dim", str(D), "--k", str(K), "--batch", str(BATCH),
           "--mode", mode.split("_")[0], "--results-out", out, "--json",
           "--snapshot", os.path.join(work, f"gallery_{mode}.bmgs")] + extra
    report = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    ids = np.array(json.load(open(out)))
    report.update({f"{k}_vs_faiss_exact": v for k, v in recall(ids, truth).items()})
    ours[mode] = report

flat = faiss_results["IndexFlatIP"]
print(json.dumps({
    "gallery_size": n, "dimension": D, "k": K, "queries": len(queries),
    "real_enrolled": len(enrolled_rows), "real_queries_are_genuine_mates": True,
    "biomatch": ours, "faiss": faiss_results,
    "ratios": {
        "faiss_flat_p50_over_biomatch_int8_p50": flat["p50_ms"] / ours["int8"]["p50_ms"],
        "faiss_flat_p50_over_biomatch_binary_p50": flat["p50_ms"] / ours["binary"]["p50_ms"],
        "faiss_flat_p50_over_biomatch_float32_p50": flat["p50_ms"] / ours["float32"]["p50_ms"],
        "biomatch_int8_batch_over_faiss_flat_batch": ours["int8"]["batch_queries_per_second"] / flat["batch_queries_per_second"],
        "biomatch_binary_batch_over_faiss_flat_batch": ours["binary"]["batch_queries_per_second"] / flat["batch_queries_per_second"],
        "biomatch_float32_batch_over_faiss_flat_batch": ours["float32"]["batch_queries_per_second"] / flat["batch_queries_per_second"],
        "faiss_sq8_p50_over_biomatch_int8_p50": faiss_results["IndexScalarQuantizer_QT_8bit"]["p50_ms"] / ours["int8"]["p50_ms"],
    },
}, indent=2))
