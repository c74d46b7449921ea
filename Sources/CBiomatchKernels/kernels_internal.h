// Per-ISA kernel declarations shared by the dispatcher (not part of the public header).
#ifndef CBIOMATCH_KERNELS_INTERNAL_H
#define CBIOMATCH_KERNELS_INTERNAL_H
#include "CBiomatchKernels.h"

void bmk_f32_scores_scalar(const float *q, const float *x, size_t n, size_t d, float *out);
void bmk_s8u8_scores_scalar(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out);
void bmk_hamming_scalar(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out);

void bmk_f32_scores_avx2(const float *q, const float *x, size_t n, size_t d, float *out);
void bmk_s8u8_scores_avx2(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out);
void bmk_hamming_avx2(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out);

void bmk_f32_scores_avx512(const float *q, const float *x, size_t n, size_t d, float *out);
void bmk_s8u8_scores_avx512(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out);
void bmk_hamming_avx512(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out);
size_t bmk_f32_select_ge_scalar(const float *scores, size_t n, float threshold, uint32_t *out);
size_t bmk_i32_select_ge_scalar(const int32_t *scores, size_t n, int32_t threshold, uint32_t *out);
size_t bmk_u16_select_le_scalar(const uint16_t *distances, size_t n, uint16_t threshold, uint32_t *out);
size_t bmk_f32_select_ge_avx512(const float *scores, size_t n, float threshold, uint32_t *out);
size_t bmk_i32_select_ge_avx512(const int32_t *scores, size_t n, int32_t threshold, uint32_t *out);
size_t bmk_u16_select_le_avx512(const uint16_t *distances, size_t n, uint16_t threshold, uint32_t *out);
#endif
