import BiomatchSupport
internal import CBiomatchBridge
import Foundation

/// An ONNX network loaded into OpenCV's dnn module, as one or more instances.
///
/// `cv::dnn::Net` is not reentrant, so each instance runs one forward pass at a time.
/// With one instance (the default) OpenCV spreads each pass over all cores; a batch tool
/// that runs its own workers loads one instance per worker and gives OpenCV one thread each
/// (``ComputeThreads``), so the workers' passes run side by side.
final class OpenCVNetwork: @unchecked Sendable {
    // Each handle is used by one caller at a time: `freeIndices` (under `freeLock`) hands them out, `available`
    // counts them.
    private let handles: [OpaquePointer]
    private let freeLock = NSLock()
    private var freeIndices: [Int]
    private let available: DispatchSemaphore
    let name: String

    init(onnxPath: String, name: String, instances: Int = 1) throws {
        var loaded: [OpaquePointer] = []
        for _ in 0..<max(1, instances) {
            var error = [CChar](repeating: 0, count: 1024)
            guard let net = bmcv_net_load_onnx(onnxPath, &error, error.count) else {
                loaded.forEach { bmcv_net_free($0) }
                throw FaceError(.modelLoad, "OpenCV could not load \(name) from \(onnxPath): \(bridgeMessage(error))")
            }
            loaded.append(net)
        }
        handles = loaded
        freeIndices = Array(loaded.indices)
        available = DispatchSemaphore(value: loaded.count)
        self.name = name
    }

    deinit {
        handles.forEach { bmcv_net_free($0) }
    }

    /// Takes a free instance, runs `body` on it, gives it back.
    private func withInstance<T>(_ body: (OpaquePointer) -> T) -> T {
        available.wait()
        freeLock.lock()
        let index = freeIndices.removeLast()
        freeLock.unlock()
        defer {
            freeLock.lock()
            freeIndices.append(index)
            freeLock.unlock()
            available.signal()
        }
        return body(handles[index])
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
        let cNames = outputs.map { strdup($0) }
        defer { cNames.forEach { free($0) } }
        let constNames: [UnsafePointer<CChar>?] = cNames.map { $0.map { UnsafePointer($0) } }
        let blobs: OpaquePointer? = withInstance { net in
            images.withUnsafeBufferPointerOfHandles { hp in
                constNames.withUnsafeBufferPointer { np in
                    bmcv_net_forward(net, hp.baseAddress, Int32(hp.count), params, np.baseAddress, Int32(np.count), &error, error.count)
                }
            }
        }
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


private extension Array where Element == DecodedImage {
    /// The images' OpenCV handles as a C array for the duration of `body`.
    func withUnsafeBufferPointerOfHandles<T>(_ body: (UnsafeBufferPointer<OpaquePointer?>) -> T) -> T {
        let handles: [OpaquePointer?] = map { $0.handle }
        return handles.withUnsafeBufferPointer(body)
    }
}
