import SwiftASN1

/// One biometric object: a readable header and the data it describes (X9.84
/// `BiometricObject`), for example a face template or an ISO/IEC 19794-2 record.
///
/// DER: `SEQUENCE { biometricHeader [0] BiometricHeader, biometricData [1] OCTET STRING }`.
public struct BiometricObject: Sendable, Hashable {
    /// The header.
    public var header: BiometricHeader
    /// The data, in the format the header announces.
    public var data: [UInt8]

    /// An object.
    public init(header: BiometricHeader, data: [UInt8]) {
        self.header = header
        self.data = data
    }

    func serialize(into coder: inout DER.Serializer) throws {
        try coder.appendConstructedNode(identifier: .sequence) { coder in
            try header.serialize(into: &coder, identifier: contextTag(0))
            try ASN1OctetString(contentBytes: data[...]).serialize(into: &coder, withIdentifier: contextTag(1))
        }
    }

    init(derEncoded node: ASN1Node) throws {
        do {
            self = try DER.sequence(node, identifier: .sequence) { nodes in
                let header = try BiometricHeader(derEncoded: try requiredNode(&nodes, "BiometricObject.biometricHeader"), identifier: contextTag(0))
                let data = try octets(try requiredNode(&nodes, contextTag(1), "BiometricObject.biometricData"), contextTag(1), "BiometricObject.biometricData")
                return BiometricObject(header: header, data: data)
            }
        } catch {
            throw FramingError.decoding(error, "BiometricObject")
        }
    }

    /// `BiometricObjects ::= SEQUENCE SIZE (1..16) OF BiometricObject`, under `identifier`.
    static func serialize(_ objects: [BiometricObject], into coder: inout DER.Serializer, identifier: ASN1Identifier) throws {
        guard (1...FramingLimits.maximumObjects).contains(objects.count) else {
            throw FramingError(.invalidArgument, "a message carries 1–\(FramingLimits.maximumObjects) objects, not \(objects.count)")
        }
        try coder.appendConstructedNode(identifier: identifier) { coder in
            for object in objects { try object.serialize(into: &coder) }
        }
    }

    static func decodeObjects(_ node: ASN1Node, identifier: ASN1Identifier, _ what: String) throws -> [BiometricObject] {
        guard node.identifier == identifier, case .constructed(let children) = node.content else {
            throw FramingError(.unexpectedTag, "\(what): expected a constructed \(identifier), found \(node.identifier)")
        }
        var objects: [BiometricObject] = []
        for child in children {
            guard objects.count < FramingLimits.maximumObjects else {
                throw FramingError(.limitExceeded, "\(what) holds more than \(FramingLimits.maximumObjects) objects")
            }
            objects.append(try BiometricObject(derEncoded: child))
        }
        guard !objects.isEmpty else { throw FramingError(.missingField, "\(what) holds no object") }
        return objects
    }

    static func encodeObjects(_ objects: [BiometricObject], identifier: ASN1Identifier) throws -> [UInt8] {
        try encodeDER("BiometricObjects") { try serialize(objects, into: &$0, identifier: identifier) }
    }
}
