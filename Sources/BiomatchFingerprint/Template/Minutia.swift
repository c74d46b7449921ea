/// A minutia as Biomatch's matcher sees it.
///
/// Coordinates are in the source image's pixels; `direction` is in radians, measured
/// from the x axis towards the y axis of the image (y points down), in `[0, 2π)`. For a
/// ridge ending it points from the ridge towards its end; for a bifurcation, from the
/// stem into the fork. Record angles (counter-clockwise on screen) are converted at the
/// record boundary.
public struct Minutia: Sendable, Hashable {
    /// Ridge ending, bifurcation or other.
    public enum Kind: UInt8, Sendable, Hashable {
        case other = 0, ridgeEnding = 1, bifurcation = 2
    }

    /// Column in source pixels.
    public var x: Float
    /// Row in source pixels.
    public var y: Float
    /// Direction in radians, `[0, 2π)`, image axes.
    public var direction: Float
    /// Ending or bifurcation.
    public var kind: Kind
    /// Reliability 0–100.
    public var quality: UInt8

    /// Creates a minutia.
    public init(x: Float, y: Float, direction: Float, kind: Kind, quality: UInt8) {
        self.x = x
        self.y = y
        self.direction = direction
        self.kind = kind
        self.quality = quality
    }
}
