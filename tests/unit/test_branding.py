"""Branding rules: accent colours white text stays readable on, https logos, and the policy
that lets a branded page show its logo and nothing else from elsewhere."""

from __future__ import annotations

import pytest

from feedback import branding
from feedback.web.security import CONTENT_SECURITY_POLICY


@pytest.mark.parametrize(
    ("colour", "problem"),
    [
        ("#0a58ca", None),
        ("#B42318", None),
        ("#000000", None),
        ("#ffffff", "too light: white text on it has a contrast of 1.0:1"),
        ("#ffcc00", "too light"),
        ("#777777", "too light"),  # 4.48:1, just under AA
        ("#767676", None),  # 4.54:1, just over
        ("0a58ca", "is not a colour like #0a58ca"),
        ("#0a58c", "is not a colour"),
        ("#0a58cz", "is not a colour"),
        ("red", "is not a colour"),
        ("#0a58ca; background: url(x)", "is not a colour"),
    ],
)
def test_accent_colours(colour, problem):
    found = branding.accent_problem(colour)
    assert (found is None) if problem is None else (problem in found)


def test_contrast_matches_wcag():
    assert branding.contrast_with_white("#000000") == pytest.approx(21)
    assert branding.contrast_with_white("#ffffff") == pytest.approx(1)


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://cdn.example.com/logo.png", True),
        ("http://cdn.example.com/logo.png", False),
        ("javascript:alert(1)", False),
        ("https:///logo.png", False),
        ("data:image/png;base64,AAAA", False),
    ],
)
def test_logo_links(url, ok):
    assert (branding.logo_problem(url) is None) is ok


def test_the_policy_allows_the_logos_host_only():
    origin = branding.logo_origin("https://cdn.example.com:8443/a/logo.png?v=2")
    assert origin == "https://cdn.example.com:8443"
    policy = branding.with_image_origin(CONTENT_SECURITY_POLICY, origin)
    assert "img-src 'self' data: https://cdn.example.com:8443;" in policy
    assert policy.replace(" https://cdn.example.com:8443", "") == CONTENT_SECURITY_POLICY
    assert branding.with_image_origin(CONTENT_SECURITY_POLICY, None) == CONTENT_SECURITY_POLICY
    assert branding.logo_origin(None) is None


def test_the_stylesheet_sets_the_accent_or_the_default():
    assert branding.accent_stylesheet("#B42318") == ":root { --accent: #b42318; }\n"
    assert branding.accent_stylesheet(None) == f":root {{ --accent: {branding.DEFAULT_ACCENT}; }}\n"
    assert "url" not in branding.accent_stylesheet("#fff; } body { background: url(x)")
