// CBiomatchBridge: the plain C API over OpenCV 4.6 that every Biomatch Swift module
// (and any non-Swift terminal) uses. No C++ type crosses this header.
//
// Conventions:
// - Every symbol starts with `bmcv_`.
// - Handles are opaque; each `*_free` accepts NULL.
// - Functions that can fail return NULL (or a negative status) and, when `err` is
//   non-NULL, write a NUL-terminated English message of at most `errlen` bytes.
// - Images are 8-bit, 3-channel BGR, row-major, as OpenCV stores them.
// - A handle may be used from one thread at a time; distinct handles are independent.
#ifndef CBIOMATCH_BRIDGE_H
#define CBIOMATCH_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// OpenCV's version string, for logs and model metadata.
const char *bmcv_opencv_version(void);

/// Threads OpenCV may use for one call (0 = OpenCV's default, all cores).
void bmcv_set_num_threads(int threads);

// MARK: - Images

typedef struct bmcv_image bmcv_image;

/// Decodes JPEG, PNG, PGM/PPM, BMP, WEBP (anything imdecode reads) into BGR.
/// Returns NULL with a message when the bytes are not a decodable image.
bmcv_image *bmcv_image_decode(const uint8_t *bytes, size_t length, char *err, size_t errlen);

/// Copies caller pixels (1 = grey, 3 = BGR, 4 = BGRA channels) into a new BGR image.
bmcv_image *bmcv_image_from_pixels(const uint8_t *pixels, int width, int height,
                                   int channels, size_t row_bytes, char *err, size_t errlen);

void bmcv_image_free(bmcv_image *image);
int bmcv_image_width(const bmcv_image *image);
int bmcv_image_height(const bmcv_image *image);

/// Copies the BGR pixels (width*height*3 bytes, no row padding) into `out`.
/// Returns 0, or -1 when `capacity` is too small.
int bmcv_image_copy_bgr(const bmcv_image *image, uint8_t *out, size_t capacity);

/// Encodes the image in the format named by `extension` (".png", ".jpg", ".webp", ".bmp",
/// ".ppm", ".jp2"), with `count` OpenCV `IMWRITE_*` parameters as (flag, value) pairs in
/// `params` (NULL and 0 for the defaults). On success returns 0 and sets `*out` to a buffer
/// of `*length` bytes that the caller releases with `bmcv_buffer_free`.
int bmcv_image_encode(const bmcv_image *image, const char *extension, const int *params, size_t count,
                      uint8_t **out, size_t *length, char *err, size_t errlen);

/// `IMWRITE_JPEG2000_COMPRESSION_X1000`: 1000 makes JPEG 2000 lossless (rate 1, reversible wavelet).
#define BMCV_IMWRITE_JPEG2000_COMPRESSION_X1000 272
void bmcv_buffer_free(uint8_t *buffer);

/// A new image with `right` and `bottom` black pixels added.
bmcv_image *bmcv_image_pad(const bmcv_image *image, int right, int bottom, char *err, size_t errlen);

/// A new image resized to width × height (area interpolation when shrinking).
bmcv_image *bmcv_image_resize(const bmcv_image *image, int width, int height, char *err, size_t errlen);

/// A new image mirrored left–right.
bmcv_image *bmcv_image_flip_horizontal(const bmcv_image *image, char *err, size_t errlen);

/// A new width × height image warped by the 2×3 forward affine matrix `m` (row-major,
/// source → destination), bilinear; pixels from outside the source are black, as in
/// the recognizer's training crops.
bmcv_image *bmcv_image_warp_affine(const bmcv_image *image, const double m[6],
                                   int width, int height, char *err, size_t errlen);

/// Photometric statistics of a rectangle of an image, on its luma.
typedef struct bmcv_region_stats {
    double mean;             ///< mean luma, 0–255
    double stddev;           ///< luma standard deviation (contrast)
    double laplacian_var;    ///< variance of the 3×3 Laplacian (sharpness)
    double dark_fraction;    ///< fraction of pixels with luma < 16
    double bright_fraction;  ///< fraction of pixels with luma > 239
} bmcv_region_stats;

