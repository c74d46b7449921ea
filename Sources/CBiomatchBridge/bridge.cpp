// OpenCV behind the plain C API of CBiomatchBridge.h. Every entry point catches every
// exception: nothing C++ escapes into Swift or C callers.
#include "CBiomatchBridge.h"
#include "bridge_internal.hpp"

#include <opencv2/core.hpp>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

struct bmcv_image {
    cv::Mat mat;  // CV_8UC3, BGR
};

struct bmcv_net {
    cv::dnn::Net net;
};

struct bmcv_blobs {
    std::vector<cv::Mat> mats;  // each continuous CV_32F
};

namespace {
using bmcv_internal::guarded;
using bmcv_internal::set_error;

bmcv_image *wrap(cv::Mat mat) {
    auto *image = new bmcv_image;
    image->mat = std::move(mat);
    return image;
}

}  // namespace

extern "C" {

const char *bmcv_opencv_version(void) { return CV_VERSION; }

void bmcv_set_num_threads(int threads) {
    try {
        cv::setNumThreads(threads <= 0 ? -1 : threads);
    } catch (...) {
    }
}

bmcv_image *bmcv_image_decode(const uint8_t *bytes, size_t length, char *err, size_t errlen) {
    return guarded(err, errlen, [&]() -> bmcv_image * {
        if (bytes == nullptr || length == 0) {
            set_error(err, errlen, "empty input");
            return nullptr;
        }
        cv::Mat buffer(1, static_cast<int>(length), CV_8UC1, const_cast<uint8_t *>(bytes));
        cv::Mat decoded = cv::imdecode(buffer, cv::IMREAD_COLOR);
        if (decoded.empty()) {
            set_error(err, errlen, "not a decodable image (unknown format or corrupt data)");
            return nullptr;
        }
        return wrap(decoded);
    });
}

bmcv_image *bmcv_image_from_pixels(const uint8_t *pixels, int width, int height, int channels,
                                   size_t row_bytes, char *err, size_t errlen) {
    return guarded(err, errlen, [&]() -> bmcv_image * {
        if (pixels == nullptr || width <= 0 || height <= 0 ||
            (channels != 1 && channels != 3 && channels != 4) ||
            row_bytes < static_cast<size_t>(width) * channels) {
            set_error(err, errlen, "invalid pixel buffer");
            return nullptr;
        }
        cv::Mat view(height, width, CV_8UC(channels), const_cast<uint8_t *>(pixels), row_bytes);
        cv::Mat bgr;
        if (channels == 1) cv::cvtColor(view, bgr, cv::COLOR_GRAY2BGR);
        else if (channels == 4) cv::cvtColor(view, bgr, cv::COLOR_BGRA2BGR);
        else bgr = view.clone();
        return wrap(bgr);
    });
}

void bmcv_image_free(bmcv_image *image) { delete image; }
int bmcv_image_width(const bmcv_image *image) { return image ? image->mat.cols : 0; }
int bmcv_image_height(const bmcv_image *image) { return image ? image->mat.rows : 0; }

int bmcv_image_copy_bgr(const bmcv_image *image, uint8_t *out, size_t capacity) {
    if (image == nullptr || out == nullptr) return -1;
    const cv::Mat &m = image->mat;
    size_t row = static_cast<size_t>(m.cols) * 3;
    if (capacity < row * m.rows) return -1;
    for (int y = 0; y < m.rows; ++y) std::memcpy(out + row * y, m.ptr(y), row);
    return 0;
}

int bmcv_image_encode(const bmcv_image *image, const char *extension, const int *params, size_t count,
                      uint8_t **out, size_t *length, char *err, size_t errlen) {
    if (image == nullptr || extension == nullptr || out == nullptr || length == nullptr) return -1;
    if (count % 2 != 0 || (count > 0 && params == nullptr)) {
        set_error(err, errlen, "encoder parameters come as (flag, value) pairs");
        return -1;
    }
    try {
        std::vector<uchar> buffer;
        const std::vector<int> flags(params, params + count);
        if (!cv::imencode(extension, image->mat, buffer, flags)) {
            set_error(err, errlen, "encoding failed");
            return -1;
        }
        *out = static_cast<uint8_t *>(std::malloc(buffer.size()));
        if (*out == nullptr) {
            set_error(err, errlen, "out of memory");
            return -1;
        }
        std::memcpy(*out, buffer.data(), buffer.size());
        *length = buffer.size();
        return 0;
    } catch (const cv::Exception &e) {
        set_error(err, errlen, e.err);
    } catch (...) {
        set_error(err, errlen, "unknown C++ exception");
    }
    return -1;
}

void bmcv_buffer_free(uint8_t *buffer) { std::free(buffer); }

bmcv_image *bmcv_image_pad(const bmcv_image *image, int right, int bottom, char *err, size_t errlen) {
    return guarded(err, errlen, [&]() -> bmcv_image * {
        if (image == nullptr || right < 0 || bottom < 0) {
            set_error(err, errlen, "invalid padding");
            return nullptr;
        }
        cv::Mat padded;
        cv::copyMakeBorder(image->mat, padded, 0, bottom, 0, right, cv::BORDER_CONSTANT, cv::Scalar::all(0));
        return wrap(padded);
    });
}

bmcv_image *bmcv_image_resize(const bmcv_image *image, int width, int height, char *err, size_t errlen) {
    return guarded(err, errlen, [&]() -> bmcv_image * {
        if (image == nullptr || width <= 0 || height <= 0) {
            set_error(err, errlen, "invalid size");
            return nullptr;
        }
        bool shrink = width < image->mat.cols || height < image->mat.rows;
        cv::Mat resized;
        cv::resize(image->mat, resized, cv::Size(width, height), 0, 0,
                   shrink ? cv::INTER_AREA : cv::INTER_LINEAR);
        return wrap(resized);
    });
}

bmcv_image *bmcv_image_flip_horizontal(const bmcv_image *image, char *err, size_t errlen) {
    return guarded(err, errlen, [&]() -> bmcv_image * {
        if (image == nullptr) {
            set_error(err, errlen, "no image");
            return nullptr;
        }
        cv::Mat flipped;
        cv::flip(image->mat, flipped, 1);
        return wrap(flipped);
    });
}

bmcv_image *bmcv_image_warp_affine(const bmcv_image *image, const double m[6], int width, int height,
                                   char *err, size_t errlen) {
    return guarded(err, errlen, [&]() -> bmcv_image * {
        if (image == nullptr || m == nullptr || width <= 0 || height <= 0) {
            set_error(err, errlen, "invalid warp");
            return nullptr;
        }
        cv::Mat transform(2, 3, CV_64F);
        for (int i = 0; i < 6; ++i) transform.at<double>(i / 3, i % 3) = m[i];
        cv::Mat warped;
        cv::warpAffine(image->mat, warped, transform, cv::Size(width, height), cv::INTER_LINEAR,
                       cv::BORDER_CONSTANT, cv::Scalar::all(0));
        return wrap(warped);
    });
}

int bmcv_image_region_stats(const bmcv_image *image, int x, int y, int width, int height,
                            bmcv_region_stats *out) {
    if (image == nullptr || out == nullptr) return -1;
    try {
        cv::Rect roi = cv::Rect(x, y, width, height) & cv::Rect(0, 0, image->mat.cols, image->mat.rows);
        if (roi.area() <= 0) return -1;
        cv::Mat grey;
        cv::cvtColor(image->mat(roi), grey, cv::COLOR_BGR2GRAY);
        cv::Scalar mean, stddev;
        cv::meanStdDev(grey, mean, stddev);
        cv::Mat laplacian;
        cv::Laplacian(grey, laplacian, CV_64F, 3);
        cv::Scalar lmean, lstd;
        cv::meanStdDev(laplacian, lmean, lstd);
        double total = static_cast<double>(grey.total());
        out->mean = mean[0];
        out->stddev = stddev[0];
        out->laplacian_var = lstd[0] * lstd[0];
        out->dark_fraction = cv::countNonZero(grey < 16) / total;
        out->bright_fraction = cv::countNonZero(grey > 239) / total;
        return 0;
    } catch (...) {
        return -1;
    }
}

bmcv_net *bmcv_net_load_onnx(const char *path, char *err, size_t errlen) {
    return guarded(err, errlen, [&]() -> bmcv_net * {
        if (path == nullptr) {
            set_error(err, errlen, "no path");
            return nullptr;
        }
        cv::dnn::Net net = cv::dnn::readNetFromONNX(path);
        if (net.empty()) {
            set_error(err, errlen, "OpenCV loaded an empty network");
            return nullptr;
        }
        net.setPreferableBackend(cv::dnn::DNN_BACKEND_OPENCV);
        net.setPreferableTarget(cv::dnn::DNN_TARGET_CPU);
        auto *handle = new bmcv_net;
        handle->net = net;
        return handle;
    });
}

void bmcv_net_free(bmcv_net *net) { delete net; }

bmcv_blobs *bmcv_net_forward(bmcv_net *net, const bmcv_image *const *images, int count,
                             bmcv_blob_params params, const char *const *output_names,
                             int output_count, char *err, size_t errlen) {
    return guarded(err, errlen, [&]() -> bmcv_blobs * {
        if (net == nullptr || images == nullptr || count <= 0 || output_names == nullptr ||
            output_count <= 0) {
            set_error(err, errlen, "invalid forward arguments");
            return nullptr;
        }
        std::vector<cv::Mat> mats;
        mats.reserve(count);
        for (int i = 0; i < count; ++i) {
            if (images[i] == nullptr) {
                set_error(err, errlen, "null image in batch");
                return nullptr;
            }
            mats.push_back(images[i]->mat);
        }
        cv::Mat blob = cv::dnn::blobFromImages(
            mats, params.scale, cv::Size(),
            cv::Scalar(params.mean[0], params.mean[1], params.mean[2]), params.swap_rb != 0, false, CV_32F);
        net->net.setInput(blob);
        std::vector<cv::String> names(output_names, output_names + output_count);
        std::vector<cv::Mat> outputs;
        net->net.forward(outputs, names);
        auto *blobs = new bmcv_blobs;
        for (auto &m : outputs) {
            cv::Mat f;
            if (m.type() != CV_32F) m.convertTo(f, CV_32F);
            else f = m.isContinuous() ? m : m.clone();
            blobs->mats.push_back(f);
        }
        return blobs;
    });
}

size_t bmcv_blobs_count(const bmcv_blobs *blobs, int index) {
    if (blobs == nullptr || index < 0 || index >= static_cast<int>(blobs->mats.size())) return 0;
    return blobs->mats[index].total();
}

const float *bmcv_blobs_data(const bmcv_blobs *blobs, int index) {
    if (blobs == nullptr || index < 0 || index >= static_cast<int>(blobs->mats.size())) return nullptr;
    return blobs->mats[index].ptr<float>();
}

void bmcv_blobs_free(bmcv_blobs *blobs) { delete blobs; }

}  // extern "C"
