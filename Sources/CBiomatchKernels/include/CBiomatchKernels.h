// CBiomatchKernels: the scan kernels behind BiomatchKernels' Swift API.
//
// Every symbol starts with `bmk_`. The public entry points dispatch at run time to the
// best implementation the CPU has (AVX-512 with VNNI/VPOPCNTDQ, AVX2, or portable C),
// chosen once per process; the per-ISA functions live in kernels_<isa>.c and are not
// declared here. All pointers must be valid for the stated sizes; no function
// allocates or keeps a pointer.
#ifndef CBIOMATCH_KERNELS_H
#define CBIOMATCH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The instruction-set level the dispatcher chose: 0 portable C, 1 AVX2, 2 AVX-512
/// (F, BW, VNNI, VPOPCNTDQ).
int bmk_simd_level(void);

/// Forces a level no higher than `level` (tests compare every level with the portable
/// one). Returns the level now in force.
int bmk_set_max_simd_level(int level);

/// out[i] = Σ_j q[j]·x[i·d + j] for i < n (float rows, row-major).
void bmk_f32_scores(const float *q, const float *x, size_t n, size_t d, float *out);

/// out[i] = Σ_j q[j]·x[i·d + j] for i < n, with signed 8-bit query values and unsigned
/// 8-bit codes (a code c stands for c − 128; callers subtract 128·Σq). d % 64 == 0.
void bmk_s8u8_scores(const int8_t *q, const uint8_t *x, size_t n, size_t d, int32_t *out);

/// out[i] = popcount(q XOR x_i) over `words` 64-bit words per code, for i < n.
void bmk_hamming(const uint64_t *q, const uint64_t *x, size_t n, size_t words, uint16_t *out);

/// Indices i < n with scores[i] >= threshold, written to `out` (capacity n); returns
/// their number. Lets a scan skip the top-k heap for the bulk of candidates.
size_t bmk_f32_select_ge(const float *scores, size_t n, float threshold, uint32_t *out);
size_t bmk_i32_select_ge(const int32_t *scores, size_t n, int32_t threshold, uint32_t *out);
/// Indices with distance <= threshold (for Hamming distances).
size_t bmk_u16_select_le(const uint16_t *distances, size_t n, uint16_t threshold, uint32_t *out);

/// Adds the distances' histogram to `histogram` (entries 0 … max_distance; larger
/// distances are counted in the last entry).
void bmk_u16_histogram(const uint16_t *distances, size_t n, uint32_t *histogram, size_t max_distance);

/// Reads `length` bytes and returns a checksum, so the read cannot be optimised away
/// (the memory-bandwidth probe the benchmarks report against).
uint64_t bmk_read_checksum(const void *data, size_t length);

#ifdef __cplusplus
}
#endif

#endif
