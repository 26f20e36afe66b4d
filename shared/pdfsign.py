"""Electronic signatures on the PDFs the office issues: PAdES baseline signatures (pyHanko) that a
standard PDF reader verifies, and the check of one.

The signature is a CAdES detached signature (`/SubFilter /ETSI.CAdES.detached`, ETSI EN 319 142):
PAdES B-B, with the signing certificate bound into the signed attributes. Given a timestamp
authority (RFC 3161, `timestamp_url`), the signature also carries the authority's timestamp over
it: PAdES B-T, a time a reader can trust more than the signer's own clock.

The office signs with its own certificate: a deployment points `key_file` at the PEM bundle (private
key and certificate, with the chain) the office was issued. Without one, a service generates a
self-signed certificate in the office's name on first use and keeps it: the signature still shows
any change to the signed file, but readers report the signer as not trusted until the office's
certificate is installed as trusted there.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from shared.keyfiles import create_once

SELF_SIGNED_YEARS = 10


@dataclass(frozen=True)
class SignatureCheck:
    """What a PDF reader would say of a file's signature."""

    signed: bool
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # the signer's certificate chains to one of the given trusted certificates
    signer: str  # the certificate's subject, as readers show it
    signed_at: datetime | None
    reason: str
    subfilter: str = ""  # "/ETSI.CAdES.detached" for PAdES
    # The timestamp authority's time over the signature (PAdES B-T), when there is one and its
    # token is intact; its authority is trusted when it chains to one of the trusted certificates.
    timestamped_at: datetime | None = None
    timestamp_trusted: bool = False


class PdfSigner:
    """Signs PDFs with one certificate and key (an office's)."""

    def __init__(self, certificate: x509.Certificate, key: rsa.RSAPrivateKey,
                 chain: list[x509.Certificate] | None = None, *,
                 timestamper: TimeStamper | None = None) -> None:
        self.certificate = certificate
        self._timestamper = timestamper
        cert = _asn1_cert(certificate)
        self._signer = signers.SimpleSigner(
            signing_cert=cert,
            signing_key=asn1_keys.PrivateKeyInfo.load(key.private_bytes(
                serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption())),
            cert_registry=SimpleCertificateStore.from_certs(
                [cert, *(_asn1_cert(c) for c in chain or ())]))

    @classmethod
    def load_or_create(cls, path: Path, *, common_name: str, organization: str,
                       timestamp_url: str | None = None) -> PdfSigner:
        """The PEM bundle at `path` (key, certificate, then its chain); created self-signed in the
        given names when there is none. With `timestamp_url`, every signature is timestamped by
        that authority (B-T)."""
        if not path.exists():
            create_once(path, _self_signed_bundle(common_name, organization))
        pem = path.read_bytes()
        key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError(f"{path}: the signing key must be an RSA key")
        certificate, *chain = x509.load_pem_x509_certificates(pem)
        timestamper = RequestsHTTPTimeStamper(timestamp_url) if timestamp_url else None
        return cls(certificate, key, chain, timestamper=timestamper)

    def sign(self, pdf: bytes, *, reason: str, location: str, name: str) -> bytes:
        """The PDF with a PAdES signature over all of it (B-B; B-T with a timestamp authority),
        added as an incremental update."""
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
        meta = signers.PdfSignatureMetadata(
            field_name="Signature", reason=reason, location=location, name=name,
            subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
        return signers.sign_pdf(writer, meta, signer=self._signer,
                                timestamper=self._timestamper).getvalue()


def check_signature(pdf: bytes, trusted: list[x509.Certificate]) -> SignatureCheck:
    """The first signature of `pdf`, checked as a reader would, trusting only `trusted`."""
    reader = PdfFileReader(io.BytesIO(pdf))
    if not reader.embedded_signatures:
        return SignatureCheck(False, False, False, "", None, "")
    embedded = reader.embedded_signatures[0]
    roots = [_asn1_cert(c) for c in trusted]
    status = validate_pdf_signature(embedded, ValidationContext(trust_roots=roots),
                                    ts_validation_context=ValidationContext(trust_roots=roots))
    stamp = status.timestamp_validity
    stamped = stamp is not None and stamp.intact and stamp.valid
    return SignatureCheck(
        signed=True,
        intact=bool(status.intact and status.valid),
        trusted=bool(status.trusted),
        signer=status.signing_cert.subject.human_friendly,
        signed_at=status.signer_reported_dt,
        reason=str(embedded.sig_object.get("/Reason", "")),
        subfilter=str(embedded.sig_object.get("/SubFilter", "")),
        timestamped_at=stamp.timestamp if stamped else None,
        timestamp_trusted=bool(stamped and stamp.trusted),
    )


def _asn1_cert(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def _self_signed_bundle(common_name: str, organization: str) -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    # RFC 5280 bounds these names at 64 characters; cryptography counts UTF-8 bytes, of which a
    # Thai office's name has three per character: the names are checked here in characters.
    for value in (common_name, organization):
        if not 1 <= len(value) <= 64:
            raise ValueError(f"a certificate name must have 1-64 characters: {value!r}")
    with warnings.catch_warnings():  # the byte-count warning, for the names checked above
        warnings.simplefilter("ignore", UserWarning)
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "TH"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization, _validate=False),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name, _validate=False),
        ])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * SELF_SIGNED_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=True, key_encipherment=False,
            data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
            encipher_only=False, decipher_only=False), critical=True)
        .sign(key, hashes.SHA256())
    )
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()) \
        + certificate.public_bytes(serialization.Encoding.PEM)
