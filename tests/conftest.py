"""Fixtures shared by the suite."""
import pytest


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the whole run (tests/chromium.py)."""
    from chromium import Chromium

    with Chromium() as browser:
        yield browser
