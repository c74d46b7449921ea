import Foundation

/// A linear classifier over ``ColorTextureFeatures``: standardised features, logistic
/// regression (L2), trained by full-batch gradient descent — deterministic, small, and
/// stored as JSON next to the command, data split and seed that produced it.
public struct PassiveFaceModel: Sendable, Codable, Hashable {
    /// What trained it (command, split, seed), for the record.
    public var provenance: String
    /// Feature means.
    public var mean: [Float]
    /// Feature standard deviations.
    public var scale: [Float]
    /// Weights.
    public var weights: [Float]
    /// Bias.
    public var bias: Float

    /// The bona fide probability (0 attack … 1 live) of a feature vector.
    public func score(_ features: [Float]) -> Double {
        guard features.count == weights.count else { return 0 }
        var z = Double(bias)
        for i in features.indices { z += Double(weights[i]) * Double((features[i] - mean[i]) / scale[i]) }
        return 1 / (1 + exp(-z))
    }

    /// Trains on `features` with labels (true = bona fide).
    ///
    /// - Throws: ``LivenessError`` when the data is empty, has one class only, or vectors differ in length.
    public static func train(features: [[Float]], bonaFide: [Bool], l2: Double = 1e-2, iterations: Int = 2000,
                             learningRate: Double = 0.5, provenance: String) throws -> PassiveFaceModel {
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
        return PassiveFaceModel(provenance: provenance, mean: mean.map(Float.init), scale: scale.map(Float.init),
                                weights: w.map(Float.init), bias: Float(b))
    }
}
