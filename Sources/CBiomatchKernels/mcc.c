// Minutia Cylinder-Code kernels: local similarities of bit-vector cylinders by popcount
// (Cappelli, Ferrara, Maltoni, IEEE TPAMI 2010, the bit-based MCC). Portable C and
// AVX2 (table popcounts) and AVX-512 VPOPCNTDQ versions, chosen by the dispatcher's level.
#include "kernels_internal.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define BMK_MCC_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vpopcntdq,popcnt")))
#define BMK_MCC_AVX2 __attribute__((target("avx2,fma,popcnt")))

// Bit counts of each byte of a 256-bit vector by nibble table lookup (Muła, Kurz,
// Lemire, "Faster population counts using AVX2 instructions", 2018): AVX2 has no vector
// popcount instruction.
BMK_MCC_AVX2 static inline __m256i byte_popcounts(__m256i v) {
    const __m256i table = _mm256_setr_epi8(0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4,
                                           0, 1, 1, 2, 1, 2, 2, 3, 1, 2, 2, 3, 2, 3, 3, 4);
    const __m256i low = _mm256_set1_epi8(0x0F);
    __m256i lo = _mm256_shuffle_epi8(table, _mm256_and_si256(v, low));
    __m256i hi = _mm256_shuffle_epi8(table, _mm256_and_si256(_mm256_srli_epi16(v, 4), low));
    return _mm256_add_epi8(lo, hi);
}

// Sum of the four 64-bit lanes.
BMK_MCC_AVX2 static inline unsigned horizontal_sum64(__m256i v) {
    __m128i s = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    return (unsigned)(_mm_cvtsi128_si64(s) + _mm_extract_epi64(s, 1));
}
#endif

static inline float local_similarity(unsigned matchable, unsigned pa, unsigned pb, unsigned px, unsigned min_matchable) {
    if (matchable < min_matchable) return 0.0f;
    float denom = sqrtf((float)pa) + sqrtf((float)pb);
    return denom > 0 ? 1.0f - sqrtf((float)px) / denom : 0.0f;
}

// Orientation-descriptor weight of descriptor i of `a` and j of `b` (layout in
// bmk_orientation_pair): the circular distances of the samples inside both prints are
// the Hamming distance of their thermometer codes, so the mean agreement is
// 1 − 2·hamming / (valid bits shared); it is clipped at 0 and raised to the fourth power.
// `neutral`⁴ where fewer than `min_shared` samples are shared.
static inline __attribute__((always_inline)) float orientation_weight(
    const uint64_t *a, size_t i, const uint64_t *b, size_t j, size_t words, unsigned bits, uint32_t min_shared, float neutral) {
    const uint64_t *ca = a + i * 2 * words, *cb = b + j * 2 * words;
    const uint64_t *ma = ca + words, *mb = cb + words;
    unsigned valid = 0, distance = 0;
    for (size_t w = 0; w < words; ++w) {
        uint64_t both = ma[w] & mb[w];
        valid += (unsigned)__builtin_popcountll(both);
        distance += (unsigned)__builtin_popcountll((ca[w] ^ cb[w]) & both);
    }
    if (valid < min_shared * bits) return (neutral * neutral) * (neutral * neutral);
    float agreement = 1.0f - 2.0f * (float)distance / (float)valid;
    agreement = agreement > 0 ? agreement : 0;
    float squared = agreement * agreement;
    return squared * squared;
}

// Pairs weighing this little (agreement under 0.38) count as 0 and their cylinders are
// not compared: a weight that small leaves nothing the consolidation could use, and
// skipping them makes the full matcher about a third faster (FVC2002: EER unchanged
// within one pair, mean 1 − AUC 0.21 % → 0.19 %).
static const float kMinimumWeight = 0.02f;

// The weight of pair (i, j) under `o`: 1 without `o`, neutral⁴ where a side has no
// descriptors.
static inline __attribute__((always_inline)) float pair_weight(const bmk_orientation_pair *o, size_t i, size_t j) {
    if (!o) return 1.0f;
    if (!o->a || !o->b) return (o->neutral * o->neutral) * (o->neutral * o->neutral);
    return orientation_weight(o->a, i, o->b, j, o->words, o->bits, o->min_shared, o->neutral);
}

static void mcc_similarity_scalar(const uint64_t *a, const float *ca, const float *sa, size_t na,
                                  const uint64_t *b, const float *cb, const float *sb, size_t nb,
                                  size_t words, uint32_t min_matchable, float min_cos, float *out, const bmk_orientation_pair *orientation) {
    for (size_t i = 0; i < na; ++i) {
        const uint64_t *bitsA = a + i * 2 * words, *maskA = bitsA + words;
        for (size_t j = 0; j < nb; ++j) {
            float *o = out + i * nb + j;
            if (ca[i] * cb[j] + sa[i] * sb[j] < min_cos) { *o = 0; continue; }
            // Where the ridge flows disagree the weight is (nearly) 0: no cylinders to compare.
            float weight = pair_weight(orientation, i, j);
            if (!(weight > kMinimumWeight)) { *o = 0; continue; }
            const uint64_t *bitsB = b + j * 2 * words, *maskB = bitsB + words;
            unsigned pm = 0, pa = 0, pb = 0, px = 0;
            for (size_t w = 0; w < words; ++w) {
                uint64_t m = maskA[w] & maskB[w];
                pm += (unsigned)__builtin_popcountll(m);
                pa += (unsigned)__builtin_popcountll(bitsA[w] & m);
                pb += (unsigned)__builtin_popcountll(bitsB[w] & m);
                px += (unsigned)__builtin_popcountll((bitsA[w] ^ bitsB[w]) & m);
            }
            *o = weight * local_similarity(pm, pa, pb, px, min_matchable);
        }
    }
}