/// Statistics of the rectangle (clipped to the image). Returns 0, or -1 when the
/// clipped rectangle is empty.
int bmcv_image_region_stats(const bmcv_image *image, int x, int y, int width, int height,
                            bmcv_region_stats *out);

// MARK: - Neural networks (cv::dnn)

typedef struct bmcv_net bmcv_net;
typedef struct bmcv_blobs bmcv_blobs;

/// Loads an ONNX model. Returns NULL with OpenCV's message on failure.
bmcv_net *bmcv_net_load_onnx(const char *path, char *err, size_t errlen);
void bmcv_net_free(bmcv_net *net);

/// How images become the network's NCHW float input.
typedef struct bmcv_blob_params {
    double scale;     ///< multiplier applied after mean subtraction
    double mean[3];   ///< per-channel mean, in the image's channel order
    int swap_rb;      ///< non-zero: feed RGB instead of BGR
} bmcv_blob_params;

/// Runs the network on `count` images of equal size (one batch) and returns the named
/// outputs (`output_count` names), or NULL with a message.
bmcv_blobs *bmcv_net_forward(bmcv_net *net, const bmcv_image *const *images, int count,
                             bmcv_blob_params params, const char *const *output_names,
                             int output_count, char *err, size_t errlen);

/// Number of floats in output `index` (0 when out of range).
size_t bmcv_blobs_count(const bmcv_blobs *blobs, int index);
/// The floats of output `index` (NULL when out of range); valid until the blobs are freed.
const float *bmcv_blobs_data(const bmcv_blobs *blobs, int index);
void bmcv_blobs_free(bmcv_blobs *blobs);

// MARK: - Fingerprint enhancement

typedef struct bmcv_fingerprint_maps bmcv_fingerprint_maps;

/// Enhances a fingerprint image for minutiae detection. The image (any channel count is
/// reduced to grey) is first resampled by `scale` (500 / dpi, so that ridge geometry is in
/// 500-dpi pixels), then: local contrast normalisation, gradient-energy segmentation
/// (largest region, holes filled), structure-tensor orientation and coherence, the
/// median ridge period from x-signatures, a bank of `orientation_bins` Gabor filters at
/// that period, binarisation and Zhang–Suen thinning. All maps are width × height at the
/// resampled size, row-major, no padding. Returns NULL with a message on failure.
bmcv_fingerprint_maps *bmcv_fingerprint_enhance(const bmcv_image *image, double scale, int orientation_bins,
                                                char *err, size_t errlen);
void bmcv_fingerprint_maps_free(bmcv_fingerprint_maps *maps);
int bmcv_fingerprint_maps_width(const bmcv_fingerprint_maps *maps);
int bmcv_fingerprint_maps_height(const bmcv_fingerprint_maps *maps);
/// Median ridge period in (resampled) pixels.
double bmcv_fingerprint_maps_ridge_period(const bmcv_fingerprint_maps *maps);
/// Fraction of the image that is fingerprint foreground.
double bmcv_fingerprint_maps_foreground_fraction(const bmcv_fingerprint_maps *maps);
/// Thinned ridges, 1 byte per pixel (0 or 1).
const uint8_t *bmcv_fingerprint_maps_skeleton(const bmcv_fingerprint_maps *maps);
/// Binarised enhanced ridges before thinning (0 or 1).
const uint8_t *bmcv_fingerprint_maps_binary(const bmcv_fingerprint_maps *maps);
/// Foreground mask (0 or 1).
const uint8_t *bmcv_fingerprint_maps_mask(const bmcv_fingerprint_maps *maps);
/// Ridge orientation in radians, [0, π), counter-clockwise on screen from the x axis
/// measured with y pointing down (atan2 of image coordinates).
const float *bmcv_fingerprint_maps_orientation(const bmcv_fingerprint_maps *maps);
/// Orientation coherence 0–1 (1 = perfectly parallel ridges).
const float *bmcv_fingerprint_maps_coherence(const bmcv_fingerprint_maps *maps);
/// Euclidean distance in pixels from each pixel to the nearest background pixel.
const float *bmcv_fingerprint_maps_border_distance(const bmcv_fingerprint_maps *maps);

#ifdef __cplusplus
}
#endif

#endif
