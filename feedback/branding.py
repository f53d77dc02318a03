"""A program's branding: which accent colours and logo links are acceptable, and how they reach
pages under a strict Content-Security-Policy (no inline style: the colour comes in a small
stylesheet of its own; the logo's origin is added to img-src on the pages that show it).

Pure: strings in, strings out.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

HEX_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
#: WCAG AA for normal text: white words on the accent (buttons) must stay readable.
MIN_CONTRAST = 4.5
DEFAULT_ACCENT = "#0a58ca"


def _luminance(colour: str) -> float:
    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_with_white(colour: str) -> float:
    """The WCAG contrast ratio of white text on `colour` (1 to 21)."""
    return 1.05 / (_luminance(colour) + 0.05)


def accent_problem(value: str) -> str | None:
    """Why `value` cannot be an accent colour, or None when it can."""
    if not HEX_COLOUR.fullmatch(value):
        return f"{value!r} is not a colour like #0a58ca (a # and six hex digits)."
    ratio = contrast_with_white(value)
    if ratio < MIN_CONTRAST:
        return (
            f"{value} is too light: white text on it has a contrast of {ratio:.1f}:1, "
            f"it needs {MIN_CONTRAST:g}:1 to be readable."
        )
    return None


def logo_problem(value: str) -> str | None:
    """Why `value` cannot be a logo link (https only: the pages are served over https)."""
    parts = urlsplit(value)
    if parts.scheme != "https" or not parts.netloc or len(value) > 500:
        return "Must be an https link to an image, e.g. https://example.com/logo.png."
    return None


def logo_origin(url: str | None) -> str | None:
    """The scheme and host a page must allow images from to show this logo."""
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def accent_stylesheet(colour: str | None) -> str:
    """The stylesheet that gives a program's pages its accent colour."""
    value = colour if colour and HEX_COLOUR.fullmatch(colour) else DEFAULT_ACCENT
    return f":root {{ --accent: {value.lower()}; }}\n"


def with_image_origin(policy: str, origin: str | None) -> str:
    """The Content-Security-Policy `policy` that also allows images from `origin`."""
    if not origin:
        return policy
    return policy.replace("img-src 'self' data:", f"img-src 'self' data: {origin}", 1)