#if defined(__x86_64__)
BMK_MCC_AVX512 static void mcc_similarity_avx512(const uint64_t *a, const float *ca, const float *sa, size_t na,
                                                 const uint64_t *b, const float *cb, const float *sb, size_t nb,
                                                 size_t words, uint32_t min_matchable, float min_cos, float *out, const bmk_orientation_pair *orientation) {
    if (words != 24) { mcc_similarity_scalar(a, ca, sa, na, b, cb, sb, nb, words, min_matchable, min_cos, out, orientation); return; }
    for (size_t i = 0; i < na; ++i) {
        const uint64_t *bitsA = a + i * 48;
        __m512i a0 = _mm512_loadu_si512(bitsA), a1 = _mm512_loadu_si512(bitsA + 8), a2 = _mm512_loadu_si512(bitsA + 16);
        __m512i m0 = _mm512_loadu_si512(bitsA + 24), m1 = _mm512_loadu_si512(bitsA + 32), m2 = _mm512_loadu_si512(bitsA + 40);
        for (size_t j = 0; j < nb; ++j) {
            float *o = out + i * nb + j;
            if (ca[i] * cb[j] + sa[i] * sb[j] < min_cos) { *o = 0; continue; }
            // Where the ridge flows disagree the weight is (nearly) 0: no cylinders to compare.
            float weight = pair_weight(orientation, i, j);
            if (!(weight > kMinimumWeight)) { *o = 0; continue; }
            const uint64_t *bitsB = b + j * 48;
            __m512i k0 = _mm512_and_si512(m0, _mm512_loadu_si512(bitsB + 24));
            __m512i k1 = _mm512_and_si512(m1, _mm512_loadu_si512(bitsB + 32));
            __m512i k2 = _mm512_and_si512(m2, _mm512_loadu_si512(bitsB + 40));
            __m512i b0 = _mm512_and_si512(k0, _mm512_loadu_si512(bitsB));
            __m512i b1 = _mm512_and_si512(k1, _mm512_loadu_si512(bitsB + 8));
            __m512i b2 = _mm512_and_si512(k2, _mm512_loadu_si512(bitsB + 16));
            __m512i x0 = _mm512_and_si512(a0, k0), x1 = _mm512_and_si512(a1, k1), x2 = _mm512_and_si512(a2, k2);
            __m512i pm = _mm512_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(k0), _mm512_popcnt_epi64(k1)), _mm512_popcnt_epi64(k2));
            __m512i pa = _mm512_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(x0), _mm512_popcnt_epi64(x1)), _mm512_popcnt_epi64(x2));
            __m512i pb = _mm512_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(b0), _mm512_popcnt_epi64(b1)), _mm512_popcnt_epi64(b2));
            __m512i px = _mm512_add_epi64(_mm512_add_epi64(_mm512_popcnt_epi64(_mm512_xor_si512(x0, b0)),
                                                           _mm512_popcnt_epi64(_mm512_xor_si512(x1, b1))),
                                          _mm512_popcnt_epi64(_mm512_xor_si512(x2, b2)));
            *o = weight * local_similarity((unsigned)_mm512_reduce_add_epi64(pm), (unsigned)_mm512_reduce_add_epi64(pa),
                                  (unsigned)_mm512_reduce_add_epi64(pb), (unsigned)_mm512_reduce_add_epi64(px), min_matchable);
        }
    }
}
#endif

