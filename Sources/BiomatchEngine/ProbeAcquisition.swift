import BiomatchFace
import BiomatchFingerprint
import BiomatchFraming
import BiomatchLiveness

/// What the engine made of a request's samples: the templates it compares, and the
/// presentation-attack scores it computed itself on the captures the request carried.
struct AcquiredSamples {
    /// Templates carried as such, or extracted by the engine from captures.
    var templates: [ProbeTemplate] = []
    /// Scores the engine computed on captures: the only ones that can meet a tier's
    /// liveness requirement.
    var engineScores: [LivenessScore] = []

    /// The modalities of the templates.
    var modalities: Set<String> { Set(templates.map(\.modality)) }
}

extension Engine {
    /// Most fingers one probe may carry.
    static let maximumProbeFingers = 10
    /// Largest capture the engine decodes from a face image record (a 1080p frame is 2 MP).
    static let captureLimits: DecodedImage.Limits = {
        var limits = DecodedImage.Limits()
        limits.maxPixels = 8_000_000
        return limits
    }()

    /// Reads every sample of a request: templates as they are, captures (ISO/IEC 19794-5
    /// face and 19794-4 finger image records) by extracting the template on the engine and
    /// running the presentation-attack checks in `checks` on the capture itself.
    ///
    /// A probe (verify, identify) carries at most one face and at most ten fingers, each
    /// object one view, no finger position twice: evidence is counted once.
    ///
    /// - Throws: ``EngineError`` `unsupportedObject`, `invalidTemplate`, `captureFailed`,
    ///   `duplicateFinger`, `unsupportedOperation` (no face pipeline for a face capture).
    func acquire(_ objects: [BiometricObject], for operation: Operation, checks: Set<LivenessCheck>) throws -> AcquiredSamples {
        let samples = objects.filter { $0.header.format != .biomatchLandmarkTrack }
        guard !samples.isEmpty else { throw EngineError(.unsupportedObject, "the request carries no face or finger sample") }
        var acquired = AcquiredSamples()
        for (i, object) in samples.enumerated() {
            switch object.header.format {
            case .isoFaceImage?:
                try acquireFace(object.data, index: i + 1, runPAD: checks.contains(.passiveFace), into: &acquired)
            case .isoFingerImage?:
                try acquireFinger(object.data, index: i + 1, runPAD: checks.contains(.fingerprint), into: &acquired)
            default:
                let templates = try ProbeTemplate.decode(object)
                if operation.isProbe && templates.count > 1 {
                    throw EngineError(.unsupportedObject, "object \(i + 1) holds \(templates.count) finger views; a probe carries one view per object")
                }
                acquired.templates += templates
            }
        }
        if operation.isProbe { try Self.checkComposition(acquired.templates) }
        return acquired
    }

    /// A probe's composition: one face at most, ten fingers at most, each position once.
    static func checkComposition(_ templates: [ProbeTemplate]) throws {
        let faces = templates.filter { $0.modality == "face" }.count
        guard faces <= 1 else {
            throw EngineError(.unsupportedObject, "a probe carries at most one face (as a template or as a capture), not \(faces)")
        }
        let positions = templates.compactMap { if case .finger(_, let p, _) = $0 { p } else { nil } }
        guard positions.count <= maximumProbeFingers else {
            throw EngineError(.unsupportedObject, "a probe carries at most \(maximumProbeFingers) fingers, not \(positions.count)")
        }
        var seen = Set<Int>()
        for p in positions where !seen.insert(p).inserted {
            throw EngineError(.duplicateFinger, "the probe names finger position \(p)\(p == 0 ? " (unknown)" : "") twice; each finger is presented once")
        }
    }

    private func acquireFace(_ data: [UInt8], index: Int, runPAD: Bool, into acquired: inout AcquiredSamples) throws {
        guard let pipeline = facePipeline else {
            throw EngineError(.unsupportedOperation, "this engine has no face pipeline configured, so it cannot read the face capture of object \(index)")
        }
        let image: DecodedImage
        let capture: FaceCapture
        do {
            image = try FaceImageRecord(bytes: data).decodedImage(limits: Self.captureLimits)
        } catch {
            throw EngineError(.invalidTemplate, "object \(index): \(error)")
        }
        do {
            capture = try pipeline.capture(in: image, name: "object \(index)")
        } catch {
            throw EngineError(.captureFailed, "object \(index): no usable face in the capture: \(error)")
        }
        acquired.templates.append(.face(capture.template))
        if runPAD, let assessor = livenessAssessor {
            do {
                if let score = try assessor.passiveScore(image, face: capture.face) { acquired.engineScores.append(score) }
            } catch {
                throw EngineError(.captureFailed, "object \(index): the capture's liveness could not be scored: \(error)")
            }
        }
    }

    private func acquireFinger(_ data: [UInt8], index: Int, runPAD: Bool, into acquired: inout AcquiredSamples) throws {
        let record: FingerImageRecord
        let template: FingerprintTemplate
        let encoded: [UInt8]
        do {
            record = try FingerImageRecord(bytes: data)
        } catch {
            throw EngineError(.invalidTemplate, "object \(index): the ISO/IEC 19794-4 record is invalid: \(error)")
        }
        guard let position = FingerPosition(rawValue: record.position) else {
            throw EngineError(.invalidTemplate, "object \(index): finger position \(record.position) is not 0–10")
        }
        do {
            template = try fingerExtractor.extract(try record.fingerprintImage())
            encoded = try template.record(format: .iso19794_2_2005, position: position).encoded()
        } catch {
            throw EngineError(.captureFailed, "object \(index): no usable fingerprint in the capture: \(error)")
        }
        acquired.templates.append(.finger(template, position: Int(record.position), record: encoded))
        if runPAD, let assessor = livenessAssessor, assessor.fingerprint != nil {
            do {
                let image = try DecodedImage(bytes: record.imageFileBytes, name: "object \(index)", limits: Self.captureLimits)
                acquired.engineScores.append(try assessor.fingerprintScore(image))
            } catch {
                throw EngineError(.captureFailed, "object \(index): the finger capture's liveness could not be scored: \(error)")
            }
        }
    }
}
