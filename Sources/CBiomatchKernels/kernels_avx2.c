// AVX2 + FMA kernels (x86-64 only), compiled per function with target attributes so the
// package needs no global compiler flags.
#include "kernels_internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define BMK_AVX2 __attribute__((target("avx2,fma,popcnt")))

BMK_AVX2 static inline float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

BMK_AVX2 static inline int32_t hsum256i(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4E));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xB1));
    return _mm_cvtsi128_si32(s);
}

BMK_AVX2 void bmk_f32_scores_avx2(const float *q, const float *x, size_t n, size_t d, float *out) {
    if (d % 8 != 0) { bmk_f32_scores_scalar(q, x, n, d, out); return; }
    for (size_t i = 0; i < n; ++i) {
        const float *row = x + i * d;
        __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps();
        size_t j = 0;
        for (; j + 16 <= d; j += 16) {
            a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(row + j), a0);
            a1 = _mm256_fmadd_ps(_mm256_loadu_ps(q + j + 8), _mm256_loadu_ps(row + j + 8), a1);
        }
        for (; j < d; j += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(q + j), _mm256_loadu_ps(row + j), a0);
        out[i] = hsum256(_mm256_add_ps(a0, a1));
    }
}

// u8 × s8 products, both widened to 16 bits so nothing saturates (maddubs would),
// then summed in pairs to 32 bits by madd.
BMK_AVX2 void bmk_s8u8_scores_avx2(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out) {
    if (d % 16 != 0) { bmk_s8u8_scores_scalar(q, x, n, d, out); return; }
    for (size_t i = 0; i < n; ++i) {
        const uint8_t *row = x + i * d;
        __m256i acc = _mm256_setzero_si256();
        for (size_t j = 0; j < d; j += 16) {
            __m256i xr = _mm256_cvtepu8_epi16(_mm_loadu_si128((const __m128i *)(row + j)));
            __m256i qr = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(q + j)));
            acc = _mm256_add_epi32(acc, _mm256_madd_epi16(xr, qr));
        }
        out[i] = hsum256i(acc);
    }
}

BMK_AVX2 void bmk_hamming_avx2(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out) {
    if (words == 2) {
        const uint64_t q0 = q[0], q1 = q[1];
        for (size_t i = 0; i < n; ++i) {
            out[i] = (uint16_t)(_mm_popcnt_u64(q0 ^ x[2 * i]) + _mm_popcnt_u64(q1 ^ x[2 * i + 1]));
        }
        return;
    }
    for (size_t i = 0; i < n; ++i) {
        const uint64_t *row = x + i * words;
        uint64_t s = 0;
        for (size_t w = 0; w < words; ++w) s += _mm_popcnt_u64(q[w] ^ row[w]);
        out[i] = (uint16_t)s;
    }
}

#else
void bmk_f32_scores_avx2(const float *q, const float *x, size_t n, size_t d, float *out) { bmk_f32_scores_scalar(q, x, n, d, out); }
void bmk_s8u8_scores_avx2(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out) { bmk_s8u8_scores_scalar(q, x, n, d, out); }
void bmk_hamming_avx2(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out) { bmk_hamming_scalar(q, x, n, words, out); }
#endif