#if defined(__x86_64__)
// The 1,536-bit cylinders as six 256-bit vectors per array; byte counts of six vectors
// (at most 48 per byte) are accumulated before one horizontal sum per quantity.
BMK_MCC_AVX2 static void mcc_similarity_avx2(const uint64_t *a, const float *ca, const float *sa, size_t na,
                                             const uint64_t *b, const float *cb, const float *sb, size_t nb,
                                             size_t words, uint32_t min_matchable, float min_cos, float *out, const bmk_orientation_pair *orientation) {
    if (words != 24) { mcc_similarity_scalar(a, ca, sa, na, b, cb, sb, nb, words, min_matchable, min_cos, out, orientation); return; }
    const __m256i zero = _mm256_setzero_si256();
    for (size_t i = 0; i < na; ++i) {
        const uint64_t *bitsA = a + i * 48;
        for (size_t j = 0; j < nb; ++j) {
            float *o = out + i * nb + j;
            if (ca[i] * cb[j] + sa[i] * sb[j] < min_cos) { *o = 0; continue; }
            // Where the ridge flows disagree the weight is (nearly) 0: no cylinders to compare.
            float weight = pair_weight(orientation, i, j);
            if (!(weight > kMinimumWeight)) { *o = 0; continue; }
            const uint64_t *bitsB = b + j * 48;
            __m256i cm = zero, cx = zero, cy = zero, cz = zero;
            for (int v = 0; v < 6; ++v) {
                __m256i m = _mm256_and_si256(_mm256_loadu_si256((const __m256i *)(bitsA + 24 + 4 * v)),
                                             _mm256_loadu_si256((const __m256i *)(bitsB + 24 + 4 * v)));
                __m256i x = _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)(bitsA + 4 * v)));
                __m256i y = _mm256_and_si256(m, _mm256_loadu_si256((const __m256i *)(bitsB + 4 * v)));
                cm = _mm256_add_epi8(cm, byte_popcounts(m));
                cx = _mm256_add_epi8(cx, byte_popcounts(x));
                cy = _mm256_add_epi8(cy, byte_popcounts(y));
                cz = _mm256_add_epi8(cz, byte_popcounts(_mm256_xor_si256(x, y)));
            }
            *o = weight * local_similarity(horizontal_sum64(_mm256_sad_epu8(cm, zero)), horizontal_sum64(_mm256_sad_epu8(cx, zero)),
                                  horizontal_sum64(_mm256_sad_epu8(cy, zero)), horizontal_sum64(_mm256_sad_epu8(cz, zero)),
                                  min_matchable);
        }
    }
}
#endif

void bmk_mcc_similarity(const uint64_t *a, const float *cos_a, const float *sin_a, size_t na,
                        const uint64_t *b, const float *cos_b, const float *sin_b, size_t nb,
                        size_t words, uint32_t min_matchable, float min_cos, float *out,
                        const bmk_orientation_pair *orientation) {
#if defined(__x86_64__)
    int level = bmk_simd_level();
    if (level >= 2) { mcc_similarity_avx512(a, cos_a, sin_a, na, b, cos_b, sin_b, nb, words, min_matchable, min_cos, out, orientation); return; }
    if (level == 1) { mcc_similarity_avx2(a, cos_a, sin_a, na, b, cos_b, sin_b, nb, words, min_matchable, min_cos, out, orientation); return; }
#endif
    mcc_similarity_scalar(a, cos_a, sin_a, na, b, cos_b, sin_b, nb, words, min_matchable, min_cos, out, orientation);
}

// The first stage's votes, from each probe cylinder's eight lane bests (the best match
// among the candidates j ≡ l mod 8, for each lane l; `lane_j` −1 where a lane has none).
// On entry `best`/`best_j` hold each probe cylinder's best lane (similarity and candidate;
// −1: none). Each probe cylinder votes with it, weighted (with `o`) like the full
// matcher's similarities by the two minutiae's pair weight. With `reselect`, the lane whose
// weighted similarity is highest votes instead: on a weak print the raw best is often a
// chance match whose vote the weight all but removes, while the right minutia, a close
// second, never votes (FVC2002 DB4: one impression's mate fell from first to 462nd). A
// lane whose similarity does not beat the best weighted vote so far cannot win (weights
// are ≤ 1), so its descriptors are not compared. Ties go to the lower candidate index.
static inline __attribute__((always_inline)) void choose_votes(const float *lane_sim, const int *lane_j, size_t na,
                                                               const bmk_orientation_pair *o, int reselect,
                                                               float *best, int *best_j) {
    if (!o) return;
    for (size_t i = 0; i < na; ++i) {
        if (best_j[i] < 0) continue;
        float value = best[i] * pair_weight(o, i, (size_t)best_j[i]);
        int at = best_j[i];
        if (reselect) {
            const float *sim = lane_sim + 8 * i;
            const int *js = lane_j + 8 * i;
            for (int l = 0; l < 8; ++l) {
                if (js[l] < 0 || js[l] == at || !(sim[l] > value || (sim[l] == value && js[l] < at))) continue;
                float v = sim[l] * pair_weight(o, i, (size_t)js[l]);
                if (v > value || (v == value && js[l] < at)) { value = v; at = js[l]; }
            }
        }
        best[i] = value;
        best_j[i] = at;
    }
}

#if defined(__x86_64__)
// The best of eight lanes (similarities `sim`, candidates `js`; a lane with similarity ≤ 0
// has none): the highest similarity, of equals the lowest candidate index.
BMK_MCC_AVX2 static inline void best_lane(const float *sim, const int *js, float *best, int *best_j) {
    __m256 v = _mm256_loadu_ps(sim);
    __m256 m = _mm256_max_ps(v, _mm256_permute2f128_ps(v, v, 1));
    m = _mm256_max_ps(m, _mm256_permute_ps(m, 0x4E));
    m = _mm256_max_ps(m, _mm256_permute_ps(m, 0xB1));
    float most = _mm256_cvtss_f32(m);
    if (!(most > 0)) { *best = 0; *best_j = -1; return; }
    __m256i at = _mm256_castps_si256(_mm256_cmp_ps(v, m, _CMP_EQ_OQ));
    __m256i j = _mm256_blendv_epi8(_mm256_set1_epi32(1 << 30), _mm256_loadu_si256((const __m256i *)js), at);
    __m256i n = _mm256_min_epi32(j, _mm256_permute2x128_si256(j, j, 1));
    n = _mm256_min_epi32(n, _mm256_shuffle_epi32(n, 0x4E));
    n = _mm256_min_epi32(n, _mm256_shuffle_epi32(n, 0xB1));
    *best = most;
    *best_j = _mm256_cvtsi256_si32(n);
}
#endif

