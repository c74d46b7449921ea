@testable import BiomatchFace
import Testing

@Suite struct CaptureQualityTests {
    @Test func smallFaceIsReportedAsTooSmall() throws {
        let pipeline = try Fixtures.pipeline()
        let tiny = try Fixtures.sample("astronaut.png").resized(width: 96, height: 96)
        let capture = try pipeline.capture(in: tiny)
        #expect(capture.quality.reasons.contains(.faceTooSmall), "\(capture.quality)")
    }

    @Test func blurLowersSharpness() throws {
        let pipeline = try Fixtures.pipeline()
        let original = try Fixtures.sample("astronaut.png")
        let sharp = try pipeline.capture(in: original).quality
        let blurred = try pipeline.capture(in: Pixels.blurred(original, radius: 3)).quality
        #expect(blurred.sharpness < sharp.sharpness)
        #expect(blurred.score < sharp.score)
        #expect(blurred.reasons.contains(.blurred), "\(blurred)")
    }

    @Test func darkImageIsUnderexposed() throws {
        let pipeline = try Fixtures.pipeline()
        let dark = try Pixels.map(Fixtures.sample("astronaut.png")) { $0 / 6 }
        let quality = try pipeline.capture(in: dark).quality
        #expect(quality.reasons.contains(.underexposed) || quality.reasons.contains(.lowContrast), "\(quality)")
    }

    @Test func enrollmentRefusesLowQualityWithReasons() throws {
        var options = FacePipeline.Options()
        options.enrollmentQualityFloor = 95
        let strict = try Fixtures.pipeline(options)
        let blurred = try Pixels.blurred(Fixtures.sample("astronaut.png").resized(width: 160, height: 160), radius: 2)
        do {
            _ = try strict.enroll(blurred, name: "blurred.png")
            Issue.record("a blurred, small face was enrolled at floor 95")
        } catch let e as FaceError {
            #expect(e.code == .qualityTooLow)
            #expect(!e.qualityReasons.isEmpty)
            #expect(e.message.contains("blurred.png"))
        }
        // The same pipeline with the default floor enrolls the clean photo.
        _ = try Fixtures.pipeline().enroll(Fixtures.sample("astronaut.png"))
    }

    @Test func frontalPoseIsNearZero() throws {
        let q = try Fixtures.pipeline().capture(in: Fixtures.sample("astronaut.png")).quality
        #expect(abs(q.rollDegrees) < 20 && abs(q.yawDegrees) < 30, "\(q)")
    }
}
