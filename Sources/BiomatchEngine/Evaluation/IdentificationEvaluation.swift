import BiomatchEvaluation
import BiomatchFace
import BiomatchFraming
import BiomatchStore
import Crypto
import Foundation

/// Open-set face identification through the engine (ISO/IEC 19795-1 FPIR and FNIR), as a
/// payment back end runs it: references in an encrypted store, framed and protected
/// probes, the engine's FPIR rule, partitions and ambiguity refusals.
///
/// - **Non-mated searches** (FPIR): the identities are cut into folds; for each fold a
///   store holds every template of the other identities, and every template of the fold's
///   identities is searched — nobody searched has a mate in the gallery.
/// - **Mated searches** (FNIR): in each round one image per identity (the round's index
///   in its sorted list) is held out of a store holding every other template, and searched.
/// - Each search runs over the whole gallery and within a partition: identities are dealt
///   into partitions of at most `partitionSize` references (a mated probe searches its mate's
///   partition, a non-mated one a partition drawn at random).
///
/// A refused search (the FPIR rule cannot be held, or the search is ambiguous) names no
/// subject: it counts as no false positive and as a miss, and the refusals are counted by
/// reason. Tiers are the FPIR targets alone: liveness is evaluated apart (`eval pad`).
public struct IdentificationEvaluation: Sendable, Codable {
    /// What the searches of one condition gave.
    public struct Outcomes: Sendable, Codable, Hashable {
        /// Searches made.
        public var searches = 0
        /// Answers naming the right subject (mated searches only).
        public var correct = 0
        /// Answers naming a subject who is not the searcher: false positives.
        public var wrong = 0
        /// Answers naming nobody.
        public var noMatch = 0
        /// Refusals by engine error code.
        public var refused: [String: Int] = [:]
        /// FPIR (non-mated) or FNIR (mated) with its 95 % Clopper–Pearson interval.
        public var rate: BinomialInterval?
    }

    /// One tier, over the whole gallery or within partitions.
    public struct Condition: Sendable, Codable, Hashable {
        public var tier: String
        public var fpirTarget: String
        public var partitioned: Bool
        public var nonMated = Outcomes()
        public var mated = Outcomes()
    }

    /// Images read and templates extracted (failures are FTA and are not searched).
    public var images: Int
    public var templates: Int
    public var failures: [String]
    public var identities: Int
    /// References per non-mated gallery (smallest and largest over the folds) and per
    /// mated gallery.
    public var nonMatedGallery: ClosedRange<Int>
    public var matedGallery: ClosedRange<Int>
    public var partitionSize: Int
    public var conditions: [Condition]

    /// The labelled images of `../shared/data/face`: one folder per identity under each
    /// dataset folder (celeba, orl, yale), and deepface's images by its derived identities.
    /// Identities are prefixed by their dataset.
    ///
    /// - Throws: A file-system error when `root` cannot be listed.
    public static func faceImages(root: URL) throws -> [LabelledImage] {
        var out: [LabelledImage] = []
        let fm = FileManager.default
        for dataset in (try fm.contentsOfDirectory(atPath: root.path)).sorted() {
            let folder = root.appendingPathComponent(dataset)
            let derived = folder.appendingPathComponent("DERIVED_identities.csv")
            if let text = try? String(contentsOf: derived, encoding: .utf8) {
                for line in text.split(separator: "\n").dropFirst() {
                    let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    guard fields.count == 2 else { continue }
                    out.append(LabelledImage(url: folder.appendingPathComponent(fields[0]), identity: "\(dataset)/\(fields[1])"))
                }
            } else if let images = try? LabelledImage.scan(folder.path) {
                out += images.map { LabelledImage(url: $0.url, identity: "\(dataset)/\($0.identity)") }
            }
        }
        return out.sorted { $0.url.path < $1.url.path }
    }

