/// A point in image pixel coordinates.
public struct Point: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// An axis-aligned rectangle in image pixel coordinates.
public struct Rectangle: Sendable, Hashable, Codable {
    public var x: Double
    public var y: Double
    public var width: Double
    public var height: Double
    public init(x: Double, y: Double, width: Double, height: Double) {
        self.x = x; self.y = y; self.width = width; self.height = height
    }
    public var area: Double { max(0, width) * max(0, height) }
    public var center: Point { Point(x: x + width / 2, y: y + height / 2) }

    /// Intersection over union with `other`, in [0, 1].
    public func intersectionOverUnion(_ other: Rectangle) -> Double {
        let x0 = max(x, other.x), y0 = max(y, other.y)
        let x1 = min(x + width, other.x + other.width), y1 = min(y + height, other.y + other.height)
        let intersection = max(0, x1 - x0) * max(0, y1 - y0)
        let union = area + other.area - intersection
        return union > 0 ? intersection / union : 0
    }
}

/// One face found by the detector: box, confidence and the five landmarks.
public struct DetectedFace: Sendable, Hashable, Codable {
    /// The face box.
    public var box: Rectangle
    /// Detector confidence in [0, 1].
    public var confidence: Double
    /// Landmarks in YuNet's order: the subject's right eye (image left), left eye, nose
    /// tip, right mouth corner, left mouth corner.
    public var landmarks: [Point]

    public init(box: Rectangle, confidence: Double, landmarks: [Point]) {
        self.box = box
        self.confidence = confidence
        self.landmarks = landmarks
    }
}
