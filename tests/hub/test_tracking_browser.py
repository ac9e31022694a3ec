"""The tracking page in a real browser: Debian's headless chromium driven through chromedriver by
Selenium, against the hub served by uvicorn on 127.0.0.1. What the customer reads, in two languages,
and the status changing on screen, with no reload, when the carrier's event reaches the center."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from shipstation_desktop.hub import tracking_page
from shipstation_desktop.hub.state import HubConfig, HubState
from shipstation_desktop.services.bench import Bench
from tests.hub.tracking_support import Parcel, later, push_event, serve, ship_parcel

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's chromium is not installed (/usr/bin/chromium: apt-get install chromium)"
    ),
]


def open_browser(accept_language: str = "") -> WebDriver:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=412,915"):
        options.add_argument(arg)  # a phone-sized window: the page is meant for mobiles
    if accept_language:
        options.add_experimental_option("prefs", {"intl.accept_languages": accept_language})
    # An explicit driver: Selenium Manager would otherwise try to download one.
    return webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    driver = open_browser()
    yield driver
    driver.quit()


@pytest.fixture
def hub(center: str) -> Iterator[HubState]:
    state = HubState(HubConfig(central_url=center))
    yield state
    state.close()


@pytest.fixture
def parcel(bench: Bench, hub: HubState) -> Parcel:
    return ship_parcel(bench)


@pytest.fixture
def limiter() -> tracking_page.StreamLimiter:
    return tracking_page.StreamLimiter(per_client=4)


@pytest.fixture
def site(hub: HubState, limiter: tracking_page.StreamLimiter) -> Iterator[str]:
    app = FastAPI()
    app.include_router(tracking_page.router(hub, tracking_page.StreamSettings(poll_seconds=0.1, limiter=limiter)))
    with serve(app) as base:
        yield base


def wait(driver: WebDriver) -> WebDriverWait[WebDriver]:
    return WebDriverWait(driver, 20)


def leave(driver: WebDriver, limiter: tracking_page.StreamLimiter) -> None:
    """Closes the page (and with it the EventSource); the server must notice and end the stream."""
    driver.get("about:blank")
    assert limiter.wait_idle(timeout=20)


def test_page_reads_in_spanish_and_chinese(
    browser: WebDriver, site: str, parcel: Parcel, limiter: tracking_page.StreamLimiter
) -> None:
    browser.get(f"{site}/track/{parcel.tracking_number}?lang=es")
    wait(browser).until(ec.visibility_of_element_located((By.ID, "live")))  # the script got the live state

    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "es"
    assert browser.find_element(By.ID, "status").text == "Etiqueta creada"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Seguimiento de envío"
    assert "Se actualiza en directo" in browser.find_element(By.ID, "live").text
    body = browser.find_element(By.TAG_NAME, "body").text
    assert parcel.tracking_number in body and "San Francisco, US" in body and "Entrega prevista" in body

    browser.get(f"{site}/track/{parcel.tracking_number}?lang=zh")

    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh"
    assert browser.find_element(By.ID, "status").text == "已创建运单"
    assert browser.find_element(By.TAG_NAME, "h1").text == "包裹跟踪"
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "承运商" in body and "物流记录" in body and "Entrega prevista" not in body
    leave(browser, limiter)


def test_browser_language_is_honoured(site: str, parcel: Parcel, limiter: tracking_page.StreamLimiter) -> None:
    driver = open_browser(accept_language="ro-RO,ro,en")
    try:
        driver.get(f"{site}/track/{parcel.tracking_number}")
        assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "ro"
        assert driver.find_element(By.ID, "status").text == "Etichetă creată"
        leave(driver, limiter)
    finally:
        driver.quit()


def test_status_changes_live_without_reload(
    browser: WebDriver, site: str, hub: HubState, parcel: Parcel, limiter: tracking_page.StreamLimiter
) -> None:
    browser.get(f"{site}/track/{parcel.tracking_number}?lang=es")
    wait(browser).until(ec.visibility_of_element_located((By.ID, "live")))
    status = browser.find_element(By.ID, "status")
    assert status.text == "Etiqueta creada"

    push_event(hub, parcel, "OUT_FOR_DELIVERY", "With courier", later(parcel, 20), location="San Francisco, CA")

    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "status"), "En reparto"))
    assert status.get_attribute("data-status") == "out_for_delivery"
    first = browser.find_element(By.CSS_SELECTOR, "#events li")
    assert "With courier" in first.text and "En reparto" in first.text and "UTC" in first.text

    at = later(parcel, 26)
    push_event(
        hub,
        parcel,
        "DELIVERED",
        "Delivered",
        at,
        shipment_fields={"actual_delivery": at.isoformat(), "delivery_signature": "Front Desk"},
    )

    wait(browser).until(ec.text_to_be_present_in_element((By.ID, "status"), "Entregado"))
    assert browser.find_element(By.ID, "delivered").text == f"{at:%Y-%m-%d %H:%M} UTC"
    assert browser.find_element(By.ID, "signed").text == "F. D."
    assert not browser.find_element(By.ID, "eta").is_displayed()  # no ETA once delivered
    assert len(browser.find_elements(By.CSS_SELECTOR, "#events li")) == 3
    leave(browser, limiter)