    /// Runs the evaluation.
    ///
    /// - Parameters:
    ///   - images: labelled images; `templates[i]` is image `i`'s template, nil when none.
    ///   - tiers: the FPIR targets (names and rates) to decide at.
    ///   - folds: non-mated folds; `rounds`: mated rounds.
    ///   - workDirectory: where the throwaway stores go.
    /// - Throws: ``EngineError`` or ``StoreError`` when a store cannot be made.
    public static func run(images: [LabelledImage], templates: [FaceTemplate?], comparator: FaceComparator, tiers: [RiskTier],
                           folds: Int = 10, rounds: Int = 5, partitionSize: Int = 100, seed: UInt64 = 2026,
                           workDirectory: URL, progress: (@Sendable (String) -> Void)? = nil) async throws -> IdentificationEvaluation {
        var samples: [(identity: String, template: FaceTemplate)] = []
        var failures: [String] = []
        for (image, template) in zip(images, templates) {
            if let template { samples.append((image.identity, template)) } else { failures.append(image.url.lastPathComponent) }
        }
        var rng = SeededGenerator(seed: seed)
        let identities = Array(Set(samples.map(\.identity))).sorted().shuffled(using: &rng)
        var conditions: [Condition] = []
        for tier in tiers {
            for partitioned in [false, true] {
                conditions.append(Condition(tier: tier.name, fpirTarget: tier.fmrTarget.key, partitioned: partitioned))
            }
        }
        let configuration = EngineConfiguration(tiers: tiers.map { RiskTier(name: $0.name, maximumAmount: nil, fmrTarget: $0.fmrTarget) })
        var nonMatedSizes: [Int] = [], matedSizes: [Int] = []

        // Non-mated: fold k's identities are searched against a gallery of all the others.
        let foldCount = max(2, min(folds, identities.count))
        for k in 0..<foldCount {
            let held = Set(identities.enumerated().filter { $0.offset % foldCount == k }.map(\.element))
            let gallery = samples.filter { !held.contains($0.identity) }
            let probes = samples.filter { held.contains($0.identity) }
            let run = try await GalleryRun(gallery: gallery, partitionSize: partitionSize, configuration: configuration, comparator: comparator,
                                           directory: workDirectory, rng: &rng)
            nonMatedSizes.append(gallery.count)
            for probe in probes {
                let random = run.partitions.randomElement(using: &rng)
                for c in conditions.indices {
                    let answer = try await run.search(probe.template, tier: conditions[c].tier, partition: conditions[c].partitioned ? random : nil)
                    conditions[c].nonMated.record(answer, searcher: probe.identity)
                }
            }
            run.close()
            progress?("non-mated fold \(k + 1)/\(foldCount): gallery \(gallery.count), \(probes.count) searches")
        }
        // Mated: round r holds out the r-th template of every identity with more than one.
        let byIdentity = Dictionary(grouping: samples.indices, by: { samples[$0].identity })
        for r in 0..<max(1, rounds) {
            var heldOut = Set<Int>()
            for (_, members) in byIdentity where members.count > 1 && r < members.count { heldOut.insert(members[r]) }
            guard !heldOut.isEmpty else { break }
            let gallery = samples.indices.filter { !heldOut.contains($0) }.map { samples[$0] }
            let run = try await GalleryRun(gallery: gallery, partitionSize: partitionSize, configuration: configuration, comparator: comparator,
                                           directory: workDirectory, rng: &rng)
            matedSizes.append(gallery.count)
            for i in heldOut.sorted() {
                let probe = samples[i]
                for c in conditions.indices {
                    let answer = try await run.search(probe.template, tier: conditions[c].tier,
                                                      partition: conditions[c].partitioned ? run.partition(of: probe.identity) : nil)
                    conditions[c].mated.record(answer, searcher: probe.identity)
                }
            }
            run.close()
            progress?("mated round \(r + 1): gallery \(gallery.count), \(heldOut.count) searches")
        }
        for c in conditions.indices {
            let n = conditions[c].nonMated, m = conditions[c].mated
            conditions[c].nonMated.rate = BinomialInterval(errors: n.wrong, trials: n.searches)
            conditions[c].mated.rate = BinomialInterval(errors: m.searches - m.correct, trials: m.searches)
        }
        return IdentificationEvaluation(images: images.count, templates: samples.count, failures: failures, identities: identities.count,
                                        nonMatedGallery: (nonMatedSizes.min() ?? 0)...(nonMatedSizes.max() ?? 0),
                                        matedGallery: (matedSizes.min() ?? 0)...(matedSizes.max() ?? 0),
                                        partitionSize: partitionSize, conditions: conditions)
    }
}

