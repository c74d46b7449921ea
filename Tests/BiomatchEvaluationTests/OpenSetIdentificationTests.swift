import BiomatchEvaluation
import BiomatchKernels
import Testing

@Suite struct OpenSetIdentificationTests {
    func unit(_ n: Int, _ d: Int, seed: Int) -> [[Float]] {
        SeededVectors.unit(count: n, dimension: d, seed: UInt64(seed))
    }

    @Test func thresholdsHoldTheirFPIROnNewNonMatedProbes() throws {
        let gallery = VectorGallery(dimension: 64, mode: .int8)
        try gallery.add(unit(2000, 64, seed: 1), ids: (0..<2000).map(UInt64.init))
        let calibration = try FPIRCalibration(gallery: gallery, nonMatedProbes: unit(1000, 64, seed: 2),
                                              targets: [.oneInHundred])
        #expect(calibration.gallerySize == 2000 && calibration.nonMatedSearches == 1000)
        #expect(calibration.isSupported(.oneInHundred) && !calibration.isSupported(.oneInThousand))
        // On fresh non-mated probes the observed FPIR stays near the target.
        let fresh = unit(1000, 64, seed: 3)
        let positives = try fresh.filter { try !calibration.identify($0, in: gallery, k: 5, at: .oneInHundred).isEmpty }.count
        #expect(positives <= 30, "FPIR \(Double(positives) / 1000)")
        // An enrolled person is identified.
        let enrolled = unit(2000, 64, seed: 1)[42]
        #expect(try calibration.identify(enrolled, in: gallery, k: 5, at: .oneInHundred).first?.id == 42)
        #expect(throws: GalleryError.self) { try calibration.identify(enrolled, in: gallery, k: 5, at: .oneInThousand) }
        #expect(calibration.isStale(currentSize: 2500) && !calibration.isStale(currentSize: 2100))
    }
}