// Eight floats (and their lane masks) as compiler vectors: one AVX register in the
// AVX2/AVX-512 kernels, two 128-bit registers in the portable one.
typedef float vote_lanes __attribute__((vector_size(32)));
typedef int vote_mask __attribute__((vector_size(32)));

// Rotation- and translation-consistent aggregation of the probe cylinders' best matches
// (a Hough-style vote). Each vote is a probe minutia i, its best candidate minutia j and
// their cylinder similarity; it votes for the rotation between them (16 bins over the
// ±90° the direction gate allows). Each 3-bin window that is a local maximum of the vote
// total and holds at least 60 % of the largest total is scored: its votes' minutiae
// (positions centred per template) are aligned by the window's mean rotation; the
// translation with the most vote weight within `tol` pixels of it is taken as the
// alignment; every vote is weighted by how far its own translation lies from it
// (≈ exp(−d²/2σ²), σ = 15 px, never below 1/4); the window scores the mean of its `k`
// best weighted votes, and the best window counts. Chance matches of a different finger
// rarely agree on one translation, so the first stage ranks mates far higher.
//
// A window's score is at most its vote total over k (the distance weights are ≤ 1), so
// the costly translation search is skipped for a window that cannot beat the best so far,
// and for the whole template when no window can reach `cut`: it then returns that
// bound, which is below `cut` (in a 10,000-print search, about 97 % of templates).
static inline __attribute__((always_inline)) float rotation_vote(
    const float *best, const int *best_j, const float *angle_a, const float *angle_b,
    const float *cos_a, const float *sin_a, const float *cos_b, const float *sin_b,
    const float *pos_a, const float *pos_b, size_t na, size_t k, float tol, float cut) {
    enum { BINS = 16 };
    const float sigma = 15.0f, floor_weight = 0.25f;
    if (k > 16) k = 16;
    float sum[BINS + 2] = {0};
    int count[BINS + 2] = {0};
    unsigned char bins[256];
    for (size_t i = 0; i < na; ++i) {
        bins[i] = 0;
        if (best_j[i] < 0) continue;
        float angle = angle_a[i] - angle_b[best_j[i]];   // wrapped into [−π, π); the gate keeps it in ±π/2
        if (angle >= 3.1415927f) angle -= 6.2831853f;
        if (angle < -3.1415927f) angle += 6.2831853f;
        int bin = (int)((angle + 1.5707964f) * (BINS / 3.1415927f));
        if (bin < 0) bin = 0;
        if (bin >= BINS) bin = BINS - 1;
        bins[i] = (unsigned char)(bin + 1);
        sum[bin + 1] += best[i];
        count[bin + 1] += 1;
    }
    // Votes grouped by bin (counting sort), so a window's votes are contiguous.
    int start[BINS + 3];
    start[0] = 0;
    for (int b = 0; b <= BINS + 1; ++b) start[b + 1] = start[b] + count[b];
    int grouped[256];
    int fill[BINS + 2];
    for (int b = 0; b <= BINS + 1; ++b) fill[b] = start[b];
    for (size_t i = 0; i < na; ++i) if (bins[i]) grouped[fill[bins[i]]++] = (int)i;
    float totals[BINS + 2] = {0};
    float most = 0;
    for (int b = 1; b <= BINS; ++b) {
        totals[b] = sum[b - 1] + sum[b] + sum[b + 1];
        if (totals[b] > most) most = totals[b];
    }
    if (most / (float)k < cut) return most / (float)k;
    const float tol2 = tol * tol, falloff = 1.0f / (32 * sigma * sigma);
    float score = 0;
    for (int b = 1; b <= BINS; ++b) {
        if (totals[b] < 0.6f * most || totals[b] <= 0) continue;
        // Local maxima only (the first of a plateau): neighbouring windows share two bins.
        if (totals[b] <= totals[b - 1] || totals[b] < totals[b + 1]) continue;
        if (totals[b] / (float)k <= score) continue;   // cannot beat the best window so far
        int first = start[b - 1], m = start[b + 2] - first;
        const int *v = grouped + first;
        // The window's rotation: the similarity-weighted mean of its votes' rotation vectors.
        float tx[264], ty[264], w[264];
        float rc = 0, rs = 0;
        for (int t = 0; t < m; ++t) {
            int i = v[t], j = best_j[i];
            w[t] = best[i];
            rc += best[i] * (cos_a[i] * cos_b[j] + sin_a[i] * sin_b[j]);
            rs += best[i] * (sin_a[i] * cos_b[j] - cos_a[i] * sin_b[j]);
        }
        float norm = sqrtf(rc * rc + rs * rs);
        if (!(norm > 0)) continue;
        float c = rc / norm, s = rs / norm;
        for (int t = 0; t < m; ++t) {
            int i = v[t], j = best_j[i];
            float xa = pos_a[2 * i], ya = pos_a[2 * i + 1];
            tx[t] = pos_b[2 * j] - (c * xa + s * ya);
            ty[t] = pos_b[2 * j + 1] - (-s * xa + c * ya);
        }
        // The translation with the most vote weight within `tol` of it, eight lanes at a
        // time (the arrays padded with far-away votes).
        int padded = (m + 7) & ~7;
        for (int t = m; t < padded; ++t) { tx[t] = 1e9f; ty[t] = 1e9f; w[t] = 0; }
        int centre = 0;
        float support = -1;
        for (int t = 0; t < m; ++t) {
            vote_lanes lanes = {0}, cx = tx[t] + lanes, cy = ty[t] + lanes;
            for (int u0 = 0; u0 < padded; u0 += 8) {
                vote_lanes dx, dy, wu;
                memcpy(&dx, tx + u0, sizeof dx); memcpy(&dy, ty + u0, sizeof dy); memcpy(&wu, w + u0, sizeof wu);
                dx -= cx; dy -= cy;
                vote_mask near = dx * dx + dy * dy <= tol2;   // all ones where within tol
                lanes += (vote_lanes)((vote_mask)wu & near);
            }
            float sum_w = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
            if (sum_w > support) { support = sum_w; centre = t; }
        }
        // Each vote weighted by its distance from that translation: (1 − d²/32σ²)^16 ≈ exp(−d²/2σ²).
        float weighted[256];
        float all = 0;
        for (int u = 0; u < m; ++u) {
            float dx = tx[u] - tx[centre], dy = ty[u] - ty[centre];
            float g = 1.0f - (dx * dx + dy * dy) * falloff;
            g = g > 0 ? g : 0;
            g *= g; g *= g; g *= g; g *= g;
            weighted[u] = w[u] * (floor_weight + (1 - floor_weight) * g);
            all += weighted[u];
        }
        float total = all;
        if ((size_t)m > k) {
            // The k best, kept sorted in 16 lanes: inserting x gives lane i
            // max(top[i], min(top[i − 1], x)), with top[−1] = +∞.
            const vote_lanes zero = {0}, above = zero + INFINITY;
            vote_lanes t0 = zero - 1.0f, t1 = zero - 1.0f;   // weights are ≥ 0
            for (int u = 0; u < m; ++u) {
                vote_lanes x = zero + weighted[u];
                vote_lanes s0 = __builtin_shufflevector(above, t0, 7, 8, 9, 10, 11, 12, 13, 14);
                vote_lanes s1 = __builtin_shufflevector(t0, t1, 7, 8, 9, 10, 11, 12, 13, 14);
                t0 = __builtin_elementwise_max(t0, __builtin_elementwise_min(s0, x));
                t1 = __builtin_elementwise_max(t1, __builtin_elementwise_min(s1, x));
            }
            float top[16];
            memcpy(top, &t0, sizeof t0); memcpy(top + 8, &t1, sizeof t1);
            total = 0;
            for (size_t t = 0; t < k; ++t) total += top[t];
        }
        float mean = total / (float)k;
        if (mean > score) score = mean;
    }
    return score;
}

