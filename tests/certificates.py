"""Certificates made in the test: a server's for 127.0.0.1, a CA and its chargers' certificates.

What an operator does with openssl (README), done with the ``cryptography``
package: a certificate authority for charger certificates, and per charger a
client certificate whose subject CN is its charge point id (OCPP security
profile 3).
"""

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """Write a certificate and its key for 127.0.0.1 into ``folder``; their paths."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_key_pem(key))
    return cert_path, key_path


@dataclass
class CertificateAuthority:
    """A CA for charger certificates: what CSMS_TLS_CLIENT_CA points at."""

    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey
    path: Path  # its certificate, PEM


@dataclass
class ClientCertificate:
    """A charger's certificate and key, as a TLS client loads them."""

    certificate: x509.Certificate
    cert_path: Path
    key_path: Path

    @property
    def serial(self) -> str:
        return f"{self.certificate.serial_number:X}"

    @property
    def fingerprint(self) -> str:
        return self.certificate.fingerprint(hashes.SHA256()).hex().upper()


def certificate_authority(folder: Path, name: str = "Test charger CA") -> CertificateAuthority:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CPO"),
            x509.NameAttribute(NameOID.COMMON_NAME, name),
        ]
    )
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name.replace(' ', '-')}.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return CertificateAuthority(certificate, key, path)


def client_certificate(
    authority: CertificateAuthority, common_name: str, folder: Path
) -> ClientCertificate:
    """A charger's client certificate, signed by ``authority``, its subject CN ``common_name``."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = _now()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Test CPO"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(authority.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    stem = "".join(char if char.isalnum() else "-" for char in common_name)
    cert_path = folder / f"{stem}-{certificate.serial_number:x}.pem"
    key_path = cert_path.with_suffix(".key")
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(_key_pem(key))
    return ClientCertificate(certificate, cert_path, key_path)


def tls_settings(
    folder: Path, *, client_ca: CertificateAuthority | None = None
) -> tuple[dict[str, str], ssl.SSLContext]:
    """The settings that make a server speak TLS with a new certificate, and a
    client context that trusts it. With ``client_ca``, the server verifies
    client certificates against that CA (security profile 3)."""
    cert_path, key_path = self_signed_certificate(folder)
    settings = {"CSMS_TLS_CERT": str(cert_path), "CSMS_TLS_KEY": str(key_path)}
    if client_ca is not None:
        settings["CSMS_TLS_CLIENT_CA"] = str(client_ca.path)
    return settings, ssl.create_default_context(cafile=str(cert_path))


def client_context(server_trust: ssl.SSLContext, certificate: ClientCertificate | None = None):
    """A client context trusting the server as ``server_trust`` does, presenting ``certificate``."""
    context = ssl.create_default_context()
    context.load_verify_locations(cadata=_trusted_pem(server_trust))
    if certificate is not None:
        context.load_cert_chain(certificate.cert_path, certificate.key_path)
    return context


def _trusted_pem(context: ssl.SSLContext) -> str:
    return "".join(ssl.DER_cert_to_PEM_cert(der) for der in context.get_ca_certs(binary_form=True))
