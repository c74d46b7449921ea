/// An evaluation or calibration input that cannot be used, with what to fix.
public struct EvaluationError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    /// An error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