static inline size_t first_at_least(const float *v, size_t n, float x) {
    size_t lo = 0, hi = n;
    while (lo < hi) { size_t m = (lo + hi) / 2; if (v[m] < x) lo = m + 1; else hi = m; }
    return lo;
}

static inline size_t first_above(const float *v, size_t n, float x) {
    size_t lo = 0, hi = n;
    while (lo < hi) { size_t m = (lo + hi) / 2; if (v[m] <= x) lo = m + 1; else hi = m; }
    return lo;
}

// Indices of the (sorted, [0, 2π)) probe angles within `gate` of a block's direction
// range [lo, hi], circularly (the blocks the gate can reach), found by binary search.
static size_t reachable_indices(const float *angles, size_t n, float lo, float hi, float gate, uint8_t *out) {
    const float two_pi = 6.2831853f;
    float a = lo - gate, b = hi + gate;
    size_t r[4], ranges;
    if (b - a >= two_pi) { r[0] = 0; r[1] = n; ranges = 1; }
    else if (a < 0) { r[0] = 0; r[1] = first_above(angles, n, b); r[2] = first_at_least(angles, n, a + two_pi); r[3] = n; ranges = 2; }
    else if (b >= two_pi) { r[0] = first_at_least(angles, n, a); r[1] = n; r[2] = 0; r[3] = first_above(angles, n, b - two_pi); ranges = 2; }
    else { r[0] = first_at_least(angles, n, a); r[1] = first_above(angles, n, b); ranges = 1; }
    size_t count = 0;
    for (size_t g = 0; g < ranges; ++g)
        for (size_t i = r[2 * g]; i < r[2 * g + 1]; ++i) out[count++] = (uint8_t)i;
    return count;
}

