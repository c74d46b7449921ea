import Foundation

/// Decodes the raw outputs of YuNet 2023mar (`cls_*`, `obj_*`, `bbox_*`, `kps_*` at
/// strides 8, 16 and 32) into faces, then applies non-maximum suppression.
///
/// OpenCV 4.6's `FaceDetectorYN` expects the older 2022 output layout, so the 2023mar
/// heads are decoded here. For each stride *s* the outputs hold one anchor per cell of
/// the (W/s)×(H/s) grid, row-major:
///
///     score = sqrt(clamp(cls) · clamp(obj))
///     cx = (col + bbox₀)·s,  cy = (row + bbox₁)·s,  w = exp(bbox₂)·s,  h = exp(bbox₃)·s
///     landmark k = ((col + kps₂ₖ)·s, (row + kps₂ₖ₊₁)·s)
struct YuNetDecoder {
    static let strides = [8, 16, 32]
    /// Output names, in the order ``decode(outputs:inputWidth:inputHeight:)`` expects.
    static let outputNames: [String] =
        ["cls", "obj", "bbox", "kps"].flatMap { head in strides.map { "\(head)_\($0)" } }

    var scoreThreshold: Double
    var nmsThreshold: Double
    var maxFaces: Int = 5000

    /// Decodes outputs in ``outputNames`` order for an input of the given padded size.
    func decode(outputs: [[Float]], inputWidth: Int, inputHeight: Int) throws -> [DetectedFace] {
        guard outputs.count == 12 else {
            throw FaceError(.inference, "YuNet returned \(outputs.count) outputs, expected 12")
        }
        var candidates: [DetectedFace] = []
        for (level, stride) in Self.strides.enumerated() {
            let cols = inputWidth / stride, rows = inputHeight / stride
            let n = cols * rows
            let cls = outputs[level], obj = outputs[3 + level], bbox = outputs[6 + level], kps = outputs[9 + level]
            guard cls.count == n, obj.count == n, bbox.count == 4 * n, kps.count == 10 * n else {
                throw FaceError(.inference, "YuNet stride-\(stride) outputs have unexpected sizes for a \(inputWidth)×\(inputHeight) input")
            }
            let s = Double(stride)
            for index in 0..<n {
                let c = Double(min(max(cls[index], 0), 1)), o = Double(min(max(obj[index], 0), 1))
                let score = (c * o).squareRoot()
                guard score >= scoreThreshold else { continue }
                let row = Double(index / cols), col = Double(index % cols)
                let cx = (col + Double(bbox[4 * index])) * s
                let cy = (row + Double(bbox[4 * index + 1])) * s
                let w = exp(Double(bbox[4 * index + 2])) * s
                let h = exp(Double(bbox[4 * index + 3])) * s
                guard w.isFinite, h.isFinite else { continue }
                let landmarks = (0..<5).map { k in
                    Point(x: (col + Double(kps[10 * index + 2 * k])) * s,
                          y: (row + Double(kps[10 * index + 2 * k + 1])) * s)
                }
                candidates.append(DetectedFace(
                    box: Rectangle(x: cx - w / 2, y: cy - h / 2, width: w, height: h),
                    confidence: score, landmarks: landmarks))
            }
        }
        return Self.nonMaximumSuppression(candidates, iouThreshold: nmsThreshold, limit: maxFaces)
    }

    /// Greedy NMS: keep the most confident box, drop those overlapping it by more than
    /// `iouThreshold`, repeat.
    static func nonMaximumSuppression(_ faces: [DetectedFace], iouThreshold: Double, limit: Int) -> [DetectedFace] {
        let sorted = faces.sorted { $0.confidence > $1.confidence }
        var kept: [DetectedFace] = []
        for face in sorted {
            if kept.count >= limit { break }
            if kept.allSatisfy({ $0.box.intersectionOverUnion(face.box) <= iouThreshold }) {
                kept.append(face)
            }
        }
        return kept
    }
}
