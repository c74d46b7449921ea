// Intentionally empty for C and Swift; the C++ bridge includes <opencv2/...> itself.
