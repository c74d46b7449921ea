internal import CBiomatchBridge

/// How many threads OpenCV may use inside one call (network inference, image filters).
///
/// By default OpenCV spreads each call over every core. A batch tool that runs its own
/// workers sets this to 1 so that `--jobs N` means N cores, not N × cores.
public enum ComputeThreads {
    /// Sets OpenCV's thread count for the whole process (≤ 0: OpenCV's default, all cores).
    public static func setOpenCVThreads(_ threads: Int) {
        bmcv_set_num_threads(Int32(clamping: threads))
    }
}
