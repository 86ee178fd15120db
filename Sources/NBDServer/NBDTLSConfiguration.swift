import NIOSSL
import X509

/// TLS for the NBD listener (proto.md "TLS support", FORCEDTLS mode): every client must
/// upgrade with `NBD_OPT_STARTTLS` and present a client certificate signed by the server's
/// certificate authority; the certificate's common name is the account id it speaks for.
///
/// Invariant: a connection is identified as `.account(id)` only after a TLS handshake in which
/// the client proved possession of a key whose certificate chains to `caCertificate` and whose
/// subject common name is the 12-digit `id`.
public struct NBDTLSConfiguration: Sendable {
    /// The server side of the handshake: the server's chain and key, and the CA as the only
    /// trust root for client certificates (which are required).
    let context: NIOSSLContext

    /// Creates the configuration from PEM: the CA that issues client certificates, and the
    /// server's certificate (issued by that CA) and private key.
    public init(caCertificatePEM: String, serverCertificatePEM: String, serverKeyPEM: String) throws {
        let ca = try NIOSSLCertificate(bytes: Array(caCertificatePEM.utf8), format: .pem)
        let server = try NIOSSLCertificate(bytes: Array(serverCertificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(serverKeyPEM.utf8), format: .pem)
        var configuration = TLSConfiguration.makeServerConfigurationWithMTLS(
            certificateChain: [.certificate(server), .certificate(ca)], privateKey: .privateKey(key),
            trustRoots: .certificates([ca]))
        configuration.minimumTLSVersion = .tlsv12
        configuration.certificateVerification = .noHostnameVerification
        context = try NIOSSLContext(configuration: configuration)
    }

    /// The account a validated client certificate speaks for: its subject's common name, if
    /// that is a 12-digit account id.
    static func accountId(of certificate: NIOSSLCertificate) -> String? {
        guard let parsed = try? Certificate(derEncoded: certificate.toDERBytes()) else { return nil }
        for rdn in parsed.subject {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                guard let name = String(attribute.value) else { continue }
                if name.count == 12, name.allSatisfy(\.isASCIIDigit) { return name }
            }
        }
        return nil
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
