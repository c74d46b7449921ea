// Portable reference kernels: the fallback on any CPU and the yardstick tests use.
#include "kernels_internal.h"

void bmk_f32_scores_scalar(const float *q, const float *x, size_t n, size_t d, float *out) {
    for (size_t i = 0; i < n; ++i) {
        const float *row = x + i * d;
        float s = 0;
        for (size_t j = 0; j < d; ++j) s += q[j] * row[j];
        out[i] = s;
    }
}

void bmk_s8u8_scores_scalar(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out) {
    for (size_t i = 0; i < n; ++i) {
        const uint8_t *row = x + i * d;
        int32_t s = 0;
        for (size_t j = 0; j < d; ++j) s += (int32_t)q[j] * (int32_t)row[j];
        out[i] = s;
    }
}

void bmk_hamming_scalar(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out) {
    for (size_t i = 0; i < n; ++i) {
        const uint64_t *row = x + i * words;
        unsigned s = 0;
        for (size_t w = 0; w < words; ++w) s += (unsigned)__builtin_popcountll(q[w] ^ row[w]);
        out[i] = (uint16_t)s;
    }
}

size_t bmk_f32_select_ge_scalar(const float *scores, size_t n, float threshold, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) { out[k] = (uint32_t)i; k += scores[i] >= threshold; }
    return k;
}

size_t bmk_i32_select_ge_scalar(const int32_t *scores, size_t n, int32_t threshold, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) { out[k] = (uint32_t)i; k += scores[i] >= threshold; }
    return k;
}

size_t bmk_u16_select_le_scalar(const uint16_t *distances, size_t n, uint16_t threshold, uint32_t *out) {
    size_t k = 0;
    for (size_t i = 0; i < n; ++i) { out[k] = (uint32_t)i; k += distances[i] <= threshold; }
    return k;
}
