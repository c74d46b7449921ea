/// The error the liveness checks report for input they cannot score.
public struct LivenessError: Error, Sendable, CustomStringConvertible {
    /// What is wrong with the input, for an operator.
    public let message: String
    /// An error.
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