extension IdentificationEvaluation.Outcomes {
    mutating func record(_ answer: Result<Decision, EngineError>, searcher: String) {
        searches += 1
        switch answer {
        case .success(let decision):
            if !decision.isMatch { noMatch += 1 } else if decision.subjectID == searcher { correct += 1 } else { wrong += 1 }
        case .failure(let error):
            refused["\(error.code)", default: 0] += 1
        }
    }
}

/// One throwaway store holding a gallery, with an engine over it and a terminal's keys.
private struct GalleryRun {
    let engine: Engine
    let store: TemplateStore
    let directory: URL
    let keys = (mac: SymmetricKey(size: .bits256), encryption: SymmetricKey(size: .bits256))
    /// The partition of each identity.
    let partitionOf: [String: String]
    var partitions: [String] { Array(Set(partitionOf.values)).sorted() }

    init(gallery: [(identity: String, template: FaceTemplate)], partitionSize: Int, configuration: EngineConfiguration,
         comparator: FaceComparator, directory parent: URL, rng: inout SeededGenerator) async throws {
        directory = parent.appendingPathComponent("identify-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try TemplateStore.create(at: .sqlite(path: directory.appendingPathComponent("store.sqlite").path),
                                         key: .key(KeyEncryptionKey.generate()), actor: "eval-identify")
        // Identities dealt into partitions in random order, each filled up to partitionSize references.
        var partitionOf: [String: String] = [:], filled = 0, index = 0
        let counts = Dictionary(grouping: gallery, by: \.identity).mapValues(\.count)
        for identity in counts.keys.sorted().shuffled(using: &rng) {
            let n = counts[identity] ?? 0
            if filled > 0 && filled + n > partitionSize { index += 1; filled = 0 }
            partitionOf[identity] = "p\(index)"
            filled += n
        }
        self.partitionOf = partitionOf
        let drafts = gallery.map { sample in
            ReferenceDraft(subjectID: sample.identity, modality: .face, modelID: sample.template.modelID,
                           modelVersion: sample.template.modelVersion, quality: sample.template.quality,
                           template: sample.template.serialized(), partition: partitionOf[sample.identity])
        }
        try store.enroll(drafts)
        engine = try Engine(store: store, keys: FramingKeys(macKeys: ["eval/mac": keys.mac], encryptionKeys: ["eval/enc": keys.encryption]),
                            configuration: configuration, faceComparator: comparator)
    }

    func partition(of identity: String) -> String? { partitionOf[identity] }

    func search(_ template: FaceTemplate, tier: String, partition: String?) async throws -> Result<Decision, EngineError> {
        var object = BiometricObject.face(template, purpose: .identify, transaction: .fresh())
        object.header.partition = partition
        let protection = Protection.privacyAndIntegrity(try PrivacyProtection(keyName: "eval/enc", key: keys.encryption),
                                                        .mac(keyName: "eval/mac", key: keys.mac))
        let message = try BiometricMessage.seal([object], protection: protection).derEncoded()
        do {
            return .success(try await engine.identify(message, tier: tier))
        } catch let error as EngineError {
            return .failure(error)
        }
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

/// SplitMix64: a seeded generator, so folds and partitions are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
