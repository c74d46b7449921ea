/// A fingerprint template: one finger's minutiae with the geometry needed to compare
/// them (image size and resolution). A small immutable value; encode it as an ISO/IEC
/// 19794-2 or ANSI/INCITS 378 record with ``record(format:position:)``.
public struct FingerprintTemplate: Sendable, Hashable {
    /// Source image width in pixels.
    public let width: Int
    /// Source image height in pixels.
    public let height: Int
    /// Source resolution in dots per inch.
    public let dpi: Int
    /// Overall finger quality 0–100.
    public let quality: Int
    /// The minutiae (at most 255, the records' limit).
    public let minutiae: [Minutia]
    /// The ridge orientation field: Biomatch's extractor provides it and records keep it
    /// as extended data; templates from other extractors' records have none, and then
    /// compare by minutiae alone (see ``FingerprintMatcher``).
    public let orientationField: OrientationField?

    /// The most minutiae a template holds (a record view's limit).
    public static let maximumMinutiae = 255

    /// Creates a template; minutiae beyond ``maximumMinutiae`` are dropped, lowest quality first.
    /// `orientationField` is on the image's 500-dpi grid (see ``OrientationField``).
    public init(width: Int, height: Int, dpi: Int, quality: Int, minutiae: [Minutia], orientationField: OrientationField? = nil) {
        self.orientationField = orientationField
        self.width = width
        self.height = height
        self.dpi = dpi
        self.quality = max(0, min(100, quality))
        self.minutiae = minutiae.count <= Self.maximumMinutiae ? minutiae
            : Array(minutiae.sorted { $0.quality > $1.quality }.prefix(Self.maximumMinutiae))
    }

    /// Pixels per centimetre, as records store resolution.
    var pixelsPerCentimetre: UInt16 { UInt16((Double(dpi) / 2.54).rounded()) }

    /// This template as a one-view record; the orientation field, if any, goes into the
    /// view's extended data (``OrientationField/extendedDataTypeCode``).
    /// - Throws: ``FingerprintError/Code/unencodable`` when the image is larger than 16383 pixels.
    public func record(format: FingerRecordFormat, position: FingerPosition = .unknown) throws(FingerprintError) -> FingerMinutiaeRecord {
        guard width < 0x4000, height < 0x4000 else {
            throw FingerprintError(.unencodable, "an image of \(width)×\(height) pixels does not fit a minutiae record")
        }
        let recordMinutiae = minutiae.map { m in
            // Records measure angles counter-clockwise on screen: the negated image angle.
            RecordMinutia(type: RecordMinutiaType(rawValue: m.kind.rawValue) ?? .other,
                          x: UInt16(max(0, min(Float(0x3FFF), m.x.rounded()))),
                          y: UInt16(max(0, min(Float(0x3FFF), m.y.rounded()))),
                          angleCode: RecordMinutia.angleCode(radians: -Double(m.direction), format: format),
                          quality: m.quality)
        }
        let view = FingerView(position: position.rawValue, quality: UInt8(quality), minutiae: recordMinutiae,
                              extendedData: orientationField.map { [$0.extendedDataBlock] } ?? [])
        return FingerMinutiaeRecord(format: format, imageWidth: UInt16(width), imageHeight: UInt16(height),
                                    resolutionX: pixelsPerCentimetre, resolutionY: pixelsPerCentimetre, views: [view])
    }

    /// A template from one view of a record, with the orientation field of its extended
    /// data if it has one.
    /// - Throws: ``FingerprintError/Code/invalidField`` when `view` is out of range or its
    ///   orientation field block is malformed;
    ///   ``FingerprintError/Code/invalidResolution`` when the record's resolution is outside
    ///   what the matcher supports (``FingerprintImage/dpiRange``, 200–1000 dpi).
    public init(record: FingerMinutiaeRecord, view index: Int = 0) throws(FingerprintError) {
        guard record.views.indices.contains(index) else {
            throw FingerprintError(.invalidField, "the record has \(record.views.count) views; view \(index) does not exist")
        }
        let dpi = Int((Double(record.resolutionX) * 2.54).rounded())
        guard FingerprintImage.dpiRange.contains(dpi), record.resolutionX == record.resolutionY else {
            throw FingerprintError(.invalidResolution, "the record's resolution \(record.resolutionX)×\(record.resolutionY) pixels/cm is not a supported square \(FingerprintImage.dpiRange.lowerBound)–\(FingerprintImage.dpiRange.upperBound) dpi")
        }
        let view = record.views[index]
        let twoPi = 2 * Double.pi
        let minutiae = view.minutiae.map { m in
            var angle = (-m.angleRadians(in: record.format)).truncatingRemainder(dividingBy: twoPi)
            if angle < 0 { angle += twoPi }
            return Minutia(x: Float(m.x), y: Float(m.y), direction: Float(angle),
                           kind: Minutia.Kind(rawValue: m.type.rawValue) ?? .other, quality: m.quality)
        }
        let field = try view.extendedData.first { $0.typeCode == OrientationField.extendedDataTypeCode }
            .map { block throws(FingerprintError) in try OrientationField(extendedData: block) }
        self.init(width: Int(record.imageWidth), height: Int(record.imageHeight),
                  dpi: dpi, quality: Int(view.quality), minutiae: minutiae, orientationField: field)
    }
}
