import BiomatchEvaluation
import BiomatchFace
import BiomatchFingerprint
import BiomatchKernels
import Foundation

/// Face + finger fusion on virtual subjects (ISO/IEC 19795-1 figures per modality and fused).
///
/// No public set has faces and fingerprints of the same people, so subjects are made by
/// pairing: the *i*-th face identity (identities sorted by folder name) with the *i*-th
/// finger (FVC sets sorted by folder, fingers by number), and the *k*-th face image (sorted
/// by file name) with the *k*-th impression. The two modalities of a virtual subject are
/// independent by construction, which is what Fisher fusion assumes and what real
/// face/finger pairs approximate. Every pair of samples is compared: genuine when both are
/// of one subject, impostor otherwise. A sample that yields no template scores below every
/// threshold in its modality and contributes no evidence to the fused score.
public struct FusionEvaluation: Sendable {
    /// One virtual subject.
    public struct Subject: Sendable, Codable, Hashable {
        /// The face identity (folder name).
        public var face: String
        /// The finger: FVC set and finger number.
        public var finger: String
    }

    /// The subjects, in pairing order.
    public let subjects: [Subject]
    /// Samples per subject.
    public let samplesPerSubject: Int
    /// Face comparisons.
    public let face: VerificationErrorRates
    /// Finger comparisons.
    public let finger: VerificationErrorRates
    /// Fused scores (−log10 of the combined FMR).
    public let fused: VerificationErrorRates
    /// Face images that gave no template.
    public let faceFailures: [String]
    /// Finger images that gave no template.
    public let fingerFailures: [String]

    /// Runs the evaluation.
    ///
    /// - Parameters:
    ///   - faceImages: labelled face images (identity = folder).
    ///   - fingerSets: FVC-named sets.
    ///   - samples: samples per subject (FVC has 8 impressions per finger).
    ///   - faceNormalizer, fingerNormalizer: the matchers' calibrations as normalizers.
    /// - Throws: ``EvaluationError`` when fewer than two subjects can be paired.
    public static func run(faceImages: [LabelledImage], fingerSets: [FVCDataset], pipeline: FacePipeline,
                           faceNormalizer: ScoreNormalizer, fingerNormalizer: ScoreNormalizer, samples: Int = 8) throws -> FusionEvaluation {
        let faceIdentities = Dictionary(grouping: faceImages, by: \.identity)
            .mapValues { $0.sorted { $0.url.lastPathComponent.localizedStandardCompare($1.url.lastPathComponent) == .orderedAscending } }
            .filter { $0.value.count >= samples }
            .sorted { $0.key.localizedStandardCompare($1.key) == .orderedAscending }
        var fingers: [(name: String, set: FVCDataset, items: [FVCDataset.Item])] = []
        for set in fingerSets.sorted(by: { $0.directory.lastPathComponent < $1.directory.lastPathComponent }) {
            for (finger, items) in Dictionary(grouping: set.items, by: \.finger).sorted(by: { $0.key < $1.key }) where items.count >= samples {
                fingers.append(("\(set.directory.lastPathComponent)/\(finger)", set, items.sorted { $0.impression < $1.impression }))
            }
        }
        let n = min(faceIdentities.count, fingers.count)
        guard n >= 2 else {
            throw EvaluationError("fusion needs at least two face identities and two fingers with \(samples) samples each; found \(faceIdentities.count) and \(fingers.count)")
        }
        let subjects = (0..<n).map { Subject(face: faceIdentities[$0].key, finger: fingers[$0].name) }

        // Faces: subject-major, sample-minor.
        let faceList = (0..<n).flatMap { i in faceIdentities[i].value.prefix(samples) }
        let faceOutcomes = FaceEvaluation.extract(images: Array(faceList), pipeline: pipeline)
        let faceTemplates: [FaceTemplate?] = faceOutcomes.map { try? $0.get() }
        let faceFailures = zip(faceList, faceOutcomes).compactMap { image, outcome in
            if case .failure(let e) = outcome { "\(image.url.lastPathComponent): \(e)" } else { nil }
        }

        // Fingers: extracted set by set, at each set's resolution.
        let matcher = FingerprintMatcher()
        var fingerTemplates: [FingerprintTemplate?] = []
        var fingerFailures: [String] = []
        for i in 0..<n {
            let chosen = Array(fingers[i].items.prefix(samples))
            let keep = Set(chosen)
            let subset = fingers[i].set.subset { keep.contains($0) }
            for (item, extraction) in zip(chosen, FingerprintEvaluation.extract(subset)) {
                fingerTemplates.append(extraction.template)
                if let failure = extraction.failure { fingerFailures.append("\(fingers[i].name)_\(item.impression): \(failure)") }
            }
        }
        let prepared = matcher.prepare(fingerTemplates.map { $0 ?? FingerprintTemplate(width: 1, height: 1, dpi: 500, quality: 0, minutiae: []) })

        var faceG: [Float] = [], faceI: [Float] = [], fingerG: [Float] = [], fingerI: [Float] = [], fusedG: [Float] = [], fusedI: [Float] = []
        let total = n * samples
        var scratch = FingerprintMatcher.Scratch()
        for a in 0..<total {
            for b in (a + 1)..<max(a + 1, total) {
                let faceScore: Float
                if let x = faceTemplates[a], let y = faceTemplates[b] {
                    faceScore = VectorSimilarity.dot(x.values, y.values)
                } else {
                    faceScore = -2
                }
                let fingerScore: Float = fingerTemplates[a] != nil && fingerTemplates[b] != nil
                    ? Float(matcher.similarity(prepared[a], prepared[b], scratch: &scratch)) : -1
                let fused = Float(ScoreFusion.fusedEvidence([faceNormalizer.evidence(Double(faceScore)), fingerNormalizer.evidence(Double(fingerScore))]))
                if a / samples == b / samples {
                    faceG.append(faceScore); fingerG.append(fingerScore); fusedG.append(fused)
                } else {
                    faceI.append(faceScore); fingerI.append(fingerScore); fusedI.append(fused)
                }
            }
        }
        return FusionEvaluation(subjects: subjects, samplesPerSubject: samples,
                                face: VerificationErrorRates(genuine: faceG, impostor: faceI),
                                finger: VerificationErrorRates(genuine: fingerG, impostor: fingerI),
                                fused: VerificationErrorRates(genuine: fusedG, impostor: fusedI),
                                faceFailures: faceFailures, fingerFailures: fingerFailures)
    }
}
