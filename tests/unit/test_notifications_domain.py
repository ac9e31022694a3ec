"""Notification rules (quiet hours across midnight and DST, language fallback, defaults) and the
shipped template catalogue, rendered in the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from shipstation_desktop.domain import notifications as rules
from shipstation_desktop.domain.clock import FakeClock
from shipstation_desktop.domain.enums import OrderStatus
from shipstation_desktop.domain.errors import UserError
from shipstation_desktop.domain.notifications import Channel, Preferences, QuietHours
from shipstation_desktop.services import notification_templates as templates
from shipstation_desktop.services.notification_templates import TemplateError, TemplateText


@pytest.mark.parametrize(
    ("start", "end", "local", "quiet"),
    [
        ("22:00", "08:00", "23:59", True),
        ("22:00", "08:00", "00:00", True),
        ("22:00", "08:00", "07:59", True),
        ("22:00", "08:00", "08:00", False),
        ("22:00", "08:00", "21:59", False),
        ("13:00", "15:00", "14:00", True),
        ("13:00", "15:00", "15:00", False),
        ("09:00", "09:00", "09:00", False),  # equal ends: no quiet hours at all
    ],
)
def test_quiet_hours_window(start: str, end: str, local: str, quiet: bool) -> None:
    assert QuietHours.parse(start, end).contains(rules.parse_hhmm(local)) is quiet


def test_quiet_until_uses_the_customers_zone_and_the_next_morning() -> None:
    clock = FakeClock(datetime(2026, 1, 14, 22, 30, tzinfo=UTC))  # 23:30 Madrid, 07:30 Tokyo (next day)
    quiet = QuietHours()
    assert rules.quiet_until(clock.now(), "Europe/Madrid", quiet) == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)
    assert rules.quiet_until(clock.now(), "Asia/Tokyo", quiet) == datetime(2026, 1, 14, 23, 0, tzinfo=UTC)
    assert rules.quiet_until(clock.now(), "America/New_York", quiet) is None  # 17:30 there
    clock.advance(2 * 3600)  # 01:30 Madrid: the end is the same morning
    assert rules.quiet_until(clock.now(), "Europe/Madrid", quiet) == datetime(2026, 1, 15, 7, 0, tzinfo=UTC)


def test_quiet_hours_end_follows_the_wall_clock_across_a_dst_change() -> None:
    # Spain springs forward at 02:00 on 2026-03-29: 08:00 that morning is 06:00 UTC, not 07:00.
    night = datetime(2026, 3, 28, 22, 0, tzinfo=UTC)  # 23:00 CET
    assert rules.quiet_until(night, "Europe/Madrid", QuietHours()) == datetime(2026, 3, 29, 6, 0, tzinfo=UTC)


def test_send_time_defers_never_drops() -> None:
    prefs = Preferences()
    late = datetime(2026, 7, 1, 21, 0, tzinfo=UTC)  # 23:00 CEST
    assert rules.send_time(late, prefs) == (datetime(2026, 7, 2, 6, 0, tzinfo=UTC), True)
    noon = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert rules.send_time(noon, prefs) == (noon, False)
    with pytest.raises(ValueError, match="naive"):
        rules.quiet_until(datetime(2026, 7, 1, 10, 0), "Europe/Madrid", QuietHours())


def test_defaults_email_on_for_shipping_news_sms_off() -> None:
    prefs = Preferences()
    assert {s for s in OrderStatus if prefs.wants(s, Channel.EMAIL)} == {
        OrderStatus.SHIPPED,
        OrderStatus.OUT_FOR_DELIVERY,
        OrderStatus.DELIVERED,
        OrderStatus.DELAYED,
        OrderStatus.EXCEPTION,
    }
    assert not any(prefs.wants(s, Channel.SMS) for s in OrderStatus)
    assert (prefs.language, prefs.timezone, prefs.quiet_hours) == ("es", "Europe/Madrid", QuietHours(time(22), time(8)))


def test_language_chain_and_pick() -> None:
    assert rules.language_chain("ro") == ("ro", "es", "en")
    assert rules.language_chain("en-GB") == ("en", "es")
    assert rules.language_chain("ES_es") == ("es", "en")
    assert rules.pick_language("de", {"en", "es"}) == "es"
    assert rules.pick_language("de", {"en"}) == "en"
    assert rules.pick_language("de", {"fr"}) is None


def test_bad_inputs_are_user_errors() -> None:
    with pytest.raises(UserError, match="not a time of day"):
        rules.parse_hhmm("25:99")
    with pytest.raises(UserError, match="not a known time zone"):
        rules.zone("Mars/Olympus_Mons")
    with pytest.raises(UserError, match="not an order status that notifies"):
        rules.parse_statuses(["pending"])


@pytest.mark.parametrize("language", rules.LANGUAGES)
@pytest.mark.parametrize("channel", list(Channel))
def test_every_notifying_status_ships_a_template_that_renders(language: str, channel: Channel) -> None:
    assert language in templates.shipped_languages()
    for status in rules.NOTIFYING_STATUSES:
        text = templates.shipped_template(status, channel, language)
        assert text is not None, (status, channel, language)
        rendered = templates.preview(status, channel, language, text)
        assert "SO-10042" in rendered.body
        assert "{{" not in rendered.body and "{%" not in rendered.body
        if channel is Channel.EMAIL:
            assert "SO-10042" in rendered.subject and "Ana García" in rendered.body


def test_status_labels_fall_back_and_empty_variables_drop_their_lines() -> None:
    assert templates.status_label(OrderStatus.SHIPPED, "zh") == "已发货"
    assert templates.status_label(OrderStatus.SHIPPED, "de") == "enviado"
    text = templates.shipped_template(OrderStatus.SHIPPED, Channel.EMAIL, "en")
    assert text is not None
    rendered = templates.render_text(
        text, {"order_number": "SO-1", "customer_name": "Bo"}, status=OrderStatus.SHIPPED, channel=Channel.EMAIL,
        language="en",
    )  # fmt: skip
    assert rendered.body == "Hello Bo,\n\nYour order SO-1 has shipped.\n\nThank you for your order."


def test_template_errors_name_the_part_and_the_problem() -> None:
    def render(subject: str, body: str = "ok", html: str = "") -> str:
        return templates.preview(OrderStatus.SHIPPED, Channel.EMAIL, "es", TemplateText(subject, body, html)).html

    with pytest.raises(TemplateError, match=r"subject of the shipped e-mail template \(es\) uses \{\{ numero \}\}"):
        render("{{ numero }}")
    with pytest.raises(TemplateError, match=r"body of the shipped e-mail template .* syntax error on line 2"):
        render("ok", "line one\n{% if %}")
    with pytest.raises(TemplateError, match="may not do"):
        render("{{ order_number.__class__.__mro__ }}")
    with pytest.raises(TemplateError, match=r"subject .* is empty"):
        render("   ")
    html = render("ok", "ok", "<p>{{ customer_name }} &amp; {{ '<script>' }}</p>")
    assert html == "<p>Ana García &amp; &lt;script&gt;</p>"  # autoescaped: a name cannot inject markup
