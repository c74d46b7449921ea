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

/// Two fingerprints' orientation descriptors, indexed like their cylinders: `a` the
/// probe's, `b` the candidate's. A descriptor is `words` 64-bit words of sample codes then
/// `words` words of validity: each sample is a `bits`-bit circular thermometer code of its
/// orientation (the Hamming distance of two codes is their circular distance in levels),
/// its validity bits all set where it lies inside the print. A pair's weight is a⁴, a =
/// 1 − 2·(Hamming distance over the bits valid in both) / (bits valid in both), clipped at
/// 0 (the mean of cos 2Δα to the codes' resolution); `neutral`⁴ where fewer than
/// `min_shared` samples are valid in both, or where `a` or `b` is NULL (that side has none).
typedef struct bmk_orientation_pair {
    const uint64_t *a;
    const uint64_t *b;
    size_t words;
    unsigned bits;
    uint32_t min_shared;
    float neutral;
} bmk_orientation_pair;

/// Minutia Cylinder-Code local similarities (bit-based MCC). Each cylinder is `words`
/// 64-bit words of cell bits followed by `words` words of cell validity. For probe
/// cylinder i and candidate cylinder j, out[i·nb + j] is 1 − √|a⊕b| / (√|a| + √|b|) over
/// the cells valid in both, or 0 when fewer than `min_matchable` cells are valid in both
/// or the minutia directions differ by more than acos(`min_cos`) (cos/sin arrays hold
/// each minutia's direction as a unit vector). With `orientation`, each similarity is
/// multiplied by the pair's descriptor weight (see bmk_orientation_pair), and pairs
/// weighing under 0.02 are 0 without their cylinders being compared.
void bmk_mcc_similarity(const uint64_t *a, const float *cos_a, const float *sin_a, size_t na,
                        const uint64_t *b, const float *cos_b, const float *sin_b, size_t nb,
                        size_t words, uint32_t min_matchable, float min_cos, float *out,
                        const bmk_orientation_pair *orientation);

/// The first stage of 1:N fingerprint search: cylinder bits without validity (`words`
/// words each for the probe; the candidate's stored word-major in blocks of 8 cylinders,
/// block k word w lane l at b_blocks[(k·words + w)·8 + l]), local similarity
/// 1 − √hamming / (norm_a + norm_b) with norms √popcount, direction-gated like
/// bmk_mcc_similarity. Each probe cylinder's best match votes for the rotation between
/// the two minutiae. In each strongest rotation window the votes' minutiae (`pos_a`,
/// `pos_b`: x, y interleaved, centred per template) are aligned by the window's rotation,
/// the translation with the most vote weight within `tol` pixels is the consensus, and
/// each vote is weighted by its distance from it; returns the mean of the `k` (≤ 16) best
/// weighted votes of the best window. The candidate's cylinders are sorted by direction;
/// `angle_a`/`angle_b` hold the directions (radians, [0, 2π)) and `block_lo`/`block_hi`
/// each candidate block's direction range, so blocks out of the direction gate are skipped.
/// With `orientation`, each vote's similarity is first weighted by the two minutiae's
/// descriptor weight (see bmk_orientation_pair); NULL leaves the votes unweighted. With
/// `reselect` (and `orientation`), each probe cylinder votes with the best weighted
/// similarity among its eight lane bests (the best candidate j ≡ l mod 8 for each l) rather
/// than the weighted raw best: dearer, and ranks mates higher.
/// Where the score provably lies below `cut` (the weakest score a caller still keeps),
/// returns an upper bound of it that is also below `cut`, without the costly part of
/// the vote; pass −∞ (or 0) to always get the score.
float bmk_mcc_coarse_score(const uint64_t *a, const float *norm_a, const float *cos_a, const float *sin_a, size_t na,
                           const uint64_t *b_blocks, const float *norm_b, const float *cos_b, const float *sin_b, size_t nb,
                           size_t words, float min_cos, size_t k,
                           const float *angle_a, const float *angle_b, const float *block_lo, const float *block_hi,
                           const float *pos_a, const float *pos_b, float tol, const bmk_orientation_pair *orientation,
                           float cut, int reselect);

#ifdef __cplusplus
}
#endif

#endif
