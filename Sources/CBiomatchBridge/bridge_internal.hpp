// Helpers shared by the bridge's translation units (never installed, never seen by Swift).
#pragma once

#include <opencv2/core.hpp>

#include <cstring>
#include <exception>
#include <string>

namespace bmcv_internal {

inline void set_error(char *err, size_t errlen, const std::string &message) {
    if (err == nullptr || errlen == 0) return;
    size_t n = message.size() < errlen - 1 ? message.size() : errlen - 1;
    std::memcpy(err, message.data(), n);
    err[n] = '\0';
}

template <typename F>
inline auto guarded(char *err, size_t errlen, F body) -> decltype(body()) {
    try {
        return body();
    } catch (const cv::Exception &e) {
        set_error(err, errlen, e.err.empty() ? e.what() : e.err);
    } catch (const std::exception &e) {
        set_error(err, errlen, e.what());
    } catch (...) {
        set_error(err, errlen, "unknown C++ exception");
    }
    return nullptr;
}

}  // namespace bmcv_internal
