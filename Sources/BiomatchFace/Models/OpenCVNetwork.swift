internal import CBiomatchBridge
import Foundation

/// An ONNX network loaded into OpenCV's dnn module.
///
/// `cv::dnn::Net` is not reentrant, so forward passes are serialised by a mutex; OpenCV
/// itself spreads each pass over all cores.
final class OpenCVNetwork: @unchecked Sendable {
    // Guarded by `lock`: every use of `handle` after init happens inside it.
    private let handle: OpaquePointer
    private let lock = NSLock()
    let name: String

    init(onnxPath: String, name: String) throws {
        var error = [CChar](repeating: 0, count: 1024)
        guard let net = bmcv_net_load_onnx(onnxPath, &error, error.count) else {
            throw FaceError(.modelLoad, "OpenCV could not load \(name) from \(onnxPath): \(bridgeMessage(error))")
        }
        handle = net
        self.name = name
    }

    deinit {
        bmcv_net_free(handle)
    }

    struct BlobParameters {
        var scale: Double = 1
        var mean: (Double, Double, Double) = (0, 0, 0)
        var swapRedBlue = false
    }

    /// Runs one batch (images of equal size) and returns each named output's floats.
    func forward(_ images: [DecodedImage], parameters: BlobParameters, outputs: [String]) throws -> [[Float]] {
        var params = bmcv_blob_params()
        params.scale = parameters.scale
        params.mean = parameters.mean
        params.swap_rb = parameters.swapRedBlue ? 1 : 0
        var error = [CChar](repeating: 0, count: 1024)
        let handles: [OpaquePointer?] = images.map { $0.handle }
        let cNames = outputs.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        let constNames: [UnsafePointer<CChar>?] = cNames.map { $0.map { UnsafePointer($0) } }
        lock.lock()
        let net = handle
        let blobs: OpaquePointer? = handles.withUnsafeBufferPointer { hp in
                constNames.withUnsafeBufferPointer { np in
                    bmcv_net_forward(net, hp.baseAddress, Int32(hp.count), params, np.baseAddress, Int32(np.count), &error, error.count)
                }
            }
        lock.unlock()
        withExtendedLifetime(images) {}
        guard let blobs else {
            throw FaceError(.inference, "\(name) forward pass failed: \(bridgeMessage(error))")
        }
        defer { bmcv_blobs_free(blobs) }
        return (0..<outputs.count).map { i in
            let count = bmcv_blobs_count(blobs, Int32(i))
            guard let data = bmcv_blobs_data(blobs, Int32(i)) else { return [] }
            return Array(UnsafeBufferPointer(start: data, count: count))
        }
    }
}

