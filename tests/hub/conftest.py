"""Hub test fixtures: a fresh central PostgreSQL database per test (created and dropped here), and a
bench registered to it, so the hub is tested against the same center benches sync with."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shipstation_desktop.services.bench import Bench
from tests.integration.sync.conftest import center, empty_center, make_bench  # noqa: F401  (re-exported fixtures)


@pytest.fixture
def bench(make_bench: Callable[[str], Bench]) -> Bench:  # noqa: F811
    return make_bench("hub-test-bench")


@pytest.fixture
def hub_secrets() -> dict[str, str]:
    return {
        "webhook_secret": "whsec_test_0123456789",
        "custom_store_user": "shipstation",
        "custom_store_password": "s3cret-Pass!",
    }
