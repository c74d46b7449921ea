@testable import BiomatchEvaluation
import Testing

@Suite struct BinomialIntervalTests {
    /// Published Clopper–Pearson values (two-sided 95 %).
    @Test func matchesTheExactIntervalsOfTheTables() {
        let none = BinomialInterval(errors: 0, trials: 100)
        #expect(none.rate == 0 && none.lower == 0 && abs(none.upper - 0.03622) < 1e-4)
        let five = BinomialInterval(errors: 5, trials: 100)
        #expect(abs(five.lower - 0.01643) < 1e-4 && abs(five.upper - 0.11284) < 1e-4)
        let all = BinomialInterval(errors: 10, trials: 10)
        #expect(all.upper == 1 && abs(all.lower - 0.69150) < 1e-4)
        let empty = BinomialInterval(errors: 0, trials: 0)
        #expect(empty.lower == 0 && empty.upper == 1)
    }
}
