/// The error every throwing API of BiomatchFace reports.
///
/// Match on the code: `catch FaceError.Code.noFace { … }`. The message says what happened
/// and what to do; it names the input (a file name or "bytes") but never contains
/// pixel data or template values.
public struct FaceError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is. New codes may be added; switch with a default.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        fileprivate enum Kind: String {
            case unreadableInput, emptyInput, unsupportedFormat, corruptImage, imageTooLarge, imageTooSmall
            case noFace, qualityTooLow
            case modelMissing, modelIntegrity, modelLoad, inference
            case invalidTemplate, incompatibleTemplates, uncalibratedTarget, invalidRecord
        }
        fileprivate let kind: Kind
        public var description: String { kind.rawValue }

        /// The file could not be read.
        public static let unreadableInput = Code(kind: .unreadableInput)
        /// The input has no bytes.
        public static let emptyInput = Code(kind: .emptyInput)
        /// The bytes are not one of the supported image formats.
        public static let unsupportedFormat = Code(kind: .unsupportedFormat)
        /// The image header or data is damaged or truncated.
        public static let corruptImage = Code(kind: .corruptImage)
        /// The image is larger than the configured pixel limit.
        public static let imageTooLarge = Code(kind: .imageTooLarge)
        /// The image is too small to hold a face.
        public static let imageTooSmall = Code(kind: .imageTooSmall)
        /// No face was found (a failure to acquire).
        public static let noFace = Code(kind: .noFace)
        /// The capture is below the enrollment quality floor (a failure to enroll).
        public static let qualityTooLow = Code(kind: .qualityTooLow)
        /// A model file named by the manifest is absent.
        public static let modelMissing = Code(kind: .modelMissing)
        /// A model file's sha256 differs from the manifest's.
        public static let modelIntegrity = Code(kind: .modelIntegrity)
        /// OpenCV could not load a model.
        public static let modelLoad = Code(kind: .modelLoad)
        /// A network forward pass failed or returned an unexpected shape.
        public static let inference = Code(kind: .inference)
        /// Serialized template bytes are truncated, of an unknown version or inconsistent.
        public static let invalidTemplate = Code(kind: .invalidTemplate)
        /// Two templates from different models or dimensions were compared.
        public static let incompatibleTemplates = Code(kind: .incompatibleTemplates)
        /// No threshold is calibrated for the requested FMR target.
        public static let uncalibratedTarget = Code(kind: .uncalibratedTarget)
        /// The bytes are not a valid ISO/IEC 19794-5 face image record (or one Biomatch does
        /// not take: several images, JPEG 2000).
        public static let invalidRecord = Code(kind: .invalidRecord)

        /// Lets `catch FaceError.Code.noFace` match a thrown ``FaceError`` by code.
        public static func ~= (code: Code, error: any Error) -> Bool {
            (error as? FaceError)?.code == code
        }
    }

    /// The failure's code.
    public let code: Code
    /// What happened and what to do, for an operator.
    public let message: String
    /// Quality reasons, for ``Code/qualityTooLow``.
    public let qualityReasons: [QualityReason]

    public var description: String { "\(code): \(message)" }

    init(_ code: Code, _ message: String, qualityReasons: [QualityReason] = []) {
        self.code = code
        self.message = message
        self.qualityReasons = qualityReasons
    }
}
