"""E-mail over SMTP (RFC 5321) with STARTTLS (RFC 3207), through the standard library's smtplib.

The bench talks to the shop's own relay (submission port 587); TLS is required unless switched off
in settings, and credentials come from the keyring. Every failure becomes one MessagingError
sentence; 5xx answers and refused credentials are permanent (a retry would get the same answer).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid

from .port import Email, MessagingError


@dataclass(frozen=True, slots=True)
class SmtpConfig:
    host: str
    port: int = 587
    sender: str = ""  # the From header, "Shop <orders@example.com>"
    starttls: bool = True
    user: str = ""
    password: str = ""
    timeout_s: float = 15.0
    ca_file: str = ""  # extra CA certificate(s) to trust (a relay with a private CA)


def build_message(sender: str, message: Email) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = message.to
    msg["Subject"] = message.subject
    msg["Date"] = formatdate(localtime=False)
    domain = _domain(sender)
    msg["Message-ID"] = make_msgid(domain=domain or None)
    msg.set_content(message.text)
    if message.html:
        msg.add_alternative(message.html, subtype="html")
    return msg


def _domain(sender: str) -> str:
    addresses = getaddresses([sender])
    if not addresses or "@" not in addresses[0][1]:
        return ""
    return Address(addr_spec=addresses[0][1]).domain


class SmtpEmailSender:
    def __init__(self, config: SmtpConfig, ssl_context: ssl.SSLContext | None = None) -> None:
        if not config.host:
            raise MessagingError("e-mail is not set up on this bench: no SMTP server is configured", permanent=True)
        if not config.sender:
            raise MessagingError("e-mail is not set up on this bench: no From address is configured", permanent=True)
        self.config = config
        self._context = ssl_context

    def _tls_context(self) -> ssl.SSLContext:
        if self._context is not None:
            return self._context
        context = ssl.create_default_context()
        if self.config.ca_file:
            try:
                context.load_verify_locations(cafile=self.config.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise MessagingError(f"cannot read the mail server CA file {self.config.ca_file}: {exc}") from exc
        return context

    def send(self, message: Email) -> str:
        cfg = self.config
        msg = build_message(cfg.sender, message)
        where = f"mail server {cfg.host}:{cfg.port}"
        try:
            with smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s) as smtp:
                smtp.ehlo()
                if cfg.starttls:
                    if not smtp.has_extn("starttls"):
                        raise MessagingError(f"{where} does not offer STARTTLS; not sending in clear", permanent=True)
                    smtp.starttls(context=self._tls_context())
                    smtp.ehlo()
                if cfg.user:
                    smtp.login(cfg.user, cfg.password)
                smtp.send_message(msg)
        except MessagingError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise MessagingError(f"{where} refused the user name or password ({_reply(exc)})", permanent=True) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            reasons = "; ".join(f"{who}: {code} {_text(text)}" for who, (code, text) in exc.recipients.items())
            raise MessagingError(f"{where} refused the recipient ({reasons})", permanent=True) from exc
        except smtplib.SMTPSenderRefused as exc:
            raise MessagingError(f"{where} refused the sender {exc.sender} ({_reply(exc)})", permanent=True) from exc
        except smtplib.SMTPResponseException as exc:
            raise MessagingError(f"{where} answered {_reply(exc)}", permanent=exc.smtp_code >= 500) from exc
        except smtplib.SMTPNotSupportedError as exc:
            raise MessagingError(f"{where} does not support {exc}", permanent=True) from exc
        except ssl.SSLCertVerificationError as exc:
            raise MessagingError(
                f"{where}: its TLS certificate is not trusted ({exc.verify_message}); set the CA file in settings",
                permanent=True,
            ) from exc
        except (smtplib.SMTPException, ssl.SSLError) as exc:
            raise MessagingError(f"{where} failed: {exc}") from exc
        except OSError as exc:  # refused, unreachable, timed out, name not found
            raise MessagingError(f"cannot reach {where} ({exc.strerror or exc})") from exc
        return str(msg["Message-ID"])


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def _reply(exc: smtplib.SMTPResponseException) -> str:
    return f"{exc.smtp_code} {_text(exc.smtp_error)}".strip()
