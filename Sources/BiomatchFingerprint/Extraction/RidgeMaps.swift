import BiomatchSupport
internal import CBiomatchBridge

/// The enhancement stage's output, copied out of the bridge: all maps at the
/// 500-dpi working size, row-major.
struct RidgeMaps: Sendable {
    let width: Int
    let height: Int
    /// Source pixels per working pixel (dpi / 500).
    let sourceScale: Double
    let skeleton: [UInt8]
    let binary: [UInt8]
    let mask: [UInt8]
    let orientation: [Float]
    let coherence: [Float]
    let borderDistance: [Float]
    let ridgePeriod: Double
    let foregroundFraction: Double

    /// Runs the bridge's enhancement on `image`.
    init(image: FingerprintImage, orientationBins: Int) throws(FingerprintError) {
        let scale = 500.0 / Double(image.dpi)
        var message = [CChar](repeating: 0, count: 256)
        guard let maps = bmcv_fingerprint_enhance(image.handle, scale, Int32(orientationBins), &message, message.count) else {
            let reason = bridgeMessage(message)
            throw FingerprintError(.corruptImage, "enhancement failed: \(reason)")
        }
        defer { bmcv_fingerprint_maps_free(maps) }
        width = Int(bmcv_fingerprint_maps_width(maps))
        height = Int(bmcv_fingerprint_maps_height(maps))
        let n = width * height
        sourceScale = 1 / scale
        skeleton = Array(UnsafeBufferPointer(start: bmcv_fingerprint_maps_skeleton(maps), count: n))
        binary = Array(UnsafeBufferPointer(start: bmcv_fingerprint_maps_binary(maps), count: n))
        mask = Array(UnsafeBufferPointer(start: bmcv_fingerprint_maps_mask(maps), count: n))
        orientation = Array(UnsafeBufferPointer(start: bmcv_fingerprint_maps_orientation(maps), count: n))
        coherence = Array(UnsafeBufferPointer(start: bmcv_fingerprint_maps_coherence(maps), count: n))
        borderDistance = Array(UnsafeBufferPointer(start: bmcv_fingerprint_maps_border_distance(maps), count: n))
        ridgePeriod = bmcv_fingerprint_maps_ridge_period(maps)
        foregroundFraction = bmcv_fingerprint_maps_foreground_fraction(maps)
    }
}
