"""Notification templates: the shipped catalogue, this bench's overrides, and sandboxed rendering.

Shipped texts live in resources/notifications/<lang>.json (es, en, ro, ru, zh for every status that
notifies); a bench may override any of them (the template editor saves to `notification_templates`).
Lookup walks the customer's language, then es, then en, and at each step prefers the bench's own text.

Templates are Jinja2 rendered by its SandboxedEnvironment (a supervisor's template cannot reach
Python objects) with StrictUndefined, so a misspelt variable is an error naming it rather than a
message with a hole in it; the HTML alternative is autoescaped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, Literal

from jinja2 import StrictUndefined, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment
from sqlalchemy import select
from sqlalchemy.orm import Session

from shipstation_desktop.domain import notifications as rules
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.notifications import Channel
from shipstation_desktop.persistence.notification_tables import NotificationTemplate

from .bench import Bench

Source = Literal["custom", "shipped"]
CHANNEL_NAMES = {Channel.EMAIL: "e-mail", Channel.SMS: "SMS"}


class TemplateError(UserError):
    """A template that cannot be rendered; the message names the part and the problem."""


@dataclass(frozen=True, slots=True)
class TemplateText:
    subject: str
    body: str
    html: str = ""


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    html: str
    language: str  # the template's language (after any fallback)
    source: Source


@dataclass(frozen=True, slots=True)
class EditableTemplate:
    """What the editor shows for one (status, channel, language)."""

    status: OrderStatus
    channel: Channel
    language: str
    text: TemplateText
    source: Source
    shipped: TemplateText | None  # what "Revert to shipped" restores


def _environment(autoescape: bool) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        undefined=StrictUndefined,
        autoescape=autoescape,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )


_TEXT = _environment(autoescape=False)
_HTML = _environment(autoescape=True)
_UNDEFINED = re.compile(r"'([^']+)' is undefined")


# ----------------------------------------------------------------------------------- catalogue


@cache
def _catalogue(language: str) -> dict[str, Any] | None:
    try:
        raw = resources.files("shipstation_desktop").joinpath("resources", "notifications", f"{language}.json")
        data: dict[str, Any] = json.loads(raw.read_text("utf-8"))
    except (FileNotFoundError, NotADirectoryError):
        return None
    return data


def shipped_languages() -> tuple[str, ...]:
    return tuple(code for code in rules.LANGUAGES if _catalogue(code) is not None)


def shipped_template(status: OrderStatus, channel: Channel, language: str) -> TemplateText | None:
    data = _catalogue(rules.normalize_language(language))
    if data is None:
        return None
    entry = data.get("templates", {}).get(status.value, {}).get(channel.value)
    if not entry:
        return None
    return TemplateText(str(entry.get("subject", "")), str(entry["body"]), str(entry.get("html", "")))


def status_label(status: OrderStatus, language: str) -> str:
    """The status in the customer's words ({{ status }}), by the same fallback chain."""
    for code in rules.language_chain(language):
        data = _catalogue(code)
        if data and status.value in data.get("statuses", {}):
            return str(data["statuses"][status.value])
    return status.value


def status_labels(language: str) -> dict[str, str]:
    return {s.value: status_label(s, language) for s in rules.NOTIFYING_STATUSES}


# ----------------------------------------------------------------------------------- rendering


def _render_one(env: SandboxedEnvironment, source: str, variables: dict[str, str], where: str) -> str:
    try:
        return env.from_string(source).render(variables).strip()
    except TemplateSyntaxError as exc:
        raise TemplateError(f"the {where} has a syntax error on line {exc.lineno}: {exc.message}") from exc
    except UndefinedError as exc:
        m = _UNDEFINED.search(str(exc))
        if m:
            known = ", ".join(rules.TEMPLATE_VARIABLES)
            raise TemplateError(
                f"the {where} uses {{{{ {m.group(1)} }}}}, which is not a notification variable (use {known})"
            ) from exc
        raise TemplateError(f"the {where} cannot be rendered: {exc}") from exc
    except SecurityError as exc:
        raise TemplateError(f"the {where} tries something templates may not do ({exc})") from exc
    except Exception as exc:  # a filter on the wrong type and the like: the template's fault, not a bug
        raise TemplateError(f"the {where} cannot be rendered: {type(exc).__name__}: {exc}") from exc


