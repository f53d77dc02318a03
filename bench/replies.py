# ruff: noqa: E402
"""Benchmark reply extraction on real-world replies whose visible text other projects state.

Run: .venv/bin/python bench/replies.py [--show-misses]

Scores our extractor and the plain mail-parser-reply library on the development cases in
/work/shared/data/replies/cases.jsonl with the scoring its README describes: both sides
stripped with whitespace collapsed; "exact" equals an expected text, "close" is a word-level
difflib ratio >= 0.9. Prints the counts, then one JSON line with the figures and targets.
"""

from __future__ import annotations

import os
import sys

# This folder holds queue.py: it must not shadow the standard library's queue module.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]

import difflib
import json
from collections.abc import Callable
from email import policy
from email.parser import BytesParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from mailparser_reply import EmailReplyParser

from bench import shared_data
from feedback.mail.replies import REPLY_LANGUAGES, extract_new_text, text_from_html

CASES = shared_data.folder("replies") / "cases.jsonl"
CLOSE = 0.9


def normalise(text: str) -> str:
    return " ".join((text or "").split())


def closeness(got: str, expected: str) -> float:
    return difflib.SequenceMatcher(
        None, normalise(got).split(), normalise(expected).split()
    ).ratio()


def body_text(case: dict) -> str:
    """The text a mail client would hand over: HTML is rendered, raw MIME is parsed."""
    body = case["body"]
    kind = case.get("content_type", "text/plain")
    if kind == "text/html":
        return text_from_html(body)
    if kind == "message/rfc822":
        message = BytesParser(policy=policy.default).parsebytes(body.encode("utf-8", "replace"))
        part = message.get_body(preferencelist=("plain", "html"))
        if part is None:
            return ""
        content = str(part.get_content())
        return text_from_html(content) if part.get_content_subtype() == "html" else content
    return body


def plain_library(text: str) -> str:
    """mail-parser-reply as its README shows it, with the same languages we ask for."""
    return EmailReplyParser(languages=list(REPLY_LANGUAGES)).parse_reply(text=text) or ""


def score(extract: Callable[[str], str], cases: list[dict]) -> dict:
    exact = close = empty = crashed = 0
    misses = []
    for case in cases:
        try:
            got = extract(body_text(case))
        except Exception as error:  # noqa: BLE001 - a crash is a figure here
            crashed += 1
            misses.append((case["id"], f"CRASH {error!r}", 0.0))
            continue
        expected = case["expected"]
        best = max(closeness(got, e) for e in expected)
        if any(normalise(got) == normalise(e) for e in expected):
            exact += 1
        if best >= CLOSE:
            close += 1
        else:
            misses.append((case["id"], got, best))
        if not normalise(got) and any(normalise(e) for e in expected):
            empty += 1
    return {
        "n": len(cases),
        "exact": exact,
        "close": close,
        "close_pct": round(100 * close / len(cases), 1) if cases else 0.0,
        "empty_where_text_expected": empty,
        "crashes": crashed,
        "_misses": misses,
    }


def main() -> None:
    cases = [json.loads(line) for line in CASES.read_text(encoding="utf-8").splitlines() if line]
    results = {"ours": score(extract_new_text, cases), "library": score(plain_library, cases)}
    print(f"{'extractor':10} {'n':>4} {'exact':>6} {'close':>6} {'close %':>8} {'empty':>6}")
    for name, r in results.items():
        print(
            f"{name:10} {r['n']:>4} {r['exact']:>6} {r['close']:>6} {r['close_pct']:>8} "
            f"{r['empty_where_text_expected']:>6}"
        )
    if "--show-misses" in sys.argv:
        for case_id, got, ratio in results["ours"]["_misses"]:
            print(f"--- miss {case_id} ({ratio:.2f})\n{got}")
    figures = {
        name: {k: v for k, v in r.items() if not k.startswith("_")} for name, r in results.items()
    }
    ours = results["ours"]
    targets = {
        "close on development replies": {
            "value": ours["close_pct"],
            "target": "≥ 95%",
            "met": ours["close_pct"] >= 95,
        },
        "empty where text was written": {
            "value": ours["empty_where_text_expected"],
            "target": "= 0",
            "met": ours["empty_where_text_expected"] == 0,
        },
        "crashes": {"value": ours["crashes"], "target": "= 0", "met": ours["crashes"] == 0},
    }
    print(json.dumps({"figures": figures, "targets": targets}, ensure_ascii=False))


if __name__ == "__main__":
    main()
