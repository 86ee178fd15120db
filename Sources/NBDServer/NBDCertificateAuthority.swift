import Crypto
import Foundation
import SwiftASN1
import X509

/// The certificate authority of a data directory's NBD listener: it issues the server's
/// certificate and one client certificate per account (common name = the account id).
///
/// On disk, under `directory`: `ca/ca-cert.pem` and `ca/ca-key.pem` (owner-only). The `ca`
/// folder is created whole or not at all (written aside, then renamed into place), so a server
/// and a `blocksnap account nbd-certificate` starting at once agree on one CA.
///
/// Invariant: every certificate it issues is signed by the key in `ca/ca-key.pem`, and a client
/// certificate's subject common name is exactly the account id it was issued for.
public struct NBDCertificateAuthority: Sendable {
    /// The CA certificate, PEM.
    public let certificatePEM: String
    private let certificate: Certificate
    private let key: P256.Signing.PrivateKey

    /// PEM files issued to a client or the server.
    public struct Issued: Sendable {
        /// The certificate, PEM.
        public var certificatePEM: String
        /// Its private key, PEM (PKCS #8).
        public var keyPEM: String
    }

    /// Loads the CA kept in `directory`, creating it first if there is none.
    public static func openOrCreate(directory: String) throws -> NBDCertificateAuthority {
        let folder = directory + "/ca"
        if !FileManager.default.fileExists(atPath: folder + "/ca-key.pem") {
            try create(in: directory, folder: folder)
        }
        let certificatePEM = try String(contentsOfFile: folder + "/ca-cert.pem", encoding: .utf8)
        let keyPEM = try String(contentsOfFile: folder + "/ca-key.pem", encoding: .utf8)
        return NBDCertificateAuthority(
            certificatePEM: certificatePEM, certificate: try Certificate(pemEncoded: certificatePEM),
            key: try P256.Signing.PrivateKey(pemRepresentation: keyPEM))
    }

    /// A server certificate for the given host names and IP addresses (libnbd checks the name
    /// in the `nbds://` URL against it), valid for a year from now.
    public func issueServerCertificate(hostNames: [String]) throws -> Issued {
        let names = hostNames.map { name -> GeneralName in
            if let address = ipAddressBytes(name) { return .ipAddress(ASN1OctetString(contentBytes: address[...])) }
            return .dnsName(name)
        }
        return try issue(
            commonName: hostNames.first ?? "blocksnap", validity: 365,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
            })
    }

    /// A client certificate for `accountId`, valid for ten years.
    public func issueClientCertificate(accountId: String) throws -> Issued {
        try issue(
            commonName: accountId, validity: 3650,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.clientAuth])
            })
    }

    private func issue(commonName: String, validity days: Int, extensions: Certificate.Extensions) throws -> Issued {
        let subjectKey = P256.Signing.PrivateKey()
        let now = Date()
        var extensions = extensions
        try extensions.append(
            Certificate.Extension(
                AuthorityKeyIdentifier(keyIdentifier: Self.keyIdentifier(key.publicKey)), critical: false))
        try extensions.append(
            Certificate.Extension(
                SubjectKeyIdentifier(keyIdentifier: Self.keyIdentifier(subjectKey.publicKey)), critical: false))
        let issued = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(),
            publicKey: Certificate.PublicKey(subjectKey.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(Double(days) * 86400),
            issuer: certificate.subject, subject: try DistinguishedName { CommonName(commonName) },
            signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: Certificate.PrivateKey(key))
        return Issued(certificatePEM: try issued.serializeAsPEM().pemString, keyPEM: subjectKey.pemRepresentation)
    }

    private static func create(in directory: String, folder: String) throws {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName {
            OrganizationName("blocksnap")
            CommonName("blocksnap NBD CA \(UUID().uuidString.prefix(8))")
        }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(20 * 365 * 86400),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(digitalSignature: true, keyCertSign: true, cRLSign: true))
                SubjectKeyIdentifier(keyIdentifier: keyIdentifier(key.publicKey))
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let aside = directory + "/.ca-\(UUID().uuidString)"
        try files.createDirectory(atPath: aside, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? files.removeItem(atPath: aside) }
        try writeFile(try certificate.serializeAsPEM().pemString, to: aside + "/ca-cert.pem", mode: 0o644)
        try writeFile(key.pemRepresentation, to: aside + "/ca-key.pem", mode: 0o600)
        // rename(2) onto an existing non-empty folder fails: someone else created the CA first.
        if rename(aside, folder) != 0, !files.fileExists(atPath: folder + "/ca-key.pem") {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: folder])
        }
    }

    /// The SHA-1 of the public key, as RFC 5280 section 4.2.1.2 suggests for key identifiers.
    private static func keyIdentifier(_ key: P256.Signing.PublicKey) -> ArraySlice<UInt8> {
        ArraySlice(Insecure.SHA1.hash(data: key.x963Representation))
    }

    /// Creates `path` holding `text`, with permissions `mode`.
    public static func writeFile(_ text: String, to path: String, mode: Int) throws {
        guard FileManager.default.createFile(
            atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: mode])
        else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}

/// The bytes of an IPv4 or IPv6 address in text form, or nil.
private func ipAddressBytes(_ text: String) -> [UInt8]? {
    var v4 = in_addr()
    if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
    var v6 = in6_addr()
    if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
    return nil
}
