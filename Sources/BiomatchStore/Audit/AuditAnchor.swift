import BiomatchSupport
import Crypto
import Foundation

/// The audit journal's head, signed and kept outside the database: whoever can write the
/// database can put an older journal back together with its head, and only a copy of a
/// later head held elsewhere shows it. ``TemplateStore/verifyAudit(anchor:publicKey:pageSize:)``
/// checks that the journal still extends an anchor.
public struct AuditAnchor: Sendable, Hashable, Codable {
    /// Always `biomatch-audit-anchor-1`.
    public var format: String
    /// The store's id, hex.
    public var storeID: String
    /// The head: the last entry's sequence number and MAC (hex).
    public var sequence: Int64
    public var mac: String
    /// When the anchor was made, ms since 1970.
    public var createdAt: Int64
    /// ECDSA P-256 / SHA-256 signature (DER, base64) over every field above.
    public var signature: String
    /// The signer's public key (PEM), for the record: verification takes the key to trust
    /// from the operator, never from the file.
    public var publicKey: String

    static let formatName = "biomatch-audit-anchor-1"

    /// The bytes signed.
    func signedBytes() -> [UInt8] {
        var e = CanonicalEncoder(domain: "biomatch audit anchor v1")
        e.string(format)
        e.string(storeID)
        e.int(sequence)
        e.string(mac)
        e.int(createdAt)
        return e.bytes
    }

    /// Whether the signature is `publicKey`'s.
    public func isSigned(by publicKey: P256.Signing.PublicKey) -> Bool {
        guard let der = Data(base64Encoded: signature), let sig = try? P256.Signing.ECDSASignature(derRepresentation: der) else { return false }
        return publicKey.isValidSignature(sig, for: signedBytes())
    }
}

extension TemplateStore {
    /// Signs the journal's current head, after checking the whole journal, for keeping
    /// outside the database.
    ///
    /// - Throws: ``StoreError`` `integrity` when the journal does not verify (an anchor of a
    ///   tampered journal would bless it), `backend`.
    public func anchorAudit(signingKey: P256.Signing.PrivateKey) throws -> AuditAnchor {
        let verification = try verifyAudit()
        guard verification.valid else {
            throw StoreError(.integrity, "the audit journal does not verify (\(verification.problem ?? "")); it is not anchored")
        }
        var anchor = AuditAnchor(format: AuditAnchor.formatName, storeID: Hex.encode(storeID),
                                 sequence: verification.headSequence, mac: verification.headMAC, createdAt: Self.now(), signature: "",
                                 publicKey: signingKey.publicKey.pemRepresentation)
        do {
            anchor.signature = try signingKey.signature(for: anchor.signedBytes()).derRepresentation.base64EncodedString()
        } catch {
            throw StoreError(.backend, "the anchor could not be signed: \(error)")
        }
        return anchor
    }

    /// ``verifyAudit(pageSize:)``, and then that the journal still extends `anchor`: the
    /// anchor is signed by `publicKey`, names this store, and its entry is in the journal
    /// with the same MAC. A journal rolled back (with its head) to before the anchor, or
    /// rewritten since, fails.
    ///
    /// - Throws: ``StoreError`` `integrity` for an anchor that is not signed by `publicKey`
    ///   or names another store; `backend`.
    public func verifyAudit(anchor: AuditAnchor, publicKey: P256.Signing.PublicKey, pageSize: Int = 4096) throws -> AuditVerification {
        guard anchor.format == AuditAnchor.formatName, anchor.isSigned(by: publicKey) else {
            throw StoreError(.integrity, "the anchor is not signed by the key given (or is not an anchor): it cannot vouch for the journal")
        }
        guard anchor.storeID == Hex.encode(storeID) else {
            throw StoreError(.integrity, "the anchor is of store \(anchor.storeID), not this one")
        }
        var result = try verifyAudit(pageSize: pageSize)
        guard result.valid else { return result }
        let entry = try backend.read { try $0.audit(seq: anchor.sequence) }
        let mac = entry.map { Hex.encode($0.mac) }
        guard anchor.sequence <= result.headSequence, mac == anchor.mac else {
            result.valid = false
            result.firstInvalidSequence = min(anchor.sequence, result.headSequence + 1)
            result.problem = anchor.sequence > result.headSequence
                ? "the journal ends at entry \(result.headSequence) but the anchor of \(Self.iso(anchor.createdAt)) records entry \(anchor.sequence): the journal and its head were rolled back"
                : "entry \(anchor.sequence) is not the one anchored on \(Self.iso(anchor.createdAt)): the journal was rewritten since"
            return result
        }
        return result
    }

    static func iso(_ ms: Int64) -> String {
        ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }
}
