@testable import BiomatchFace
import Foundation
import Testing

/// Paths and shared fixtures for the face tests.
enum Fixtures {
    /// The repository root (three levels above this file).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let models = root.appendingPathComponent("Models")
    static let samples = models.appendingPathComponent("samples")
    /// `../shared/data/face`: real evaluation images, read in place, never copied.
    static let sharedFaces = root.deletingLastPathComponent().appendingPathComponent("shared/data/face")
    static var hasSharedFaces: Bool { FileManager.default.fileExists(atPath: sharedFaces.appendingPathComponent("orl").path) }

    /// Loaded once for the whole test run (loading verifies 39 MB of hashes).
    static let loadedModels: Result<FaceModels, FaceError> = {
        do { return .success(try FaceModels(directory: models)) } catch let e as FaceError { return .failure(e) }
        catch { return .failure(FaceError(.modelLoad, "\(error)")) }
    }()

    static func faceModels() throws -> FaceModels {
        switch loadedModels {
        case .success(let m): return m
        case .failure(let e):
            Issue.record("face models unavailable (run Scripts/fetch_models.sh): \(e)")
            throw e
        }
    }

    static func pipeline(_ options: FacePipeline.Options = .init()) throws -> FacePipeline {
        FacePipeline(models: try faceModels(), options: options)
    }

    static func sample(_ name: String) throws -> DecodedImage {
        let url = samples.appendingPathComponent(name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            Issue.record("sample \(name) missing: run Scripts/fetch_samples.sh")
            throw FaceError(.unreadableInput, "missing sample \(name)")
        }
        return try DecodedImage(contentsOf: url)
    }

    static func sampleBytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: samples.appendingPathComponent(name)))
    }
}

/// Expects `body` to throw a ``FaceError`` with `code`.
func expectFaceError<T>(_ code: FaceError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T) {
    do {
        _ = try body()
        Issue.record("expected FaceError.\(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as FaceError {
        #expect(error.code == code, "got \(error)", sourceLocation: sourceLocation)
        #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected FaceError.\(code), got \(error)", sourceLocation: sourceLocation)
    }
}

/// Pixel helpers for generated test images (BGR, rows packed).
enum Pixels {
    static func map(_ image: DecodedImage, _ f: (UInt8) -> UInt8) throws -> DecodedImage {
        try DecodedImage(pixels: image.bgrPixels().map(f), width: image.width, height: image.height, channels: 3)
    }

    /// A (2r+1)² box blur, applied `passes` times.
    static func blurred(_ image: DecodedImage, radius r: Int, passes: Int = 2) throws -> DecodedImage {
        var p = image.bgrPixels()
        let w = image.width, h = image.height
        for _ in 0..<passes {
            var out = p
            for y in 0..<h {
                for x in 0..<w {
                    for c in 0..<3 {
                        var sum = 0, n = 0
                        for dy in -r...r {
                            let yy = y + dy
                            guard yy >= 0 && yy < h else { continue }
                            for dx in -r...r {
                                let xx = x + dx
                                guard xx >= 0 && xx < w else { continue }
                                sum += Int(p[(yy * w + xx) * 3 + c]); n += 1
                            }
                        }
                        out[(y * w + x) * 3 + c] = UInt8(sum / n)
                    }
                }
            }
            p = out
        }
        return try DecodedImage(pixels: p, width: w, height: h, channels: 3)
    }
}
