import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness

/// A template carried inside a biometric object, decoded by the format its header announces.
public enum ProbeTemplate: Sendable {
    /// A Biomatch face template (`Docs/face-template-format.md`).
    case face(FaceTemplate)
    /// An ISO/IEC 19794-2 finger view: the template, its finger position and a record
    /// holding that view alone (what a reference stores).
    case finger(FingerprintTemplate, position: Int, record: [UInt8])

    /// `face` or `finger`.
    public var modality: String {
        switch self {
        case .face: return "face"
        case .finger: return "finger"
        }
    }

    /// Decodes an object's templates by its announced format: a face template, or each view
    /// of an ISO/IEC 19794-2 record as its own single-view record (so a multi-view record
    /// enrolls one reference per view, at that view's position). Captures (image records)
    /// are not templates: the engine extracts those itself.
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
                    var single = record
                    single.views = [record.views[i]]
                    let bytes = record.views.count == 1 ? object.data : try single.encoded()
                    return .finger(try FingerprintTemplate(record: record, view: i), position: Int(record.views[i].position), record: bytes)
                }
            } catch let error as EngineError {
                throw error
            } catch {
                throw EngineError(.invalidTemplate, "the ISO/IEC 19794-2 record is invalid: \(error)")
            }
        default:
            throw EngineError(.unsupportedObject, "format \(format.owner)/\(format.type.map(String.init) ?? "-") is not one the engine reads (Biomatch face template 0xFFFE/1, ISO/IEC 19794-2 257/2, ISO/IEC 19794-4 257/7, ISO/IEC 19794-5 257/8)")
        }
    }
}

extension BiometricObject {
    /// A face template framed for `purpose`.
    ///
    /// `liveness`: the terminal's presentation-attack scores of the capture, carried in the
    /// header (inside the message's integrity protection); the engine treats them as advisory.
    /// `payment`: the payment the probe authorises, bound as its digest.
    public static func face(_ template: FaceTemplate, purpose: BiometricPurpose, validity: BiometricValidity? = nil,
                            transaction: BiometricTransaction? = nil, liveness: [LivenessScore]? = nil,
                            payment: PaymentContext? = nil) -> BiometricObject {
        BiometricObject(header: BiometricHeader(dataType: .processed, purpose: purpose, quality: template.quality, validity: validity,
                                                format: .biomatchFaceTemplate, transaction: transaction,
                                                presentationAttackScores: liveness.map(padScores), paymentDigest: payment?.digest),
                        data: template.serialized())
    }

    /// A face capture framed as an ISO/IEC 19794-5 face image record for `purpose`: the engine
    /// extracts the template and runs passive PAD on it itself.
    public static func faceImage(_ record: FaceImageRecord, purpose: BiometricPurpose, quality: Int? = nil,
                                 validity: BiometricValidity? = nil, transaction: BiometricTransaction? = nil,
                                 liveness: [LivenessScore]? = nil, payment: PaymentContext? = nil) -> BiometricObject {
        BiometricObject(header: BiometricHeader(dataType: .raw, purpose: purpose, quality: quality, validity: validity,
                                                format: .isoFaceImage, transaction: transaction,
                                                presentationAttackScores: liveness.map(padScores), paymentDigest: payment?.digest),
                        data: record.encoded())
    }

    /// A finger template framed as an ISO/IEC 19794-2 record for `purpose`.
    ///
    /// - Throws: ``EngineError`` `invalidTemplate` when the template cannot be written as an ISO/IEC 19794-2 record.
    public static func finger(_ template: FingerprintTemplate, position: FingerPosition, purpose: BiometricPurpose,
                              validity: BiometricValidity? = nil, transaction: BiometricTransaction? = nil,
                              liveness: [LivenessScore]? = nil, payment: PaymentContext? = nil) throws -> BiometricObject {
        let record: [UInt8]
        do {
            record = try template.record(format: .iso19794_2_2005, position: position).encoded()
        } catch {
            throw EngineError(.invalidTemplate, "the finger template cannot be written as ISO/IEC 19794-2: \(error)")
        }
        return BiometricObject(header: BiometricHeader(dataType: .processed, purpose: purpose, quality: template.quality, validity: validity,
                                                       format: .isoFingerMinutiae, transaction: transaction,
                                                       presentationAttackScores: liveness.map(padScores), paymentDigest: payment?.digest),
                               data: record)
    }

    /// A finger capture framed as an ISO/IEC 19794-4 finger image record for `purpose`: the
    /// engine extracts the minutiae and runs fingerprint PAD on it itself.
    public static func fingerImage(_ record: FingerImageRecord, purpose: BiometricPurpose, validity: BiometricValidity? = nil,
                                   transaction: BiometricTransaction? = nil, liveness: [LivenessScore]? = nil,
                                   payment: PaymentContext? = nil) -> BiometricObject {
        BiometricObject(header: BiometricHeader(dataType: .raw, purpose: purpose, validity: validity, format: .isoFingerImage,
                                                transaction: transaction, presentationAttackScores: liveness.map(padScores),
                                                paymentDigest: payment?.digest),
                        data: record.encoded())
    }

    /// Liveness scores as header entries (scores clamped to 0…1; the wire carries 1/10,000).
    static func padScores(_ scores: [LivenessScore]) -> [BiometricPADScore] {
        scores.map { BiometricPADScore(check: $0.check.rawValue, score: $0.score.isFinite ? min(1, max(0, $0.score)) : 0) }
    }
}