static float mcc_coarse_scalar(const uint64_t *a, const float *na_, const float *ca, const float *sa, size_t na,
                               const uint64_t *b, const float *nb_, const float *cb, const float *sb, size_t nb,
                               size_t words, float min_cos, size_t k, const float *angle_a, const float *angle_b,
                               const float *pos_a, const float *pos_b, float tol, const bmk_orientation_pair *o, float cut, int reselect) {
    float bests[256], lane_sim[256 * 8];
    int best_j[256], lane_j[256 * 8];
    if (na > 256) na = 256;
    size_t blocks = (nb + 7) / 8;
    for (size_t i = 0; i < na; ++i) {
        const uint64_t *q = a + i * words;
        float *best = lane_sim + 8 * i;
        int *bj = lane_j + 8 * i;
        for (int l = 0; l < 8; ++l) { best[l] = 0; bj[l] = -1; }
        for (size_t blk = 0; blk < blocks; ++blk) {
            for (size_t lane = 0; lane < 8; ++lane) {
                size_t j = blk * 8 + lane;
                if (j >= nb) break;
                if (ca[i] * cb[j] + sa[i] * sb[j] < min_cos) continue;
                unsigned h = 0;
                for (size_t w = 0; w < words; ++w) h += (unsigned)__builtin_popcountll(q[w] ^ b[(blk * words + w) * 8 + lane]);
                float denom = na_[i] + nb_[j];
                float sim = denom > 0 ? 1.0f - sqrtf((float)h) / denom : 0.0f;
                if (sim > best[lane]) { best[lane] = sim; bj[lane] = (int)j; }
            }
        }
        // The best lane (of equals, the lowest candidate: lanes hold their earliest).
        bests[i] = 0;
        best_j[i] = -1;
        for (int l = 0; l < 8; ++l)
            if (bj[l] >= 0 && (best_j[i] < 0 || best[l] > bests[i] || (best[l] == bests[i] && bj[l] < best_j[i]))) {
                bests[i] = best[l];
                best_j[i] = bj[l];
            }
    }
    choose_votes(lane_sim, lane_j, na, o, reselect, bests, best_j);
    return rotation_vote(bests, best_j, angle_a, angle_b, ca, sa, cb, sb, pos_a, pos_b, na, k, tol, cut);
}

#if defined(__x86_64__)
BMK_MCC_AVX512 static float mcc_coarse_avx512(const uint64_t *a, const float *na_, const float *ca, const float *sa, size_t na,
                                              const uint64_t *b, const float *nb_, const float *cb, const float *sb, size_t nb,
                                              size_t words, float min_cos, size_t k,
                                              const float *angle_a, const float *angle_b, const float *block_lo, const float *block_hi,
                                              const float *pos_a, const float *pos_b, float tol, const bmk_orientation_pair *o, float cut, int reselect) {
    const float gate = acosf(min_cos);
    // Per probe cylinder and lane: the best match so far and its candidate index.
    __attribute__((aligned(32))) float lane_sim[256 * 8];
    __attribute__((aligned(32))) int lane_j[256 * 8];
    if (na > 256) na = 256;
    for (size_t i = 0; i < na; ++i) {
        _mm256_store_ps(lane_sim + 8 * i, _mm256_setzero_ps());
        _mm256_store_si256((__m256i *)(lane_j + 8 * i), _mm256_set1_epi32(-1));
    }
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    size_t blocks = (nb + 7) / 8;
    for (size_t blk = 0; blk < blocks; ++blk) {
        const uint64_t *block = b + blk * words * 8;
        __m512i b0 = _mm512_setzero_si512(), b1 = b0, b2 = b0, b3 = b0, b4 = b0, b5 = b0;
        if (words == 6) {
            b0 = _mm512_loadu_si512(block); b1 = _mm512_loadu_si512(block + 8); b2 = _mm512_loadu_si512(block + 16);
            b3 = _mm512_loadu_si512(block + 24); b4 = _mm512_loadu_si512(block + 32); b5 = _mm512_loadu_si512(block + 40);
        }
        size_t lanes = nb - blk * 8 < 8 ? nb - blk * 8 : 8;
        __mmask8 valid = (__mmask8)((1u << lanes) - 1u);
        __m256 nbv = _mm256_maskz_loadu_ps(valid, nb_ + blk * 8);
        __m256 cbv = _mm256_maskz_loadu_ps(valid, cb + blk * 8), sbv = _mm256_maskz_loadu_ps(valid, sb + blk * 8);
        uint8_t reach[256];
        size_t reachable = reachable_indices(angle_a, na, block_lo[blk], block_hi[blk], gate, reach);
        for (size_t t = 0; t < reachable; ++t) {
            size_t i = reach[t];
            const uint64_t *q = a + i * words;
            __m512i h;
            if (words == 6) {  // the folded 8×8×6 cylinders: block words stay in registers
                h = _mm512_popcnt_epi64(_mm512_xor_si512(b0, _mm512_set1_epi64((long long)q[0])));
                h = _mm512_add_epi64(h, _mm512_popcnt_epi64(_mm512_xor_si512(b1, _mm512_set1_epi64((long long)q[1]))));
                h = _mm512_add_epi64(h, _mm512_popcnt_epi64(_mm512_xor_si512(b2, _mm512_set1_epi64((long long)q[2]))));
                h = _mm512_add_epi64(h, _mm512_popcnt_epi64(_mm512_xor_si512(b3, _mm512_set1_epi64((long long)q[3]))));
                h = _mm512_add_epi64(h, _mm512_popcnt_epi64(_mm512_xor_si512(b4, _mm512_set1_epi64((long long)q[4]))));
                h = _mm512_add_epi64(h, _mm512_popcnt_epi64(_mm512_xor_si512(b5, _mm512_set1_epi64((long long)q[5]))));
            } else {
                h = _mm512_setzero_si512();
                for (size_t w = 0; w < words; ++w)
                    h = _mm512_add_epi64(h, _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(block + w * 8),
                                                                                 _mm512_set1_epi64((long long)q[w]))));
            }
            __m256 hf = _mm256_cvtepi32_ps(_mm512_cvtepi64_epi32(h));
            __m256 denom = _mm256_add_ps(_mm256_set1_ps(na_[i]), nbv);
            __m256 sim = _mm256_fnmadd_ps(_mm256_sqrt_ps(hf), _mm256_rcp14_ps(denom), _mm256_set1_ps(1.0f));
            __m256 dot = _mm256_fmadd_ps(_mm256_set1_ps(ca[i]), cbv, _mm256_mul_ps(_mm256_set1_ps(sa[i]), sbv));
            __mmask8 keep = valid & _mm256_cmp_ps_mask(dot, _mm256_set1_ps(min_cos), _CMP_GE_OQ)
                                  & _mm256_cmp_ps_mask(sim, _mm256_load_ps(lane_sim + 8 * i), _CMP_GT_OQ);
            _mm256_mask_store_ps(lane_sim + 8 * i, keep, sim);
            _mm256_mask_store_epi32(lane_j + 8 * i, keep, _mm256_add_epi32(_mm256_set1_epi32((int)(blk * 8)), iota));
        }
    }
    float best[256];
    int best_j[256];
    for (size_t i = 0; i < na; ++i) best_lane(lane_sim + 8 * i, lane_j + 8 * i, best + i, best_j + i);
    choose_votes(lane_sim, lane_j, na, o, reselect, best, best_j);
    return rotation_vote(best, best_j, angle_a, angle_b, ca, sa, cb, sb, pos_a, pos_b, na, k, tol, cut);
}
#endif

