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


def _plain_login_server(host: str, answers: list[str] | None = None):
    """An SMTP server that accepts AUTH without TLS (as a careless relay does) and records the
    passwords it was given: what anyone on the path would read too. `answers`: failures to give
    to the first logins (e.g. "454 4.7.0 ...")."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    passwords, received = [], []
    answers = list(answers or [])

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            received.append(session.authenticated)
            return "250 OK"

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            passwords.append(auth_data.password)
        if answers:
            return AuthResult(success=False, handled=False, message=answers.pop(0))
        return AuthResult(success=True)

    port = free_port()
    controller = Controller(Handler(), hostname=host, port=port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    return controller, port, passwords, received


def _outward_address() -> str | None:
    """An address of this host that is not loopback (the one a route out of it uses), or None."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))           # TEST-NET: nothing is sent by a UDP connect
            address = s.getsockname()[0]
        except OSError:
            return None
    return None if address.startswith("127.") else address


def test_a_login_without_tls_to_another_host_is_a_configuration_error(tmp_path):
    """`security: none` with username/password sent the password in clear text (AUTH PLAIN is
    base64) to any host: now ml_monitor.yml is refused, naming the channel and `security`. A
    relay on this host (127.0.0.1, ::1, localhost) may still take a login without TLS."""
    from ml_monitor.config import load_config
    from ml_monitor.settings import ConfigError

    address = _outward_address()
    if address is None:
        pytest.skip("this host has no non-loopback IPv4 address")
    controller, port, passwords, _ = _plain_login_server(address)
    try:
        (tmp_path / "dbt_project.yml").write_text("name: p\n")
        (tmp_path / "ml_monitor.yml").write_text(
            f"channels:\n  oncall-mail: {{type: email, host: '{address}', port: {port}, security: none, "
            "username: alerts, password: '${SMTP_PASSWORD}', from: a@example.com, to: [b@example.com]}\n")
        with pytest.raises(ConfigError) as err:
            load_config(tmp_path, environ={"SMTP_PASSWORD": "smtp-cleartext-pw"})
        message = str(err.value)
        assert "channels.oncall-mail.security" in message and "clear text" in message
        assert "smtp-cleartext-pw" not in message and address not in message
        # the channel's own check, whoever builds it: nothing reaches the server
        with pytest.raises(Exception, match="clear text"):
            email_channel.send(email_channel.Settings(host=address, port=port, security="none", username="alerts",
                                                      password="smtp-cleartext-pw", sender="a@example.com",
                                                      to=["b@example.com"]), NOTE, DeliveryContext(timeout=10))
        assert passwords == []
        # without a login, security: none to another host stays allowed (a trusted relay)
        email_channel.Settings(host=address, port=port, security="none", sender="a@example.com", to=["b@example.com"])
    finally:
        controller.stop()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_login_without_tls_to_a_relay_on_this_host_is_allowed(host):
    controller, port, passwords, received = _plain_login_server("127.0.0.1")
    try:
        settings = email_channel.Settings(host=host, port=port, security="none", username="alerts",
                                          password="local-pw", sender="a@example.com", to=["b@example.com"])
        email_channel.send(settings, NOTE, DeliveryContext(timeout=10))
        assert passwords == [b"local-pw"] and received == [True]
    finally:
        controller.stop()


@pytest.mark.parametrize("host", ["::1", "[::1]", "127.0.0.2"])
def test_loopback_addresses_are_recognised(host):
    email_channel.Settings(host=host, security="none", username="u", password="pw-1234",
                           sender="a@example.com", to=["b@example.com"])


