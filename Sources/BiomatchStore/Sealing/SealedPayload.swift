import Crypto
import Foundation

/// One AES-256-GCM envelope as stored: the data key wrapped (RFC 3394 AES key wrap) under
/// a key-encryption key, and the payload sealed under that data key.
struct SealedPayload: Sendable, Hashable {
    /// Id of the key-encryption key that wrapped ``wrappedKey``.
    var keyID: String
    /// The 256-bit data key, wrapped (40 bytes).
    var wrappedKey: [UInt8]
    /// GCM nonce (12 bytes).
    var nonce: [UInt8]
    var ciphertext: [UInt8]
    /// GCM tag (16 bytes).
    var tag: [UInt8]

    /// Seals `plaintext` under a fresh data key wrapped by `kek`, binding `aad`.
    static func seal(_ plaintext: [UInt8], aad: [UInt8], under kek: KeyEncryptionKey) throws -> SealedPayload {
        let dataKey = SymmetricKey(size: .bits256)
        do {
            let box = try AES.GCM.seal(plaintext, using: dataKey, authenticating: aad)
            let wrapped = try AES.KeyWrap.wrap(dataKey, using: kek.key)
            return SealedPayload(keyID: kek.id, wrappedKey: Array(wrapped), nonce: Array(box.nonce),
                                 ciphertext: Array(box.ciphertext), tag: Array(box.tag))
        } catch {
            throw StoreError(.backend, "sealing failed: \(error)")
        }
    }

    /// Unwraps the data key with the ring's key for ``keyID`` and opens the payload.
    ///
    /// - Throws: ``StoreError`` `wrongKey` when the ring lacks the key; `integrity` when
    ///   the wrapped key, nonce, ciphertext, tag or bound data were altered.
    func open(aad: [UInt8], keys: KeyRing, what: @autoclosure () -> String) throws -> [UInt8] {
        let dataKey = try unwrapKey(keys: keys, what: what())
        // One contiguous buffer for the box: the generic (nonce:ciphertext:tag:) initialiser
        // appends piecewise, which shows when a gallery opens a million records.
        var combined = [UInt8]()
        combined.reserveCapacity(nonce.count + ciphertext.count + tag.count)
        combined += nonce
        combined += ciphertext
        combined += tag
        guard nonce.count == 12, tag.count == 16, !ciphertext.isEmpty,
              let box = try? AES.GCM.SealedBox(combined: combined),
              let plain = try? AES.GCM.open(box, using: dataKey, authenticating: aad)
        else { throw StoreError(.integrity, "\(what()) fails authentication: its ciphertext or bound fields were altered") }
        return Array(plain)
    }

    /// The same payload with its data key re-wrapped under `kek` (the ciphertext is untouched).
    func rewrapped(keys: KeyRing, to kek: KeyEncryptionKey, what: @autoclosure () -> String) throws -> SealedPayload {
        let dataKey = try unwrapKey(keys: keys, what: what())
        var copy = self
        do { copy.wrappedKey = Array(try AES.KeyWrap.wrap(dataKey, using: kek.key)) } catch {
            throw StoreError(.backend, "re-wrapping failed: \(error)")
        }
        copy.keyID = kek.id
        return copy
    }

    private func unwrapKey(keys: KeyRing, what: String) throws -> SymmetricKey {
        guard let kek = keys.key(id: keyID) else {
            throw StoreError(.wrongKey, "\(what) is wrapped under key \(keyID), which this store handle does not hold (it holds \(keys.ids.joined(separator: ", ")))")
        }
        guard wrappedKey.count == 40, let key = try? AES.KeyWrap.unwrap(wrappedKey, using: kek.key) else {
            throw StoreError(.integrity, "\(what): its wrapped data key fails the key-wrap integrity check")
        }
        return key
    }

}
