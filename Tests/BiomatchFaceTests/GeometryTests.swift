@testable import BiomatchFace
import Foundation
import Testing

@Suite struct GeometryTests {
    @Test func similarityEstimateRecoversAKnownTransform() throws {
        let truth = SimilarityTransform(a: 1.3 * cos(0.3), b: 1.3 * sin(0.3), tx: 12, ty: -7)
        let source = FaceAligner.template
        let destination = source.map(truth.apply)
        let t = try #require(SimilarityTransform.estimate(from: source, to: destination))
        #expect(abs(t.a - truth.a) < 1e-9 && abs(t.b - truth.b) < 1e-9)
        #expect(abs(t.tx - truth.tx) < 1e-9 && abs(t.ty - truth.ty) < 1e-9)
        #expect(abs(t.scale - 1.3) < 1e-9 && abs(t.rotation - 0.3) < 1e-9)
    }

    @Test func degenerateLandmarksHaveNoTransform() {
        let p = Point(x: 5, y: 5)
        #expect(SimilarityTransform.estimate(from: [p, p, p], to: [p, p, p]) == nil)
        #expect(SimilarityTransform.estimate(from: [p], to: [p]) == nil)
    }

    @Test func alignmentMapsDetectedLandmarksOntoTheTemplate() throws {
        // Landmarks of a face twice the template's size, shifted and rotated.
        let placement = SimilarityTransform(a: 2 * cos(-0.2), b: 2 * sin(-0.2), tx: 100, ty: 40)
        let face = DetectedFace(box: Rectangle(x: 0, y: 0, width: 1, height: 1), confidence: 0.9,
                                landmarks: FaceAligner.template.map(placement.apply))
        let t = try #require(FaceAligner.transform(for: face))
        for (p, q) in zip(face.landmarks.map(t.apply), FaceAligner.template) {
            #expect(abs(p.x - q.x) < 1e-6 && abs(p.y - q.y) < 1e-6)
        }
    }

    @Test func intersectionOverUnion() {
        let a = Rectangle(x: 0, y: 0, width: 10, height: 10)
        #expect(a.intersectionOverUnion(a) == 1)
        #expect(a.intersectionOverUnion(Rectangle(x: 20, y: 20, width: 5, height: 5)) == 0)
        #expect(abs(a.intersectionOverUnion(Rectangle(x: 5, y: 0, width: 10, height: 10)) - 50.0 / 150) < 1e-12)
    }
}
