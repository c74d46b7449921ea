// AVX-512 kernels: F/BW for floats, VNNI (vpdpbusd) for 8-bit codes, VPOPCNTDQ for
// binary codes. Compiled per function with target attributes.
#include "kernels_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define BMK_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512vnni,avx512vpopcntdq,popcnt")))

// Sums of four 16-lane accumulators, as one 128-bit vector [Σa, Σb, Σc, Σd].
BMK_AVX512 static inline __m128i reduce4_epi32(__m512i a, __m512i b, __m512i c, __m512i d) {
    __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(a, b), _mm512_unpackhi_epi32(a, b));
    __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(c, d), _mm512_unpackhi_epi32(c, d));
    __m512i abcd = _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(abcd), _mm512_extracti64x4_epi64(abcd, 1));
    return _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
}

// One row at a time with two accumulators: measured faster here than interleaving four
// rows (which halved the streaming rate on Zen 4), and memory-bound either way.
BMK_AVX512 void bmk_f32_scores_avx512(const float *q, const float *x, size_t n, size_t d, float *out) {
    if (d % 32 != 0) { bmk_f32_scores_avx2(q, x, n, d, out); return; }
    for (size_t i = 0; i < n; ++i) {
        const float *r = x + i * d;
        __m512 a0 = _mm512_setzero_ps(), a1 = _mm512_setzero_ps();
        for (size_t j = 0; j < d; j += 32) {
            a0 = _mm512_fmadd_ps(_mm512_loadu_ps(q + j), _mm512_loadu_ps(r + j), a0);
            a1 = _mm512_fmadd_ps(_mm512_loadu_ps(q + j + 16), _mm512_loadu_ps(r + j + 16), a1);
        }
        out[i] = _mm512_reduce_add_ps(_mm512_add_ps(a0, a1));
    }
}

BMK_AVX512 void bmk_s8u8_scores_avx512(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out) {
    if (d % 64 != 0) { bmk_s8u8_scores_avx2(q, x, n, d, out); return; }
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const uint8_t *r = x + i * d;
        __m512i a0 = _mm512_setzero_si512(), a1 = _mm512_setzero_si512(), a2 = _mm512_setzero_si512(), a3 = _mm512_setzero_si512();
        for (size_t j = 0; j < d; j += 64) {
            __m512i qv = _mm512_loadu_si512(q + j);
            a0 = _mm512_dpbusd_epi32(a0, _mm512_loadu_si512(r + j), qv);
            a1 = _mm512_dpbusd_epi32(a1, _mm512_loadu_si512(r + d + j), qv);
            a2 = _mm512_dpbusd_epi32(a2, _mm512_loadu_si512(r + 2 * d + j), qv);
            a3 = _mm512_dpbusd_epi32(a3, _mm512_loadu_si512(r + 3 * d + j), qv);
        }
        _mm_storeu_si128((__m128i *)(out + i), reduce4_epi32(a0, a1, a2, a3));
    }
    if (i < n) bmk_s8u8_scores_avx2(q, x + i * d, n - i, d, out + i);
}

BMK_AVX512 void bmk_hamming_avx512(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out) {
    if (words != 2) { bmk_hamming_avx2(q, x, n, words, out); return; }
    // Four 128-bit codes per register; eight per iteration.
    const __m512i qb = _mm512_set_epi64((long long)q[1], (long long)q[0], (long long)q[1], (long long)q[0],
                                        (long long)q[1], (long long)q[0], (long long)q[1], (long long)q[0]);
    const __m512i even = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_set_epi64(15, 13, 11, 9, 7, 5, 3, 1);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m512i c0 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(x + 2 * i), qb));
        __m512i c1 = _mm512_popcnt_epi64(_mm512_xor_si512(_mm512_loadu_si512(x + 2 * i + 8), qb));
        __m512i s = _mm512_add_epi64(_mm512_permutex2var_epi64(c0, even, c1), _mm512_permutex2var_epi64(c0, odd, c1));
        _mm_storeu_si128((__m128i *)(out + i), _mm512_cvtepi64_epi16(s));
    }
    if (i < n) bmk_hamming_avx2(q, x + 2 * i, n - i, words, out + i);
}

// Indices of the elements passing a comparison, written with vpcompressd 16 at a time.
BMK_AVX512 size_t bmk_i32_select_ge_avx512(const int32_t *scores, size_t n, int32_t threshold, uint32_t *out) {
    const __m512i t = _mm512_set1_epi32(threshold), step = _mm512_set1_epi32(16);
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t k = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        __mmask16 m = _mm512_cmpge_epi32_mask(_mm512_loadu_si512(scores + i), t);
        if (m) { _mm512_mask_compressstoreu_epi32(out + k, m, idx); k += (size_t)__builtin_popcount(m); }
        idx = _mm512_add_epi32(idx, step);
    }
    for (; i < n; ++i) { out[k] = (uint32_t)i; k += scores[i] >= threshold; }
    return k;
}

BMK_AVX512 size_t bmk_f32_select_ge_avx512(const float *scores, size_t n, float threshold, uint32_t *out) {
    const __m512 t = _mm512_set1_ps(threshold);
    const __m512i step = _mm512_set1_epi32(16);
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t k = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        __mmask16 m = _mm512_cmp_ps_mask(_mm512_loadu_ps(scores + i), t, _CMP_GE_OQ);
        if (m) { _mm512_mask_compressstoreu_epi32(out + k, m, idx); k += (size_t)__builtin_popcount(m); }
        idx = _mm512_add_epi32(idx, step);
    }
    for (; i < n; ++i) { out[k] = (uint32_t)i; k += scores[i] >= threshold; }
    return k;
}

BMK_AVX512 size_t bmk_u16_select_le_avx512(const uint16_t *distances, size_t n, uint16_t threshold, uint32_t *out) {
    const __m256i t = _mm256_set1_epi16((short)threshold);
    const __m512i step = _mm512_set1_epi32(16);
    __m512i idx = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    size_t k = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        __mmask16 m = _mm256_cmple_epu16_mask(_mm256_loadu_si256((const __m256i *)(distances + i)), t);
        if (m) { _mm512_mask_compressstoreu_epi32(out + k, m, idx); k += (size_t)__builtin_popcount(m); }
        idx = _mm512_add_epi32(idx, step);
    }
    for (; i < n; ++i) { out[k] = (uint32_t)i; k += distances[i] <= threshold; }
    return k;
}

#else
size_t bmk_i32_select_ge_avx512(const int32_t *scores, size_t n, int32_t threshold, uint32_t *out) { return bmk_i32_select_ge_scalar(scores, n, threshold, out); }
size_t bmk_f32_select_ge_avx512(const float *scores, size_t n, float threshold, uint32_t *out) { return bmk_f32_select_ge_scalar(scores, n, threshold, out); }
size_t bmk_u16_select_le_avx512(const uint16_t *distances, size_t n, uint16_t threshold, uint32_t *out) { return bmk_u16_select_le_scalar(distances, n, threshold, out); }
void bmk_f32_scores_avx512(const float *q, const float *x, size_t n, size_t d, float *out) { bmk_f32_scores_scalar(q, x, n, d, out); }
void bmk_s8u8_scores_avx512(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out) { bmk_s8u8_scores_scalar(q, x, n, d, out); }
void bmk_hamming_avx512(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out) { bmk_hamming_scalar(q, x, n, words, out); }
#endif
