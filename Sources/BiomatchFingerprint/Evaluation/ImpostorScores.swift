import Dispatch

/// Every impostor comparison of a set of templates: each pair of templates of different
/// fingers, scored by the full matcher on every core (for calibrating the far tail).
public enum ImpostorScores {
    /// Scores of all pairs (i < j) whose `finger` labels differ; nil templates (failures to
    /// enrol) are left out.
    public static func all(_ templates: [FingerprintTemplate?], finger: [Int], matcher: FingerprintMatcher = FingerprintMatcher(),
                           threads: Int = 2) -> [Double] {
        let kept = templates.enumerated().compactMap { i, t in t.map { (matcher.prepare($0), finger[i]) } }
        let prepared = kept.map(\.0), labels = kept.map(\.1)
        let rows = LockedArray<[Double]>(count: prepared.count, initial: [])
        let parts = max(1, threads)
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            var scratch = FingerprintMatcher.Scratch()
            var i = part
            while i < prepared.count {
                var row: [Double] = []
                for j in (i + 1)..<prepared.count where labels[j] != labels[i] {
                    row.append(matcher.similarity(prepared[i], prepared[j], scratch: &scratch))
                }
                rows[i] = row
                i += parts
            }
        }
        return rows.values.flatMap { $0 }
    }
}