#if defined(__x86_64__)
// The AVX-512 kernel's structure (gate-reachable probe cylinders per block of eight
// gallery cylinders, block words kept in registers) with table popcounts: per word, two
// vectors hold the eight lanes; byte counts are summed per lane by SAD.
BMK_MCC_AVX2 static float mcc_coarse_avx2(const uint64_t *a, const float *na_, const float *ca, const float *sa, size_t na,
                                          const uint64_t *b, const float *nb_, const float *cb, const float *sb, size_t nb,
                                          size_t words, float min_cos, size_t k,
                                          const float *angle_a, const float *angle_b, const float *block_lo, const float *block_hi,
                                          const float *pos_a, const float *pos_b, float tol, const bmk_orientation_pair *o, float cut, int reselect) {
    if (words != 6)
        return mcc_coarse_scalar(a, na_, ca, sa, na, b, nb_, cb, sb, nb, words, min_cos, k, angle_a, angle_b, pos_a, pos_b, tol, o, cut, reselect);
    const float gate = acosf(min_cos);
    if (na > 256) na = 256;
    // Per probe cylinder and lane: the best match so far and the block it came from,
    // kept per lane without branches (whether a block improves on the best is data-
    // dependent and mispredicts) and reduced once at the end. A match is ranked by
    // r = hamming / (norm_a + norm_b)², similarity 1 − √r: the square root, slow in
    // vector units, is taken once per probe cylinder (one vector over its eight lane
    // bests) instead of once per pair. r < 1 (similarity > 0) is needed to count, as in
    // the portable kernel.
    __attribute__((aligned(32))) float lane_best[256 * 8];
    __attribute__((aligned(32))) int lane_block[256 * 8];
    for (size_t i = 0; i < na; ++i) {
        _mm256_store_ps(lane_best + 8 * i, _mm256_set1_ps(1.0f));
        _mm256_store_si256((__m256i *)(lane_block + 8 * i), _mm256_setzero_si256());
    }
    const __m256i zero = _mm256_setzero_si256();
    const __m256i gather = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    size_t blocks = (nb + 7) / 8;
    for (size_t blk = 0; blk < blocks; ++blk) {
        const uint64_t *block = b + blk * words * 8;
        __m256i lo[6], hi[6];
        for (int w = 0; w < 6; ++w) {
            lo[w] = _mm256_loadu_si256((const __m256i *)(block + w * 8));
            hi[w] = _mm256_loadu_si256((const __m256i *)(block + w * 8 + 4));
        }
        size_t lanes = nb - blk * 8 < 8 ? nb - blk * 8 : 8;
        // Masked loads: the last block of a template may hold fewer than eight cylinders.
        __m256i lane_mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)lanes), iota);
        __m256 nbv = _mm256_maskload_ps(nb_ + blk * 8, lane_mask);
        __m256 cbv = _mm256_maskload_ps(cb + blk * 8, lane_mask), sbv = _mm256_maskload_ps(sb + blk * 8, lane_mask);
        __m256 blkv = _mm256_castsi256_ps(_mm256_set1_epi32((int)blk));
        uint8_t reach[256];
        size_t reachable = reachable_indices(angle_a, na, block_lo[blk], block_hi[blk], gate, reach);
        for (size_t t = 0; t < reachable; ++t) {
            size_t i = reach[t];
            const uint64_t *q = a + i * words;
            __m256i clo = zero, chi = zero;
            for (int w = 0; w < 6; ++w) {
                __m256i qw = _mm256_set1_epi64x((long long)q[w]);
                clo = _mm256_add_epi8(clo, byte_popcounts(_mm256_xor_si256(lo[w], qw)));
                chi = _mm256_add_epi8(chi, byte_popcounts(_mm256_xor_si256(hi[w], qw)));
            }
            // Lane sums (64-bit, < 2^16) → eight 32-bit counts in lane order.
            __m256i both = _mm256_or_si256(_mm256_sad_epu8(clo, zero), _mm256_slli_epi64(_mm256_sad_epu8(chi, zero), 32));
            __m256 hf = _mm256_cvtepi32_ps(_mm256_permutevar8x32_epi32(both, gather));
            __m256 denom = _mm256_add_ps(_mm256_set1_ps(na_[i]), nbv);
            __m256 inv = _mm256_rcp_ps(denom);
            __m256 r = _mm256_mul_ps(_mm256_mul_ps(hf, inv), inv);
            __m256 dot = _mm256_fmadd_ps(_mm256_set1_ps(ca[i]), cbv, _mm256_mul_ps(_mm256_set1_ps(sa[i]), sbv));
            __m256 before = _mm256_load_ps(lane_best + 8 * i);
            __m256 ok = _mm256_and_ps(_mm256_and_ps(_mm256_cmp_ps(dot, _mm256_set1_ps(min_cos), _CMP_GE_OQ),
                                                    _mm256_cmp_ps(r, before, _CMP_LT_OQ)),
                                      _mm256_castsi256_ps(lane_mask));
            _mm256_store_ps(lane_best + 8 * i, _mm256_blendv_ps(before, r, ok));
            __m256 from = _mm256_load_ps((const float *)(lane_block + 8 * i));
            _mm256_store_ps((float *)(lane_block + 8 * i), _mm256_blendv_ps(from, blkv, ok));
        }
    }
    // Each lane's best as a similarity (0 where none: r < 1 means similarity > 0) and a
    // candidate index (−1: none), and the best lane.
    float best[256];
    int best_j[256];
    for (size_t i = 0; i < na; ++i) {
        __m256 v = _mm256_load_ps(lane_best + 8 * i);
        __m256 found = _mm256_cmp_ps(v, _mm256_set1_ps(1.0f), _CMP_LT_OQ);
        _mm256_store_ps(lane_best + 8 * i, _mm256_and_ps(found, _mm256_sub_ps(_mm256_set1_ps(1.0f), _mm256_sqrt_ps(v))));
        __m256i j = _mm256_add_epi32(_mm256_slli_epi32(_mm256_load_si256((const __m256i *)(lane_block + 8 * i)), 3), iota);
        j = _mm256_blendv_epi8(_mm256_set1_epi32(-1), j, _mm256_castps_si256(found));
        _mm256_store_si256((__m256i *)(lane_block + 8 * i), j);
        best_lane(lane_best + 8 * i, lane_block + 8 * i, best + i, best_j + i);
    }
    choose_votes(lane_best, lane_block, na, o, reselect, best, best_j);
    return rotation_vote(best, best_j, angle_a, angle_b, ca, sa, cb, sb, pos_a, pos_b, na, k, tol, cut);
}
#endif

