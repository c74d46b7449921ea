import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness

/// A template carried inside a biometric object, decoded by the format its header announces.
public enum ProbeTemplate: Sendable {
    /// A Biomatch face template (`Docs/face-template-format.md`).
    case face(FaceTemplate)
    /// An ISO/IEC 19794-2 finger view: the template and its finger position.
    case finger(FingerprintTemplate, position: Int, record: [UInt8])

    /// `face` or `finger`.
    public var modality: String {
        switch self {
        case .face: return "face"
        case .finger: return "finger"
        }
    }

    /// The templates of a request's objects; landmark tracks (which answer a challenge and
    /// are no template) are left out.
    ///
    /// - Throws: as ``decode(_:)``.
    public static func decodeAll(_ objects: [BiometricObject]) throws -> [ProbeTemplate] {
        try objects.filter { $0.header.format != .biomatchLandmarkTrack }.flatMap { try decode($0) }
    }

    /// Decodes an object's data by its announced format.
    ///
    /// - Throws: ``EngineError`` `unsupportedObject` for a format the engine does not read,
    ///   `invalidTemplate` for data that is not a valid instance of its format.
    public static func decode(_ object: BiometricObject) throws -> [ProbeTemplate] {
        guard let format = object.header.format else {
            throw EngineError(.unsupportedObject, "the object's header announces no format (CBEFF owner/type)")
        }
        switch format {
        case .biomatchFaceTemplate:
            do {
                return [.face(try FaceTemplate(serialized: object.data))]
            } catch {
                throw EngineError(.invalidTemplate, "the face template is invalid: \(error)")
            }
        case .isoFingerMinutiae:
            do {
                let record = try FingerMinutiaeRecord(bytes: object.data)
                guard record.format == .iso19794_2_2005 else {
                    throw EngineError(.invalidTemplate, "the header announces ISO/IEC 19794-2 but the data is an \(record.format) record")
                }
                return try record.views.indices.map { i in
                    .finger(try FingerprintTemplate(record: record, view: i), position: Int(record.views[i].position), record: object.data)
                }
            } catch let error as EngineError {
                throw error
            } catch {
                throw EngineError(.invalidTemplate, "the ISO/IEC 19794-2 record is invalid: \(error)")
            }
        default:
            throw EngineError(.unsupportedObject, "format \(format.owner)/\(format.type.map(String.init) ?? "-") is not one the engine reads (Biomatch face template 0xFFFE/1, ISO/IEC 19794-2 257/2)")
        }
    }
}

extension BiometricObject {
    /// A face template framed for `purpose`.
    ///
    /// `liveness`: the presentation-attack scores of the capture, carried in the header
    /// (inside the message's integrity protection).
    public static func face(_ template: FaceTemplate, purpose: BiometricPurpose, validity: BiometricValidity? = nil,
                            transaction: BiometricTransaction? = nil, liveness: [LivenessScore]? = nil) -> BiometricObject {
        BiometricObject(header: BiometricHeader(dataType: .processed, purpose: purpose, quality: template.quality, validity: validity,
                                                format: .biomatchFaceTemplate, transaction: transaction,
                                                presentationAttackScores: liveness.map(padScores)),
                        data: template.serialized())
    }

    /// A finger template framed as an ISO/IEC 19794-2 record for `purpose`.
    public static func finger(_ template: FingerprintTemplate, position: FingerPosition, purpose: BiometricPurpose,
                              validity: BiometricValidity? = nil, transaction: BiometricTransaction? = nil,
                              liveness: [LivenessScore]? = nil) throws -> BiometricObject {
        let record: [UInt8]
        do {
            record = try template.record(format: .iso19794_2_2005, position: position).encoded()
        } catch {
            throw EngineError(.invalidTemplate, "the finger template cannot be written as ISO/IEC 19794-2: \(error)")
        }
        return BiometricObject(header: BiometricHeader(dataType: .processed, purpose: purpose, quality: template.quality, validity: validity,
                                                       format: .isoFingerMinutiae, transaction: transaction,
                                                       presentationAttackScores: liveness.map(padScores)),
                               data: record)
    }

    /// Liveness scores as header entries (scores clamped to 0…1; the wire carries 1/10,000).
    static func padScores(_ scores: [LivenessScore]) -> [BiometricPADScore] {
        scores.map { BiometricPADScore(check: $0.check.rawValue, score: $0.score.isFinite ? min(1, max(0, $0.score)) : 0) }
    }
}
