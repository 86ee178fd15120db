import BlockSnapTesting
import Foundation
import NIOSSL
import Testing
import X509

@testable import NBDServer

/// NBD over TLS: the data directory's certificate authority, and real libnbd clients that must
/// present a certificate of the exports' account.
@Suite(.serialized, .timeLimit(.minutes(3))) struct TLSTests {
    static let owner = "123456789012"
    static let volume = TestExport.id(7)

    @Test func theAuthorityIsCreatedOnceAndIssuesCertificatesNamingTheAccount() throws {
        let directory = try TemporaryDirectory(prefix: "blocksnap-nbd-ca")
        defer { directory.remove() }
        let first = try NBDCertificateAuthority.openOrCreate(directory: directory.path)
        let again = try NBDCertificateAuthority.openOrCreate(directory: directory.path)
        #expect(first.certificatePEM == again.certificatePEM)
        let mode = try FileManager.default.attributesOfItem(atPath: directory.appending("ca/ca-key.pem"))[.posixPermissions]
        #expect(mode as? Int == 0o600)

        let client = try again.issueClientCertificate(accountId: Self.owner)
        let certificate = try NIOSSLCertificate(bytes: Array(client.certificatePEM.utf8), format: .pem)
        #expect(NBDTLSConfiguration.accountId(of: certificate) == Self.owner)
        let parsed = try Certificate(pemEncoded: client.certificatePEM)
        #expect(parsed.issuer == (try Certificate(pemEncoded: first.certificatePEM)).subject)
        #expect(try parsed.extensions.extendedKeyUsage?.contains(.clientAuth) == true)

        let server = try first.issueServerCertificate(hostNames: ["localhost", "127.0.0.1", "nbd.example"])
        let names = try Certificate(pemEncoded: server.certificatePEM).extensions.subjectAlternativeNames
        #expect(names?.contains(.dnsName("nbd.example")) == true)
        #expect(names?.contains(.ipAddress(.init(contentBytes: [127, 0, 0, 1]))) == true)
        // A server certificate names no account.
        let serverCertificate = try NIOSSLCertificate(bytes: Array(server.certificatePEM.utf8), format: .pem)
        #expect(NBDTLSConfiguration.accountId(of: serverCertificate) == nil)
    }

    @Test(.enabled(if: ExternalTool.has("nbdsh"), "nbdsh is not installed (Debian python3-libnbd)"))
    func onlyTheAccountsCertificateOpensItsExports() async throws {
        let directory = try TemporaryDirectory(prefix: "blocksnap-nbd-tls")
        defer { directory.remove() }
        let authority = try NBDCertificateAuthority.openOrCreate(directory: directory.appending("ca-home"))
        let server = try authority.issueServerCertificate(hostNames: ["localhost", "127.0.0.1"])
        let tls = try NBDTLSConfiguration(
            caCertificatePEM: authority.certificatePEM, serverCertificatePEM: server.certificatePEM,
            serverKeyPEM: server.keyPEM)
        let ownerDir = try Self.clientFolder(directory.appending("owner"), authority, Self.owner)
        let otherDir = try Self.clientFolder(directory.appending("other"), authority, "210987654321")
        // A certificate for the right account from another CA proves nothing.
        let foreign = try NBDCertificateAuthority.openOrCreate(directory: directory.appending("foreign-ca"))
        let foreignDir = try Self.clientFolder(directory.appending("foreign"), foreign, Self.owner)
        try FileManager.default.removeItem(atPath: foreignDir + "/ca-cert.pem")
        try FileManager.default.copyItem(atPath: ownerDir + "/ca-cert.pem", toPath: foreignDir + "/ca-cert.pem")

        try await withNBDServer([TestExport(volumeId: Self.volume)], tls: tls, owner: Self.owner) { nbdServer in
            let uri = "nbds://localhost:\(nbdServer.port)/\(Self.volume)"
            let script = """
                import errno
                def connect(certs, uri="\(uri)"):
                    h = nbd.NBD()
                    h.set_tls(nbd.TLS_REQUIRE)
                    h.set_uri_allow_local_file(True)
                    h.connect_uri(uri + "?tls-certificates=" + certs)
                    return h

                h = connect("\(ownerDir)")
                assert h.get_tls_negotiated()
                assert h.get_size() == 1 << 30
                h.pwrite(b"t" * 4096, 8192, nbd.CMD_FLAG_FUA)
                assert h.pread(4096, 8192) == b"t" * 4096
                h.shutdown()

                # NBD_OPT_LIST over TLS lists the account's exports.
                names = []
                h = nbd.NBD()
                h.set_opt_mode(True)
                h.set_uri_allow_local_file(True)
                h.connect_uri("nbds://localhost:\(nbdServer.port)/?tls-certificates=\(ownerDir)")
                h.opt_list(lambda name, description: names.append(name))
                h.opt_abort()
                assert names == ["\(Self.volume)"], names

                # Another account's certificate: the export is unknown to it (NBD_REP_ERR_UNKNOWN).
                try:
                    connect("\(otherDir)")
                    assert False, "opened with another account's certificate"
                except nbd.Error as e:
                    assert e.errnum == errno.ENOENT, e
                # A certificate from another CA fails the handshake.
                try:
                    connect("\(foreignDir)")
                    assert False, "opened with a foreign CA's certificate"
                except nbd.Error as e:
                    assert "tls" in str(e).lower(), e

                # Without TLS the server answers NBD_REP_ERR_TLS_REQD to everything.
                h = nbd.NBD()
                h.set_tls(nbd.TLS_DISABLE)
                try:
                    h.connect_uri("nbd://localhost:\(nbdServer.port)/\(Self.volume)")
                    assert False, "opened without TLS"
                except nbd.Error as e:
                    assert e.errnum == errno.ENOTSUP, e
                """
            try await ExternalTool.check("nbdsh", ["-c", script])
        }
    }

    /// Writes a libnbd `tls-certificates` folder for `account`.
    static func clientFolder(_ path: String, _ authority: NBDCertificateAuthority, _ account: String) throws -> String {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let issued = try authority.issueClientCertificate(accountId: account)
        try NBDCertificateAuthority.writeFile(authority.certificatePEM, to: path + "/ca-cert.pem", mode: 0o644)
        try NBDCertificateAuthority.writeFile(issued.certificatePEM, to: path + "/client-cert.pem", mode: 0o644)
        try NBDCertificateAuthority.writeFile(issued.keyPEM, to: path + "/client-key.pem", mode: 0o600)
        return path
    }
}
