// Run-time dispatch: the ISA level is read from the CPU once; tests may lower it.
#include "kernels_internal.h"

#include <stdatomic.h>

static _Atomic int detected = -1;
static _Atomic int ceiling = 2;

static int detect(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512vpopcntdq"))
        return 2;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("popcnt"))
        return 1;
#endif
    return 0;
}

static inline int level(void) {
    int d = atomic_load_explicit(&detected, memory_order_relaxed);
    if (d < 0) {
        d = detect();
        atomic_store_explicit(&detected, d, memory_order_relaxed);
    }
    int c = atomic_load_explicit(&ceiling, memory_order_relaxed);
    return d < c ? d : c;
}

int bmk_simd_level(void) { return level(); }

int bmk_set_max_simd_level(int max_level) {
    atomic_store_explicit(&ceiling, max_level < 0 ? 0 : max_level, memory_order_relaxed);
    return level();
}

void bmk_f32_scores(const float *q, const float *x, size_t n, size_t d, float *out) {
    switch (level()) {
    case 2: bmk_f32_scores_avx512(q, x, n, d, out); break;
    case 1: bmk_f32_scores_avx2(q, x, n, d, out); break;
    default: bmk_f32_scores_scalar(q, x, n, d, out);
    }
}

void bmk_s8u8_scores(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out) {
    switch (level()) {
    case 2: bmk_s8u8_scores_avx512(q, x, n, d, out); break;
    case 1: bmk_s8u8_scores_avx2(q, x, n, d, out); break;
    default: bmk_s8u8_scores_scalar(q, x, n, d, out);
    }
}

void bmk_hamming(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out) {
    switch (level()) {
    case 2: bmk_hamming_avx512(q, x, n, words, out); break;
    case 1: bmk_hamming_avx2(q, x, n, words, out); break;
    default: bmk_hamming_scalar(q, x, n, words, out);
    }
}

size_t bmk_f32_select_ge(const float *scores, size_t n, float threshold, uint32_t *out) {
    return level() >= 2 ? bmk_f32_select_ge_avx512(scores, n, threshold, out) : bmk_f32_select_ge_scalar(scores, n, threshold, out);
}

size_t bmk_i32_select_ge(const int32_t *scores, size_t n, int32_t threshold, uint32_t *out) {
    return level() >= 2 ? bmk_i32_select_ge_avx512(scores, n, threshold, out) : bmk_i32_select_ge_scalar(scores, n, threshold, out);
}

size_t bmk_u16_select_le(const uint16_t *distances, size_t n, uint16_t threshold, uint32_t *out) {
    return level() >= 2 ? bmk_u16_select_le_avx512(distances, n, threshold, out) : bmk_u16_select_le_scalar(distances, n, threshold, out);
}

void bmk_u16_histogram(const uint16_t *distances, size_t n, uint32_t *histogram, size_t max_distance) {
    // Four interleaved sub-histograms break the store-to-load chains of repeated values.
    uint32_t h[4][1024] = {{0}};
    size_t top = max_distance < 1023 ? max_distance : 1023;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        for (int k = 0; k < 4; ++k) {
            size_t v = distances[i + k];
            h[k][v < top ? v : top]++;
        }
    }
    for (; i < n; ++i) { size_t v = distances[i]; h[0][v < top ? v : top]++; }
    for (size_t v = 0; v <= top; ++v) histogram[v] += h[0][v] + h[1][v] + h[2][v] + h[3][v];
}

uint64_t bmk_read_checksum(const void *data, size_t length) {
    const uint64_t *p = (const uint64_t *)data;
    size_t words = length / 8;
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= words; i += 4) { a += p[i]; b += p[i + 1]; c += p[i + 2]; d += p[i + 3]; }
    for (; i < words; ++i) a += p[i];
    return a + b + c + d;
}