def render_text(
    text: TemplateText,
    variables: dict[str, str],
    *,
    status: OrderStatus,
    channel: Channel,
    language: str,
    source: Source = "custom",
) -> Rendered:
    name = f"{status.value} {CHANNEL_NAMES[channel]} template ({language})"
    # Every variable is always present (empty when unknown): only a misspelt one is undefined.
    values = {key: "" for key in rules.TEMPLATE_VARIABLES} | {k: str(v) for k, v in variables.items()}
    subject = _render_one(_TEXT, text.subject, values, f"subject of the {name}") if channel is Channel.EMAIL else ""
    body = _render_one(_TEXT, text.body, values, f"body of the {name}")
    html = ""
    if text.html and channel is Channel.EMAIL:
        html = _render_one(_HTML, text.html, values, f"HTML of the {name}")
    if channel is Channel.EMAIL and not subject:
        raise TemplateError(f"the subject of the {name} is empty")
    if not body:
        raise TemplateError(f"the body of the {name} is empty")
    return Rendered(subject, body, html, language, source)


# ----------------------------------------------------------------------------------- lookup


def _custom(session: Session, status: OrderStatus, channel: Channel, language: str) -> NotificationTemplate | None:
    return session.scalar(
        select(NotificationTemplate).where(
            NotificationTemplate.type == status.value,
            NotificationTemplate.channel == channel.value,
            NotificationTemplate.language == language,
        )
    )


def resolve(session: Session, status: OrderStatus, channel: Channel, language: str) -> tuple[TemplateText, str, Source]:
    """The template a customer speaking `language` gets: (text, its language, where it came from)."""
    for code in rules.language_chain(language):
        row = _custom(session, status, channel, code)
        if row is not None:
            return TemplateText(row.subject, row.body, row.html), code, "custom"
        shipped = shipped_template(status, channel, code)
        if shipped is not None:
            return shipped, code, "shipped"
    raise TemplateError(f"no {CHANNEL_NAMES[channel]} template for {status.value} in {language}, es or en")


def render_for(
    session: Session, status: OrderStatus, channel: Channel, language: str, variables: dict[str, str]
) -> Rendered:
    text, used, source = resolve(session, status, channel, language)
    values = dict(variables)
    values.setdefault("status", status_label(status, used))
    return render_text(text, values, status=status, channel=channel, language=used, source=source)


# ----------------------------------------------------------------------------------- the editor


def get_template(bench: Bench, status: OrderStatus, channel: Channel, language: str) -> EditableTemplate:
    language = rules.normalize_language(language)
    shipped = shipped_template(status, channel, language)
    with bench.store.session() as s:
        row = _custom(s, status, channel, language)
        if row is not None:
            return EditableTemplate(
                status, channel, language, TemplateText(row.subject, row.body, row.html), "custom", shipped
            )
    if shipped is None:  # a language nothing ships in: start from what the customer would get
        with bench.store.session() as s:
            fallback, _used, _source = resolve(s, status, channel, language)
        return EditableTemplate(status, channel, language, fallback, "shipped", None)
    return EditableTemplate(status, channel, language, shipped, "shipped", shipped)


def preview(status: OrderStatus, channel: Channel, language: str, text: TemplateText) -> Rendered:
    """The template rendered with sample values (the editor's live preview); raises TemplateError."""
    variables = rules.sample_variables(status, status_labels(language))
    return render_text(text, variables, status=status, channel=channel, language=language)


def save_template(
    bench: Bench, status: OrderStatus, channel: Channel, language: str, text: TemplateText
) -> EditableTemplate:
    """Stores this bench's text; a template that does not render is refused, not saved."""
    language = rules.normalize_language(language)
    preview(status, channel, language, text)
    now = bench.clock.now()
    with bench.store.session() as s:
        row = _custom(s, status, channel, language)
        if row is None:
            row = NotificationTemplate(
                type=status.value, channel=channel.value, language=language, created_at=now, body=text.body
            )
            s.add(row)
        row.subject = text.subject if channel is Channel.EMAIL else ""
        row.body = text.body
        row.html = text.html if channel is Channel.EMAIL else ""
        row.updated_by = bench.user
        row.updated_at = now
    bench.changed("notification_templates")
    return get_template(bench, status, channel, language)


def revert_to_shipped(bench: Bench, status: OrderStatus, channel: Channel, language: str) -> EditableTemplate:
    language = rules.normalize_language(language)
    with bench.store.session() as s:
        row = _custom(s, status, channel, language)
        if row is not None:
            s.delete(row)
    bench.changed("notification_templates")
    return get_template(bench, status, channel, language)
