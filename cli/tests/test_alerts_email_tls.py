"""Email over STARTTLS and implicit SSL with login, against a real aiosmtpd with a self-signed certificate."""

from __future__ import annotations

import shutil
import ssl
import subprocess

import pytest

from conftest import free_port
from ml_monitor.alerts import email as email_channel
from ml_monitor.alerts.base import DeliveryContext, DeliveryError
from ml_monitor.alerts.model import Alert, Notification

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def _server(certificate, implicit: bool):
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append((session.authenticated, envelope.content))
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"smtp-pass"
        return AuthResult(success=ok, handled=False)   # handled=False: aiosmtpd answers 535 itself

    port = free_port()
    # aiosmtpd only counts STARTTLS as TLS; on the implicit-SSL port the connection is TLS anyway
    kwargs = dict(authenticator=authenticator, auth_require_tls=not implicit)
    if implicit:
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, ssl_context=context, **kwargs)
    else:
        controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                                require_starttls=True, **kwargs)
    controller.start()
    return controller, port, received


NOTE = Notification("trigger", Alert("fp123", "check_failed", "error", "psi_drift failed on scores.age",
                                     "psi of age overall is 0.31 (threshold 0.2)", owner="ml-team"),
                    delivery_id="d1")


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_tls_with_login(certificate, security):
    controller, port, received = _server(certificate, implicit=security == "ssl")
    try:
        settings = email_channel.Settings(host="127.0.0.1", port=port, security=security, username="alerts",
                                          password="smtp-pass", sender="a@example.com", to=["b@example.com"],
                                          ca_file=str(certificate[0]))
        email_channel.send(settings, NOTE, DeliveryContext(timeout=10))
        (authenticated, content), = received
        assert authenticated is True
        assert b"Subject: [ml-monitor] [ERROR] psi_drift failed on scores.age" in content
        # a wrong password is a configuration error (not retried automatically)
        settings.password = "wrong"
        with pytest.raises(DeliveryError) as err:
            email_channel.send(settings, NOTE, DeliveryContext(timeout=10))
        assert not err.value.retryable and "authentication failed" in err.value.message
        # an unknown certificate authority is refused (retryable: it may be a transient interception)
        settings.password, settings.ca_file = "smtp-pass", None
        with pytest.raises(DeliveryError) as err:
            email_channel.send(settings, NOTE, DeliveryContext(timeout=10))
        assert "CERTIFICATE_VERIFY_FAILED" in err.value.message
        assert len(received) == 1
    finally:
        controller.stop()
