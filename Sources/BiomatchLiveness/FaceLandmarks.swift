/// A point in image coordinates (pixels, y down).
public struct ImagePoint: Sendable, Hashable, Codable {
    /// Horizontal position.
    public var x: Double
    /// Vertical position.
    public var y: Double
    /// A point.
    public init(x: Double, y: Double) { self.x = x; self.y = y }
}

/// The five landmarks of one video frame (YuNet's order: right eye, left eye, nose tip,
/// right and left mouth corners, as seen in the image) and when it was taken.
public struct LandmarkFrame: Sendable, Hashable, Codable {
    /// Seconds since the challenge was issued.
    public var time: Double
    /// Right eye, left eye, nose tip, right mouth corner, left mouth corner.
    public var points: [ImagePoint]

    /// A frame; `points` must hold five landmarks.
    public init(time: Double, points: [ImagePoint]) {
        self.time = time
        self.points = points
    }

    var eyeMidpoint: ImagePoint { ImagePoint(x: (points[0].x + points[1].x) / 2, y: (points[0].y + points[1].y) / 2) }
    var mouthMidpoint: ImagePoint { ImagePoint(x: (points[3].x + points[4].x) / 2, y: (points[3].y + points[4].y) / 2) }
    var interOcular: Double { ((points[0].x - points[1].x) * (points[0].x - points[1].x) + (points[0].y - points[1].y) * (points[0].y - points[1].y)).squareRoot() }

    /// Head yaw cue: the nose tip's offset from the eye–mouth midline, over the eye distance
    /// (positive when the nose moves towards image +x).
    var yawCue: Double {
        let midX = (eyeMidpoint.x + mouthMidpoint.x) / 2
        return (points[2].x - midX) / max(interOcular, 1e-9)
    }

    /// Head pitch cue: where the nose tip sits between the eye line (0) and the mouth line (1).
    var pitchCue: Double {
        let span = mouthMidpoint.y - eyeMidpoint.y
        return (points[2].y - eyeMidpoint.y) / (abs(span) > 1e-9 ? span : 1e-9)
    }
}