float bmk_mcc_coarse_score(const uint64_t *a, const float *norm_a, const float *cos_a, const float *sin_a, size_t na,
                           const uint64_t *b_blocks, const float *norm_b, const float *cos_b, const float *sin_b, size_t nb,
                           size_t words, float min_cos, size_t k,
                           const float *angle_a, const float *angle_b, const float *block_lo, const float *block_hi,
                           const float *pos_a, const float *pos_b, float tol, const bmk_orientation_pair *orientation,
                           float cut, int reselect) {
    if (na == 0 || nb == 0 || k == 0) return 0.0f;
    if (k > 64) k = 64;
    // The candidate's descriptors are read at scattered minutiae after the cylinder scan:
    // asked for now, they arrive while it runs.
    if (orientation && orientation->b)
        for (size_t w = 0; w < nb * 2 * orientation->words; w += 8) __builtin_prefetch(orientation->b + w);
#if defined(__x86_64__)
    int level = bmk_simd_level();
    if (level >= 2) return mcc_coarse_avx512(a, norm_a, cos_a, sin_a, na, b_blocks, norm_b, cos_b, sin_b, nb, words, min_cos, k,
                                                      angle_a, angle_b, block_lo, block_hi, pos_a, pos_b, tol, orientation, cut, reselect);
    if (level == 1) return mcc_coarse_avx2(a, norm_a, cos_a, sin_a, na, b_blocks, norm_b, cos_b, sin_b, nb, words, min_cos, k,
                                                    angle_a, angle_b, block_lo, block_hi, pos_a, pos_b, tol, orientation, cut, reselect);
#endif
    return mcc_coarse_scalar(a, norm_a, cos_a, sin_a, na, b_blocks, norm_b, cos_b, sin_b, nb, words, min_cos, k, angle_a, angle_b,
                             pos_a, pos_b, tol, orientation, cut, reselect);
}
