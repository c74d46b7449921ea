/// SFace embedding of an aligned 112×112 face crop.
///
/// Input: the aligned crop as RGB, NCHW, float pixel values 0–255 with no mean
/// subtraction (OpenCV `FaceRecognizerSF`'s preprocessing). Output: 128 floats.
///
/// With ``flipAugmentation`` the crop and its mirror image are embedded and the two
/// embeddings summed before normalisation: faces are nearly symmetric, so this
/// averages out some of the pose and lighting asymmetry the network sees, a standard
/// test-time augmentation for face recognition.
struct FaceEmbedder: Sendable {
    static let outputName = "fc1"
    let network: OpenCVNetwork
    let dimension: Int
    var flipAugmentation: Bool

    func embed(aligned: DecodedImage) throws -> [Float] {
        let params = OpenCVNetwork.BlobParameters(scale: 1, mean: (0, 0, 0), swapRedBlue: true)
        var sum = try single(aligned, params)
        if flipAugmentation {
            let mirrored = try single(aligned.flippedHorizontally(), params)
            for i in sum.indices { sum[i] += mirrored[i] }
        }
        return sum
    }

    private func single(_ image: DecodedImage, _ params: OpenCVNetwork.BlobParameters) throws -> [Float] {
        let output = try network.forward([image], parameters: params, outputs: [Self.outputName])
        guard let values = output.first, values.count == dimension else {
            throw FaceError(.inference, "\(network.name) returned \(output.first?.count ?? 0) values, expected \(dimension)")
        }
        return values
    }
}
