"""TLS against a nats-server started with a throwaway CA and server certificate."""

from __future__ import annotations

import datetime
import ipaddress
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest

import kaizen_actors as ka
from kaizen_actors.transport.nats import NatsTransport

from ..actors.common import Ping, Recorder
from ..natsserver import NatsServer

pytestmark = pytest.mark.anyio

TOKEN = "tls-tok-51c0e2"


def _make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a certificate for 127.0.0.1 signed by it: (ca.pem, server.pem, server.key)."""
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)

    def build(subject: str, issuer: str, key, signer, *, ca: bool):
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            names = [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
        return builder.sign(signer, hashes.SHA256())

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_cert = build("kaizen test CA", "kaizen test CA", ca_key, ca_key, ca=True)
    server_key = ec.generate_private_key(ec.SECP256R1())
    server_cert = build("127.0.0.1", "kaizen test CA", server_key, ca_key, ca=False)
    pem = serialization.Encoding.PEM
    paths = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    paths[0].write_bytes(ca_cert.public_bytes(pem))
    paths[1].write_bytes(server_cert.public_bytes(pem))
    paths[2].write_bytes(
        server_key.private_bytes(
            pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory) -> Iterator[tuple[NatsServer, Path]]:
    ca, cert, key = _make_certificates(tmp_path_factory.mktemp("tls"))
    args = ["--tls", "--tlscert", str(cert), "--tlskey", str(key), "--auth", TOKEN]
    with NatsServer(args) as server:
        yield server, ca


async def _ask_through(transport: NatsTransport, other: NatsTransport) -> None:
    async with (
        ka.ActorSystem("tls", transport) as host,
        ka.ActorSystem("tls", other) as client,
    ):
        await host.spawn(Recorder, name="rec")
        assert await client.ref("rec").ask(Ping(5)) == 5


async def test_a_client_that_trusts_the_ca_connects_over_tls(tls_server) -> None:
    server, ca = tls_server
    url = server.url.replace("nats://", "tls://")
    context = ssl.create_default_context(cafile=str(ca))
    await _ask_through(
        NatsTransport(url, tls=context, token=TOKEN), NatsTransport(url, tls=context, token=TOKEN)
    )


async def test_a_client_without_the_ca_is_refused_with_a_tls_hint(tls_server, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    server, _ = tls_server
    url = server.url.replace("nats://", "tls://")
    transport = NatsTransport(url, tls=ssl.create_default_context(), token=TOKEN)
    with pytest.raises(ka.TransportError) as info:
        async with ka.ActorSystem("tls", transport):
            pass
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)
    assert "trusts the server's CA" in str(info.value)
    assert TOKEN not in str(info.value) and TOKEN not in caplog.text


async def test_a_client_without_tls_is_refused_clearly(tls_server) -> None:
    server, _ = tls_server
    with pytest.raises(ka.TransportError, match="cannot connect to NATS") as info:
        async with ka.ActorSystem("tls", NatsTransport(server.url, token=TOKEN)):
            pass
    assert "TLS" in str(info.value) or "tls" in str(info.value)
    assert TOKEN not in str(info.value)
