"""Fixtures of the HTTP tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def admin(api_headers):
    """Bearer-token headers of a new admin."""
    return api_headers("admin")
