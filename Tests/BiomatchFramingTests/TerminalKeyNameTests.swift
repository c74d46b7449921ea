import BiomatchFraming
import Crypto
import Foundation
import Testing

@Suite struct TerminalKeyNameTests {
    let master = try! TerminalKeyMaster(id: "m1", key: SymmetricKey(data: [UInt8](repeating: 7, count: 32)))

    @Test func namesRoundTripAndOnlyCanonicalOnesParse() throws {
        let name = try #require(try TerminalKeyName(parsing: "tk1/m1/T-0042/probe/20261201-20270228"))
        #expect(name.terminalID == "T-0042" && name.purpose == .probe && name.description == "tk1/m1/T-0042/probe/20261201-20270228")
        #expect(name.isValid(at: Date(timeIntervalSince1970: 1_796_083_200)))           // 2026-12-01 00:00Z
        #expect(!name.isValid(at: Date(timeIntervalSince1970: 1_796_083_200 - 1)))
        #expect(name.isValid(at: Date(timeIntervalSince1970: 1_803_859_200 - 1)))       // 2027-02-28 23:59:59Z
        #expect(!name.isValid(at: Date(timeIntervalSince1970: 1_803_859_200)))
        #expect(try TerminalKeyName(parsing: "t1/mac") == nil)
        for bad in ["tk1/m1/T1/probe/20261301-20270101", "tk1/m1/T1/probe/20270101-20261201", "tk1/m1/T1/admin/20261201-20261231",
                    "tk1/m1/T 1/probe/20261201-20261231", "tk1/m1/T1/probe/20261201", "tk1/m1/T1/probe/20260230-20260301",
                    "tk1/m1//probe/20261201-20261231", "tk1/m1/T1/probe/20261201-20261231/x", "tk1/m1/T1/probe/２0261201-20261231"] {
            #expect(throws: FramingError.self, "\(bad)") { try TerminalKeyName(parsing: bad) }
        }
    }

    @Test func everyPartOfTheNameChangesTheKey() throws {
        let names = ["tk1/m1/T1/probe/20261201-20270228", "tk1/m1/T2/probe/20261201-20270228", "tk1/m1/T1/enrollment/20261201-20270228",
                     "tk1/m1/T1/probe/20261201-20270301", "tk1/m1/T1/probe/20261202-20270228"].compactMap { try? TerminalKeyName(parsing: $0) }
        #expect(names.count == 5)
        var seen = Set<Data>()
        for name in names {
            seen.insert(try master.macKey(for: name).withUnsafeBytes { Data($0) })
            seen.insert(try master.encryptionKey(for: name).withUnsafeBytes { Data($0) })
        }
        #expect(seen.count == 10)
        // Deterministic: the engine derives what the issuer derived.
        let again = try TerminalKeyMaster(id: "m1", key: SymmetricKey(data: [UInt8](repeating: 7, count: 32)))
        #expect(try again.macKey(for: names[0]) == master.macKey(for: names[0]))
        let other = try TerminalKeyMaster(id: "m2", key: SymmetricKey(data: [UInt8](repeating: 7, count: 32)))
        #expect(throws: FramingError.self) { try other.macKey(for: names[0]) }
    }

    @Test func aReceiverWithoutTheMasterDoesNotOpenTerminalObjects() throws {
        let name = try #require(try TerminalKeyName(parsing: "tk1/m1/T1/probe/20261201-20270228"))
        let message = try BiometricMessage.seal([BiometricObject(header: BiometricHeader(purpose: .verify), data: [1, 2, 3])],
                                                protection: .integrity(.mac(keyName: name.description, key: try master.macKey(for: name))))
        let decoded = try BiometricMessage(derEncoded: try message.derEncoded())
        #expect(throws: FramingError.self) { try decoded.open(keys: FramingKeys()) }
        let opened = try decoded.open(keys: FramingKeys(terminalMasters: [master]))
        #expect(opened.objects.first?.data == [1, 2, 3])
    }
}
