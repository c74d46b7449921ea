import ArgumentParser
import BiomatchEvaluation
import BiomatchFingerprint
import Foundation

extension EvalCommand {
    struct Altered: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "finger-altered",
            abstract: "SOCOFing altered prints against their real mates: genuine scores and FNMR per alteration type and level.",
            discussion: "Reads DIR/manifest.csv (png_path,subject_id,gender,hand,finger,alteration,level). Genuine: each altered print against the real print of the same finger. The FMR 1e-3 threshold comes from impostor pairs of real prints of different fingers of the subjects that have altered prints. SOCOFing states no resolution and its prints were resampled small after capture, so unless --dpi is given the resolution is estimated as the median over the real prints of MinutiaeExtractor.estimatedResolution (each print measured at 500 dpi), held within the supported range.")

        @Option(help: "SOCOFing folder (with manifest.csv, Real/ and Altered/).") var dataset: String
        @Option(help: "Resolution in dpi (default: estimated from the real prints' ridge period).") var dpi: Int?
        @Flag(help: "Print JSON.") var json = false

        struct Row { let path: String; let key: String; let subject: Int; let alteration: String; let level: String }

        func run() throws {
            let root = URL(fileURLWithPath: dataset)
            guard let text = try? String(contentsOf: root.appendingPathComponent("manifest.csv"), encoding: .utf8) else {
                printError("cannot read \(dataset)/manifest.csv")
                throw ExitCode(2)
            }
            var rows: [Row] = []
            for line in text.split(whereSeparator: \.isNewline).dropFirst() {  // CRLF is one Character
                let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
                guard f.count >= 7, let subject = Int(f[1]) else { continue }
                rows.append(Row(path: f[0], key: "\(f[1])_\(f[3])_\(f[4])", subject: subject, alteration: f[5], level: f[6]))
            }
            let altered = rows.filter { !$0.alteration.isEmpty }
            let subjects = Set(altered.map(\.subject))
            let real = rows.filter { $0.alteration.isEmpty && subjects.contains($0.subject) }
            let all = real + altered
            let extractor = MinutiaeExtractor(), matcher = FingerprintMatcher()
            let dpi: Int
            if let given = self.dpi {
                // Checked once here: an unsupported value would otherwise fail every image
                // quietly and be reported as a 100 % failure to acquire.
                let range = FingerprintImage.dpiRange
                guard range.contains(given) else {
                    printError("--dpi \(given) is outside the supported \(range.lowerBound)–\(range.upperBound) dpi")
                    throw ExitCode(2)
                }
                dpi = given
            } else {
                let estimates = real.compactMap { row -> Double? in
                    guard let image = try? FingerprintImage(contentsOf: root.appendingPathComponent(row.path), dpi: 500) else { return nil }
                    return try? extractor.estimatedResolution(of: image)
                }.sorted()
                guard !estimates.isEmpty else {
                    printError("cannot estimate the resolution: no real print has a measurable ridge period; pass --dpi")
                    throw ExitCode(2)
                }
                let range = FingerprintImage.dpiRange
                dpi = min(range.upperBound, max(range.lowerBound, Int(estimates[estimates.count / 2].rounded())))
                FileHandle.standardError.write(Data(String(format: "biomatch: resolution %d dpi, estimated from the median ridge period of %d real prints (--dpi sets it)\n",
                                                           dpi, estimates.count).utf8))
            }
            // Extraction failures stay nil (counted as FTE), so extract here and prepare per item.
            let templates = all.map { row -> FingerprintTemplate? in
                guard let image = try? FingerprintImage(contentsOf: root.appendingPathComponent(row.path), dpi: dpi) else { return nil }
                return try? extractor.extract(image)
            }
            let prepared: [PreparedFingerprint?] = templates.map { $0.map(matcher.prepare) }
            let realIndex = Dictionary(uniqueKeysWithValues: real.indices.map { (real[$0].key, $0) })
            var impostor: [Float] = []
            var scratch = FingerprintMatcher.Scratch()
            for i in real.indices {
                for j in (i + 1)..<real.count {
                    // A failure to acquire scores the floor of the 0–1 similarity: a non-match
                    // (and a finite number, so percentiles and the JSON report stay valid).
                    guard let a = prepared[i], let b = prepared[j] else { impostor.append(0); continue }
                    impostor.append(Float(matcher.similarity(a, b, scratch: &scratch)))
                }
            }
            let threshold = VerificationErrorRates(genuine: [0], impostor: impostor).threshold(for: .oneInThousand)
            var groups: [String: [Float]] = [:]
            var failures: [String: Int] = [:]
            for (offset, row) in altered.enumerated() {
                let group = "\(row.alteration)/\(row.level)"
                let p = prepared[real.count + offset]
                guard let p, let mate = realIndex[row.key], let m = prepared[mate] else {
                    failures[group, default: 0] += 1
                    groups[group, default: []].append(0)
                    continue
                }
                groups[group, default: []].append(Float(matcher.similarity(m, p, scratch: &scratch)))
            }
            var report = AlteredReport(dpi: dpi, dpiEstimated: self.dpi == nil, realPrints: real.count, realFTE: real.indices.filter { prepared[$0] == nil }.count,
                                       impostorPairs: impostor.count, thresholdAtFMR1e3: Double(threshold), groups: [])
            for key in groups.keys.sorted() {
                let scores = groups[key] ?? []
                let sorted = scores.sorted()
                func pct(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(p * Double(sorted.count)))]) }
                report.groups.append(.init(group: key, pairs: scores.count, fte: failures[key] ?? 0,
                                           genuineP10: pct(0.1), genuineP50: pct(0.5), genuineP90: pct(0.9),
                                           fnmrAtFMR1e3: Double(scores.filter { $0 < threshold }.count) / Double(max(1, scores.count))))
            }
            if json {
                try printJSON(report)
            } else {
                print(String(format: "resolution %d dpi%@, real prints %d (FTE %d), impostor pairs %d, threshold at FMR 1e-3 %.4f",
                             report.dpi, report.dpiEstimated ? " (estimated)" : "", report.realPrints, report.realFTE, report.impostorPairs, report.thresholdAtFMR1e3))
                print("alteration/level   pairs  FTE  genuine p10    p50    p90   FNMR@1e-3")
                for g in report.groups {
                    print(String(format: "%@ %6d %4d       %.4f %.4f %.4f   %.4f", g.group.padding(toLength: 16, withPad: " ", startingAt: 0), g.pairs, g.fte,
                                 g.genuineP10, g.genuineP50, g.genuineP90, g.fnmrAtFMR1e3))
                }
            }
        }
    }
}

/// The JSON of `biomatch eval finger-altered`.
struct AlteredReport: Encodable {
    struct Group: Encodable {
        var group: String, pairs: Int, fte: Int
        var genuineP10: Double, genuineP50: Double, genuineP90: Double, fnmrAtFMR1e3: Double
        enum CodingKeys: String, CodingKey {
            case group, pairs, fte, genuineP10 = "genuine_p10", genuineP50 = "genuine_p50", genuineP90 = "genuine_p90"
            case fnmrAtFMR1e3 = "fnmr_at_fmr_1e-3"
        }
    }
    var dpi: Int, dpiEstimated: Bool
    var realPrints: Int, realFTE: Int, impostorPairs: Int, thresholdAtFMR1e3: Double
    var groups: [Group]
    enum CodingKeys: String, CodingKey {
        case dpi, dpiEstimated = "dpi_estimated"
        case realPrints = "real_prints", realFTE = "real_fte", impostorPairs = "impostor_pairs"
        case thresholdAtFMR1e3 = "threshold_at_fmr_1e-3", groups
    }
}
