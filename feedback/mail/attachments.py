"""What an inbound email carried besides its text: each attachment's name, type and size.

Pure: plain values in, plain values out. The content itself is not kept (a customer's reply is
its words; files can be large and sensitive), but the thread shows that something was attached,
so a CSM can ask for it instead of the customer's file vanishing without a trace.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from email import policy
from email.parser import BytesParser
from typing import Any

# What a file name from a mail client may hold that the database cannot (NUL, lone surrogates).
_UNSTORABLE = re.compile("[\x00-\x1f\x7f\ud800-\udfff]")
MAX_LISTED = 50  # a post with more attachments lists the first fifty
MAX_NAME = 255


def _entry(name: str | None, content_type: str | None, size: int) -> dict[str, Any]:
    name = _UNSTORABLE.sub("", name or "") or "unnamed"
    content_type = _UNSTORABLE.sub("", content_type or "") or "application/octet-stream"
    return {"filename": name[:MAX_NAME], "content_type": content_type[:MAX_NAME],
            "size": int(size)}  # fmt: skip


def from_parsed_post(files: Iterable[tuple[str, str | None, str | None, int]],
                     attachment_info: str | None) -> list[dict[str, Any]]:  # fmt: skip
    """Inbound Parse's default mode: files as (field, filename, content type, size), with the
    'attachment-info' JSON naming each field's original file name."""
    try:
        info = json.loads(attachment_info or "{}")
    except ValueError:
        info = {}
    info = info if isinstance(info, Mapping) else {}
    out = []
    for field, filename, content_type, size in files:
        meta = info.get(field) if isinstance(info.get(field), Mapping) else {}
        name = meta.get("filename") or meta.get("name") or filename
        out.append(_entry(str(name) if name else None, meta.get("type") or content_type, size))
    return out[:MAX_LISTED]


def from_mime(raw: str | bytes) -> list[dict[str, Any]]:
    """The raw mode ('email' holds the whole MIME message): its attachment parts."""
    data = raw.encode("utf-8", "replace") if isinstance(raw, str) else raw
    message = BytesParser(policy=policy.default).parsebytes(data)
    out = []
    for part in message.iter_attachments():  # type: ignore[attr-defined]
        payload = part.get_payload(decode=True) or b""
        out.append(_entry(part.get_filename(), part.get_content_type(), len(payload)))
        if len(out) >= MAX_LISTED:
            break
    return out
