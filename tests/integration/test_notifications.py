"""Customer notifications end to end: status change → rows + job in one transaction → rendered →
sent over a real SMTP server (aiosmtpd on 127.0.0.1, STARTTLS with a certificate made here) or the
SMS adapter; quiet hours in the customer's zone; retries into dead letters; the CLI."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlalchemy import select

from shipstation_desktop.cli import main as cli_main
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.notifications import Channel, NotificationState, Preferences, QuietHours
from shipstation_desktop.messaging.fake import FakeEmailSender, FakeSmsSender
from shipstation_desktop.messaging.port import MessagingError
from shipstation_desktop.messaging.sms_http import HttpSmsSender
from shipstation_desktop.persistence import tables as t
from shipstation_desktop.persistence.notification_tables import Notification, NotificationTemplate
from shipstation_desktop.services import bootstrap
from shipstation_desktop.services import notification_templates as templates
from shipstation_desktop.services import notifications as service
from shipstation_desktop.services.bench import Bench
from shipstation_desktop.services.status import move_order
from shipstation_desktop.settings.secrets import SecretStore
from shipstation_desktop.sync.jobs import BACKOFF_S, JobQueue, JobState, drain, run_one
from tests.fakes.keyring_backend import MemoryKeyring
from tests.fakes.orders import add_order

# 10:00 in Madrid (UTC+1 in January): outside quiet hours.
DAY = datetime(2026, 1, 14, 9, 0, tzinfo=UTC)
# 23:30 in Madrid: inside quiet hours (22:00–08:00), which end at 07:00 UTC tomorrow.
NIGHT = datetime(2026, 1, 14, 22, 30, tzinfo=UTC)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(DAY)


@pytest.fixture
def nbench(tmp_path: Path, clock: FakeClock) -> Iterator[Bench]:
    b = bootstrap.open_bench(tmp_path / "bench", clock=clock, secrets=SecretStore(MemoryKeyring()), reconcile=False)
    b.settings.notifications.enabled = True
    yield b
    b.close()


def ship(bench: Bench, order_id: str, *targets: OrderStatus, source: str = "bench", fail: bool = False) -> None:
    with bench.store.session() as s:
        order = s.get(t.Order, order_id)
        assert order is not None
        for target in targets:
            move_order(s, order, target, by="test", source=source, tracking_number="1Z999AA10123456784", carrier="ups")
        s.flush()
        if fail:
            raise RuntimeError("crash before commit")


def notifications(bench: Bench) -> list[Notification]:
    with bench.store.session() as s:
        return list(s.scalars(select(Notification).order_by(Notification.created_at)))


def notify_jobs(bench: Bench) -> list[t.JobRow]:
    with bench.store.session() as s:
        return list(s.scalars(select(t.JobRow).where(t.JobRow.name == service.NOTIFY_JOB)))


# ----------------------------------------------------------------------------------- SMTP server


@dataclass
class Sink:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Envelope, address: str, options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        self.envelopes.append(envelope)
        return "250 OK queued"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: the client trusts it through the CA-file setting."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mail.test")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_file, key_file


@dataclass
class Server:
    sink: Sink
    port: int
    auth_seen: list[tuple[str, str]]


def _authenticator(seen: list[tuple[str, str]]) -> Any:
    def check(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        user, password = auth_data.login.decode(), auth_data.password.decode()
        seen.append((user, password))
        return AuthResult(success=(user, password) == ("shop", "s3cret"))

    return check


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[Server]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    sink, port = Sink(), _free_port()
    seen: list[tuple[str, str]] = []
    controller = Controller(
        sink,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=_authenticator(seen),
        auth_required=True,
    )
    controller.start()
    yield Server(sink, port, seen)
    controller.stop()


@pytest.fixture
def plain_server() -> Iterator[Server]:
    sink, port = Sink(), _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield Server(sink, port, [])
    controller.stop()


def configure_smtp(bench: Bench, port: int, ca_file: Path | None = None) -> None:
    cfg = bench.settings.notifications
    cfg.smtp_host, cfg.smtp_port, cfg.smtp_from = "127.0.0.1", port, "Shop <orders@shop.example>"
    cfg.smtp_starttls = ca_file is not None
    cfg.smtp_ca_file = str(ca_file or "")
    cfg.smtp_timeout_s = 5.0


# ----------------------------------------------------------------------------------- recording


def test_a_status_change_records_the_message_and_its_job_in_the_same_transaction(nbench: Bench) -> None:
    order_id = add_order(nbench, "SO-1", name="Lucía Pérez")
    ship(nbench, order_id, OrderStatus.PROCESSING)  # not a default notifying status
    assert notifications(nbench) == []

    with pytest.raises(RuntimeError):
        ship(nbench, order_id, OrderStatus.SHIPPED, fail=True)
    assert notifications(nbench) == [] and notify_jobs(nbench) == []  # rolled back together

    ship(nbench, order_id, OrderStatus.SHIPPED)
    (row,) = notifications(nbench)
    assert (row.channel, row.trigger, row.recipient, row.state) == ("email", "shipped", "so-1@example.com", "pending")
    assert (row.language, row.send_after, row.bench_id) == ("es", DAY, nbench.store.bench_id)
    (job,) = notify_jobs(nbench)
    assert job.payload == {"notification_id": row.id} and job.dedupe_key == f"notify:{row.id}"
    assert job.run_after == DAY and job.state == "PENDING"
    with nbench.store.session() as s:  # the log is synced: the outbox carries it to the center
        entities = set(s.scalars(select(t.Outbox.entity)))
    assert "notifications" in entities


def test_disabled_benches_and_changes_pulled_from_the_center_do_not_notify(nbench: Bench) -> None:
    order_id = add_order(nbench, "SO-2")
    ship(nbench, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED, source="sync")
    nbench.settings.notifications.enabled = False
    ship(nbench, order_id, OrderStatus.OUT_FOR_DELIVERY)
    assert notifications(nbench) == []


def test_preferences_choose_channels_and_sms_goes_through_its_sender(nbench: Bench) -> None:
    order_id = add_order(nbench, "SO-3")
    customer_id = _customer_of(nbench, order_id)
    service.set_preferences(
        nbench,
        customer_id,
        Preferences(
            email_statuses=frozenset(),
            sms_statuses=frozenset({OrderStatus.SHIPPED}),
            language="en",
            phone="+34600111222",
        ),
    )
    assert service.get_preferences(nbench, customer_id).sms_statuses == {OrderStatus.SHIPPED}
    ship(nbench, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    sms = FakeSmsSender()
    assert drain(JobQueue(nbench.store), service.handlers(nbench, service.Senders(sms=sms))) == 1
    ((to, body),) = sms.sent
    assert to == "+34600111222" and body.startswith("Your order SO-3 has shipped with ups.")
    (row,) = notifications(nbench)
    assert (row.channel, row.state, row.provider_message_id) == ("sms", "sent", "sms-1")


# ----------------------------------------------------------------------------------- real SMTP


def test_email_goes_over_starttls_with_keyring_credentials(
    nbench: Bench, tls_server: Server, certificate: tuple[Path, Path]
) -> None:
    configure_smtp(nbench, tls_server.port, ca_file=certificate[0])
    nbench.secrets.set(service.SMTP_USER_KEY, "shop")
    nbench.secrets.set(service.SMTP_PASSWORD_KEY, "s3cret")
    order_id = add_order(nbench, "SO-4", name="Lucía Pérez")
    ship(nbench, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)

    assert drain(JobQueue(nbench.store), service.handlers(nbench)) == 1
    (msg,) = tls_server.sink.messages
    assert tls_server.auth_seen == [("shop", "s3cret")]
    assert msg["To"] == "so-4@example.com" and msg["From"] == "Shop <orders@shop.example>"
    assert msg["Subject"] == "Tu pedido SO-4 está en camino"
    text = msg.get_content()
    assert "Hola Lucía Pérez:" in text and "Número de seguimiento: 1Z999AA10123456784" in text
    (row,) = notifications(nbench)
    assert row.state == "sent" and row.sent_at == DAY and row.attempts == 1
    assert row.provider_message_id == msg["Message-ID"] and row.subject == msg["Subject"]


def test_an_untrusted_certificate_is_refused_permanently(nbench: Bench, tls_server: Server) -> None:
    configure_smtp(nbench, tls_server.port, ca_file=None)
    nbench.settings.notifications.smtp_starttls = True  # the system CAs do not know the test certificate
    with pytest.raises(MessagingError, match="not trusted") as err:
        service.send_test(nbench, Channel.EMAIL, "someone@example.com")
    assert err.value.permanent and tls_server.sink.messages == []


def test_a_refused_recipient_is_a_dead_letter_at_once(nbench: Bench, plain_server: Server) -> None:
    configure_smtp(nbench, plain_server.port)
    plain_server.sink.refuse.add("so-5@example.com")
    order_id = add_order(nbench, "SO-5")
    ship(nbench, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    queue = JobQueue(nbench.store)
    drain(queue, service.handlers(nbench))
    (job,) = notify_jobs(nbench)
    (row,) = notifications(nbench)
    assert job.state == "DEAD" and job.attempts == 1
    assert row.state == "dead" and "550" in row.last_error and "refused the recipient" in row.last_error


# ----------------------------------------------------------------------------------- quiet hours


def test_quiet_hours_defer_to_the_end_of_the_night_in_the_customers_zone(nbench: Bench, clock: FakeClock) -> None:
    clock._now = NIGHT
    madrid = add_order(nbench, "SO-6")
    new_york = add_order(nbench, "SO-7")
    service.set_preferences(nbench, _customer_of(nbench, new_york), Preferences(timezone="America/New_York"))
    ship(nbench, madrid, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    ship(nbench, new_york, OrderStatus.PROCESSING, OrderStatus.SHIPPED)  # 17:30 in New York

    sender = FakeEmailSender()
    queue, handlers = JobQueue(nbench.store), service.handlers(nbench, service.Senders(email=sender))
    assert drain(queue, handlers) == 1
    assert [m.to for m in sender.sent] == ["so-7@example.com"]
    waiting = [n for n in notifications(nbench) if n.state == "deferred"]
    morning = datetime(2026, 1, 15, 7, 0, tzinfo=UTC)  # 08:00 in Madrid
    assert [(n.recipient, n.send_after) for n in waiting] == [("so-6@example.com", morning)]
    assert queue.next_due() == morning

    clock.advance((morning - NIGHT).total_seconds() - 1)
    assert drain(queue, handlers) == 0  # still night: never sent early, never dropped
    clock.advance(1)
    assert drain(queue, handlers) == 1
    assert [m.to for m in sender.sent] == ["so-7@example.com", "so-6@example.com"]


def test_a_retry_that_lands_in_quiet_hours_waits_for_the_morning(nbench: Bench, clock: FakeClock) -> None:
    clock._now = datetime(2026, 1, 14, 20, 59, 59, tzinfo=UTC)  # 21:59:59 in Madrid
    order_id = add_order(nbench, "SO-8")
    ship(nbench, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    sender = FakeEmailSender(fail_times=1)
    queue, handlers = JobQueue(nbench.store), service.handlers(nbench, service.Senders(email=sender))
    assert run_one(queue, handlers) is not None  # fails; retry in 1 s, at 22:00:00
    clock.advance(BACKOFF_S[0])
    assert run_one(queue, handlers) is not None
    (row,) = notifications(nbench)
    assert row.state == "deferred" and row.send_after == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    assert sender.sent == [] and queue.next_due() == row.send_after


# ----------------------------------------------------------------------------------- templates


def test_a_language_without_templates_falls_back_to_spanish_then_bench_overrides_win(nbench: Bench) -> None:
    order_id = add_order(nbench, "SO-9")
    service.set_preferences(nbench, _customer_of(nbench, order_id), Preferences(language="de-AT"))
    ship(nbench, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    sender = FakeEmailSender()
    drain(JobQueue(nbench.store), service.handlers(nbench, service.Senders(email=sender)))
    assert sender.sent[0].subject == "Tu pedido SO-9 está en camino"
    (row,) = notifications(nbench)
    assert row.language == "de"  # what the customer asked for; the Spanish text is what they got

    saved = templates.save_template(
        nbench,
        OrderStatus.OUT_FOR_DELIVERY,
        Channel.EMAIL,
        "es",
        templates.TemplateText("¡{{ order_number }} llega hoy, {{ customer_name }}!", "Estado: {{ status }}"),
    )
    assert saved.source == "custom" and saved.shipped is not None
    ship(nbench, order_id, OrderStatus.OUT_FOR_DELIVERY)
    drain(JobQueue(nbench.store), service.handlers(nbench, service.Senders(email=sender)))
    assert (sender.sent[1].subject, sender.sent[1].text) == ("¡SO-9 llega hoy, Emily Chen!", "Estado: en reparto")

    reverted = templates.revert_to_shipped(nbench, OrderStatus.OUT_FOR_DELIVERY, Channel.EMAIL, "es")
    assert reverted.source == "shipped" and reverted.text == reverted.shipped


def test_a_misspelt_variable_is_refused_by_name_and_a_broken_stored_one_dead_letters(nbench: Bench) -> None:
    with pytest.raises(templates.TemplateError, match=r"uses \{\{ order_numbr \}\}, which is not a notification"):
        templates.save_template(
            nbench, OrderStatus.SHIPPED, Channel.EMAIL, "es", templates.TemplateText("{{ order_numbr }}", "x")
        )
    with nbench.store.session() as s:  # as if edited by hand or synced from an older version
        s.add(
            NotificationTemplate(
                type="shipped", channel="email", language="es", subject="Pedido {{ pedido }}", body="x",
                created_at=DAY, updated_at=DAY,
            )
        )  # fmt: skip
    order_id = add_order(nbench, "SO-10")
    ship(nbench, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    drain(JobQueue(nbench.store), service.handlers(nbench, service.Senders(email=FakeEmailSender())))
    (row,) = notifications(nbench)
    (job,) = notify_jobs(nbench)
    assert row.state == "dead" and "{{ pedido }}" in row.last_error and "subject of the shipped" in row.last_error
    assert job.state == "DEAD" and job.attempts == 1


# ----------------------------------------------------------------------------------- retries


def test_failures_retry_after_1_5_15_s_then_dead_letter_and_a_requeue_sends(nbench: Bench, clock: FakeClock) -> None:
    order_id = add_order(nbench, "SO-11")
    ship(nbench, order_id, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    sender = FakeEmailSender(fail_times=4)
    queue, handlers = JobQueue(nbench.store), service.handlers(nbench, service.Senders(email=sender))
    states = []
    for wait in (*BACKOFF_S, None):
        assert run_one(queue, handlers) is not None
        states.append(notifications(nbench)[0].state)
        if wait is not None:
            assert run_one(queue, handlers) is None  # not before its backoff
            clock.advance(wait)
    assert states == ["failed", "failed", "failed", "dead"]
    (job,) = notify_jobs(nbench)
    assert job.state == JobState.DEAD and job.last_error == "mail server unavailable"

    queue.requeue(job.id)
    assert drain(queue, handlers) == 1
    (row,) = notifications(nbench)
    assert row.state == "sent" and row.attempts == 5 and len(sender.sent) == 1
    assert drain(queue, handlers) == 0  # nothing sends it twice


def test_notify_run_sends_only_this_benchs_due_messages(nbench: Bench) -> None:
    mine, theirs = add_order(nbench, "SO-12"), add_order(nbench, "SO-13")
    ship(nbench, mine, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    ship(nbench, theirs, OrderStatus.PROCESSING, OrderStatus.SHIPPED)
    with nbench.store.session() as s:  # as if pulled from another bench's log
        other = s.scalars(select(Notification).where(Notification.order_id == theirs)).one()
        other.bench_id = "another-bench"
    sender = FakeEmailSender()
    assert service.send_due(nbench, service.Senders(email=sender)) == {"sent": 1}
    assert [m.to for m in sender.sent] == ["so-12@example.com"]
    listed = service.list_notifications(nbench, NotificationState.SENT)
    assert [n.order_number for n in listed] == ["SO-12"] and listed[0].as_json()["state"] == "sent"


# ----------------------------------------------------------------------------------- SMS over HTTP


def test_the_http_sms_adapter_posts_json_with_a_bearer_token() -> None:
    seen: list[httpx.Request] = []

    def provider(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if json.loads(request.content)["to"] == "+34600000000":
            return httpx.Response(400, json={"message": "invalid destination"})
        if json.loads(request.content)["to"] == "+34600000001":
            return httpx.Response(503)
        return httpx.Response(201, json={"id": "msg-77", "status": "queued"})

    client = httpx.Client(transport=httpx.MockTransport(provider))
    sms = HttpSmsSender("https://sms.example/v1/messages", "tok-1", sender_id="SHOP", client=client)
    assert sms.send("+34600111222", "Hola") == "msg-77"
    assert seen[0].headers["Authorization"] == "Bearer tok-1"
    assert json.loads(seen[0].content) == {"to": "+34600111222", "body": "Hola", "from": "SHOP"}
    with pytest.raises(MessagingError, match="invalid destination") as bad:
        sms.send("+34600000000", "x")
    assert bad.value.permanent
    with pytest.raises(MessagingError, match="HTTP 503") as busy:
        sms.send("+34600000001", "x")
    assert not busy.value.permanent
    with pytest.raises(MessagingError, match="no provider token"):
        HttpSmsSender("https://sms.example/v1/messages", "")
    client.close()


# ----------------------------------------------------------------------------------- CLI


def _settings(data_dir: Path, **notify: Any) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "settings.json").write_text(json.dumps({"notifications": notify}), "utf-8")


def test_cli_notify_test_sends_and_says_so(
    tmp_path: Path, plain_server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "bench"
    _settings(
        data, smtp_host="127.0.0.1", smtp_port=plain_server.port, smtp_from="shop@example.com", smtp_starttls=False
    )
    args = ["--data-dir", str(data), "notify", "test", "--to", "ana@example.com", "--lang", "ro", "--json"]
    assert cli_main(args) == 0
    out = json.loads(capsys.readouterr().out)
    (msg,) = plain_server.sink.messages
    assert out["language"] == "ro" and out["subject"] == msg["Subject"] == "Comanda SO-10042 este pe drum"
    assert out["provider_message_id"] == msg["Message-ID"]

    assert cli_main(["--data-dir", str(data), "notify", "list", "--state", "sent", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []  # a test message is not a customer notification
    assert cli_main(["--data-dir", str(data), "notify", "run", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {}


def test_cli_notify_test_fails_in_one_line_when_smtp_is_missing_or_refuses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli_main(["--data-dir", str(tmp_path / "a"), "notify", "test", "--to", "ana@example.com"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no SMTP server is configured" in err

    data = tmp_path / "b"
    _settings(data, smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_from="shop@example.com")
    assert cli_main(["--data-dir", str(data), "notify", "test", "--to", "ana@example.com"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot reach mail server 127.0.0.1" in err


# ----------------------------------------------------------------------------------- helpers


def _customer_of(bench: Bench, order_id: str) -> str:
    with bench.store.session() as s:
        order = s.get(t.Order, order_id)
        assert order is not None and order.customer_id is not None
        return order.customer_id


def test_quiet_hours_setting_is_the_default_for_customers_without_preferences(nbench: Bench) -> None:
    nbench.settings.notifications.quiet_start, nbench.settings.notifications.quiet_end = "21:00", "07:30"
    order_id = add_order(nbench, "SO-14")
    prefs = service.get_preferences(nbench, _customer_of(nbench, order_id))
    assert prefs.quiet_hours == QuietHours(time(21, 0), time(7, 30)) and prefs.timezone == "Europe/Madrid"
