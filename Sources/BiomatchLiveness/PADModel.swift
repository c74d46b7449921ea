import Foundation

/// A linear presentation-attack classifier: standardised features, logistic regression
/// (L2), trained by full-batch gradient descent — deterministic, small, and stored as JSON
/// next to the command and data split that produced it. The passive face check
/// (``ColorTextureFeatures``) and the fingerprint check (``FingerprintTextureFeatures``)
/// each have one.
public struct PADModel: Sendable, Codable, Hashable {
    /// What trained it (command, split), for the record.
    public var provenance: String
    /// Feature means.
    public var mean: [Float]
    /// Feature standard deviations.
    public var scale: [Float]
    /// Weights.
    public var weights: [Float]
    /// Bias.
    public var bias: Float
    /// Thresholds at APCER targets, measured on scores the model did not train on
    /// (cross-validation by subject); nil for a model trained without it.
    public var calibration: PADCalibration?

    /// The bona fide probability (0 attack … 1 live) of a feature vector; 0 for a vector of
    /// the wrong length (never a silent pass).
    public func score(_ features: [Float]) -> Double {
        guard features.count == weights.count else { return 0 }
        var z = Double(bias)
        for i in features.indices { z += Double(weights[i]) * Double((features[i] - mean[i]) / scale[i]) }
        let p = 1 / (1 + exp(-z))
        return p.isFinite ? p : 0
    }

    /// Trains on `features` with labels (true = bona fide).
    ///
    /// - Throws: ``LivenessError`` when the data is empty, has one class only, or vectors differ in length.
    public static func train(features: [[Float]], bonaFide: [Bool], l2: Double = 1e-2, iterations: Int = 2000,
                             learningRate: Double = 0.5, provenance: String) throws -> PADModel {
        guard let d = features.first?.count, features.count == bonaFide.count, features.allSatisfy({ $0.count == d }) else {
            throw LivenessError("training needs feature vectors of one length, one label each")
        }
        guard bonaFide.contains(true), bonaFide.contains(false) else { throw LivenessError("training needs both bona fide and attack samples") }
        let n = Double(features.count)
        var mean = [Double](repeating: 0, count: d), sq = [Double](repeating: 0, count: d)
        for f in features { for i in 0..<d { mean[i] += Double(f[i]); sq[i] += Double(f[i]) * Double(f[i]) } }
        mean = mean.map { $0 / n }
        let scale = (0..<d).map { i in max(1e-6, (sq[i] / n - mean[i] * mean[i]).squareRoot()) }
        let x = features.map { f in (0..<d).map { (Double(f[$0]) - mean[$0]) / scale[$0] } }
        // Classes weighted equally, whatever their counts.
        let positives = Double(bonaFide.filter { $0 }.count), negatives = n - positives
        let weightOf = bonaFide.map { $0 ? n / (2 * positives) : n / (2 * negatives) }
        var w = [Double](repeating: 0, count: d), b = 0.0
        for _ in 0..<iterations {
            var gw = [Double](repeating: 0, count: d), gb = 0.0
            for (k, row) in x.enumerated() {
                var z = b
                for i in 0..<d { z += w[i] * row[i] }
                let p = 1 / (1 + exp(-z))
                let err = (p - (bonaFide[k] ? 1 : 0)) * weightOf[k]
                for i in 0..<d { gw[i] += err * row[i] }
                gb += err
            }
            for i in 0..<d { w[i] -= learningRate * (gw[i] / n + l2 * w[i]) }
            b -= learningRate * gb / n
        }
        return PADModel(provenance: provenance, mean: mean.map(Float.init), scale: scale.map(Float.init),
                        weights: w.map(Float.init), bias: Float(b), calibration: nil)
    }

    /// Scores of every sample from a model trained without its group (leave one subject out):
    /// what the model will score on people it has never seen, for calibration.
    ///
    /// - Throws: ``LivenessError`` when there are fewer than two groups, or a fold lacks a class.
    public static func outOfFoldScores(features: [[Float]], bonaFide: [Bool], groups: [String], l2: Double = 1e-2,
                                       iterations: Int = 2000) throws -> [Double] {
        guard features.count == groups.count else { throw LivenessError("one group per sample is needed") }
        let distinct = Array(Set(groups)).sorted()
        guard distinct.count >= 2 else { throw LivenessError("cross-validation needs at least two subjects, not \(distinct.count)") }
        var scores = [Double](repeating: 0, count: features.count)
        for held in distinct {
            let kept = features.indices.filter { groups[$0] != held }
            let model = try PADModel.train(features: kept.map { features[$0] }, bonaFide: kept.map { bonaFide[$0] }, l2: l2,
                                  iterations: iterations, provenance: "fold without \(held)")
            for i in features.indices where groups[i] == held { scores[i] = model.score(features[i]) }
        }
        return scores
    }
}