def test_a_temporary_authentication_failure_is_retried(tmp_path):
    """454 4.7.0 (the mail server's credential store is down) was a configuration error: the alert
    sat `failed` until someone ran `ml-monitor alerts retry`, and every later alert to the channel
    was held behind it. It is retried with backoff; a 535 (wrong password) still is not."""
    from ml_monitor import api
    from ml_monitor.config import load_config
    from ml_monitor.outbox import Outbox

    controller, port, passwords, received = _plain_login_server(
        "127.0.0.1", answers=["454 4.7.0 Temporary authentication failure"] * 2 + ["535 5.7.8 Bad credentials"] * 2)
    try:
        (tmp_path / "dbt_project.yml").write_text("name: p\n")
        (tmp_path / "ml_monitor.yml").write_text(
            f"state_path: state.sqlite\ndelivery: {{initial_backoff: 0s}}\nchannels:\n"
            f"  mail: {{type: email, host: 127.0.0.1, port: {port}, security: none, username: alerts, "
            "password: '${SMTP_PASSWORD}', from: a@example.com, to: [b@example.com]}\n")
        cfg = load_config(tmp_path, environ={"SMTP_PASSWORD": "smtp-pass-0123"})
        with Outbox(cfg.state_path) as outbox:
            outbox.record([NOTE.alert], [], {NOTE.alert.fingerprint: ["mail"]}, 3600, set())
            first = api.deliver_pending(cfg, outbox)
            assert (first.sent, first.retrying, first.failed) == (0, 1, 0), first.errors
            assert "temporarily (454)" in first.errors[0] and "smtp-pass-0123" not in first.errors[0]
            # the next run sends it by itself (no `alerts retry`): the 535s that follow are a
            # configuration error, and the alert is kept as failed
            second = api.deliver_pending(cfg, outbox)
            assert (second.sent, second.retrying, second.failed) == (0, 0, 1), second.errors
            assert "authentication failed (535)" in second.errors[0]
            third = api.deliver_pending(cfg, outbox, include_failed=True)
            assert third.sent == 1 and received == [True]
    finally:
        controller.stop()


def test_ca_file_is_found_beside_ml_monitor_yml_and_a_bad_one_is_a_configuration_error(certificate, tmp_path,
                                                                                      monkeypatch):
    """`ca_file: certs/ca.pem` was opened relative to the working directory: `ml-monitor schedule`
    started from elsewhere (systemd, cron: /) failed every email with `FileNotFoundError: No such
    file or directory`, naming no file, retried forever. It is relative to ml_monitor.yml (like a
    jsonl `path`), and a ca_file that is missing or holds no certificate is a configuration error
    that names it."""
    import shutil as sh

    from ml_monitor import api
    from ml_monitor.config import load_config
    from ml_monitor.outbox import Outbox

    controller, port, received = _server(certificate, implicit=False)
    project = tmp_path / "project"
    (project / "certs").mkdir(parents=True)
    sh.copy(certificate[0], project / "certs" / "ca.pem")
    (project / "certs" / "empty.pem").write_text("not a certificate\n")
    (project / "dbt_project.yml").write_text("name: p\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    try:
        for ca_file, delivered in [("certs/ca.pem", True), ("certs/missing.pem", False), ("certs/empty.pem", False)]:
            (project / "ml_monitor.yml").write_text(
                f"state_path: state-{ca_file.replace('/', '-')}.sqlite\nchannels:\n"
                f"  mail: {{type: email, host: 127.0.0.1, port: {port}, username: alerts, password: '${{SMTP_PW}}', "
                f"ca_file: {ca_file}, from: a@example.com, to: [b@example.com]}}\n")
            cfg = load_config(project, environ={"SMTP_PW": "smtp-pass"})
            assert cfg.channels["mail"].ca_file == str(project / ca_file)
            with Outbox(cfg.state_path) as outbox:
                outbox.record([NOTE.alert], [], {NOTE.alert.fingerprint: ["mail"]}, 3600, set())
                out = api.deliver_pending(cfg, outbox)
            if delivered:
                assert out.sent == 1, out.errors
            else:
                assert (out.sent, out.retrying, out.failed) == (0, 0, 1), out.errors
                assert f"cannot use ca_file {project / ca_file}" in out.errors[0]
                assert "configuration error" in out.errors[0] and "smtp-pass" not in out.errors[0]
        assert [authenticated for authenticated, _ in received] == [True]
    finally:
        controller.stop()
