# ruff: noqa: E402
"""Benchmark the comment sentiment analyzer against human ratings and plain TextBlob / VADER.

Run: .venv/bin/python bench/sentiment.py

Prints, per rated set, Pearson r against the mean human rating and 3-class macro-F1 (human
mean > +0.5 positive, < -0.5 negative, else neutral), then throughput on one core, then one
JSON line with the figures and whether each target is met.
"""

from __future__ import annotations

import os
import sys

# This folder holds queue.py: it must not shadow the standard library's queue module.
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]

import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench import shared_data
from feedback.sentiment import analyze, label_for  # noqa: E402

DATA = shared_data.folder("sentiment")
CLASSES = ("negative", "neutral", "positive")

# A SANITY SET, not an evaluation set: B2B SaaS NPS comments written for this benchmark,
# rated by their author (one rater) on the same -4..+4 scale as the published sets.
SANITY_SET: list[tuple[float, str]] = [
    (3.0, "Love the product, it saves our team hours every week."),
    (2.5, "Onboarding was seamless and the dashboard is really intuitive."),
    (3.0, "Your support team is a lifesaver, they fixed our issue within an hour."),
    (2.0, "Solid tool, does exactly what we need."),
    (1.5, "Pretty good overall, a few rough edges."),
    (-3.0, "Billing is a nightmare and the app crashes constantly."),
    (-2.5, "The integration with Salesforce doesn't work and no one responds to our tickets."),
    (-3.0, "Total waste of money, we are cancelling at renewal."),
    (-2.0, "The reports are so slow they time out half the time."),
    (-1.5, "Great product but support is awful."),
    (1.5, "Support was slow to answer, but the product itself is excellent."),
    (0.0, "We use it mainly for the weekly exports."),
    (0.0, "I am the account admin for our London office."),
    (-2.5, "Support never answers emails, I had to call three times."),
    (2.0, "No problems so far, everything works as expected."),
    (1.5, "Never had an issue with uptime."),
    (-1.5, "The new editor isn't great."),
    (-2.0, "Search is not working since the last update."),
    (-1.0, "It is a bit pricey for a team our size."),
    (2.5, "Responsive support and a very reliable platform!"),
    (-2.5, "Constant bugs, the mobile app is laggy and keeps logging me out."),
    (2.0, "Easy to set up and the API docs are clear."),
    (-1.5, "Hard to find anything in the settings, the navigation is confusing."),
    (0.5, "It's fine. Does the job."),
    (0.0, "ok"),
    (3.5, "Absolutely love it!! Best purchase we made this year."),
    (-3.5, "Worst vendor we have ever dealt with, stay away."),
    (-2.0, "We were overcharged twice and still have not received a refund."),
    (1.0, "Good value for the price, although the UI looks dated."),
    (-1.0, "Although the UI is nice, it crashes a lot."),
    (-2.0, "The sync broke after the update and we lost a day of work."),
    (2.0, "Customer success checks in regularly and really knows our business."),
    (-1.5, "Too many clicks to do simple things."),
    (-1.0, "Missing a proper Slack integration."),
    (0.5, "Would be nice to have dark mode."),
    (2.5, "Rock solid and fast, the team loves it."),
    (-2.0, "The app is down again, third time this month."),
    (-3.0, "Absolutely useless, it never syncs and support ignores us."),
    (1.5, "Not bad at all, the import was painless."),
    (-1.5, "Not as intuitive as we were promised."),
    (2.0, "The new workflow builder is a game changer for our ops team."),
    (-2.0, "Honestly the worst onboarding I have experienced, took forever."),
    (0.0, "We switched from a spreadsheet last quarter."),
    (1.0, "Works well most of the time."),
    (-1.0, "Works, but it is clunky."),
    (-2.5, "Very disappointed with the latest release, lots of regressions and errors."),
    (3.0, "Excellent product and excellent people, highly recommend."),
    (-1.5, "The pricing changes are frustrating."),
    (2.0, "Reports load quickly now, thank you for fixing that!"),
    (-1.0, "Documentation is lacking for the advanced features."),
    (0.5, "Depends on the day, usually ok."),
    (2.5, "The account manager is fantastic and always responds the same day."),
    (-2.0, "Nobody got back to me about the invoice error."),
    (1.5, "Much better than the tool we used before."),
    (-0.5, "It's ok but nothing special."),
    (-2.0, "The calendar sync is flaky and unreliable."),
    (2.0, "Setup took ten minutes, seamless integration with HubSpot."),
    (-1.5, "Why is it so hard to export a simple CSV?"),
    (0.0, "Please add SSO for our Okta tenant."),
    (3.0, "Couldn't live without it, the whole company uses it daily."),
    (-2.5, "Doesn't work on Safari at all, very frustrating!"),
    (1.0, "The mobile app is decent, the web app is better."),
]


def load(path: Path) -> list[tuple[float, str]]:
    """Rows of (mean human rating, text) from an `id<TAB>rating<TAB>text` file."""
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) >= 3:
            rows.append((float(parts[1]), "\t".join(parts[2:])))
    return rows


def pearson(xs: Sequence[float], ys: Sequence[float]) -> float:
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sx = math.sqrt(sum((x - mx) ** 2 for x in xs))
    sy = math.sqrt(sum((y - my) ** 2 for y in ys))
    return sxy / (sx * sy) if sx and sy else 0.0


def to_class(value: float, threshold: float) -> str:
    return "positive" if value > threshold else "negative" if value < -threshold else "neutral"


def macro_f1(gold: Sequence[str], predicted: Sequence[str]) -> float:
    scores = []
    for c in CLASSES:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == c and p == c)
        fp = sum(1 for g, p in zip(gold, predicted, strict=True) if g != c and p == c)
        fn = sum(1 for g, p in zip(gold, predicted, strict=True) if g == c and p != c)
        scores.append(2 * tp / (2 * tp + fp + fn) if tp else 0.0)
    return sum(scores) / len(scores)


def confusion(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, dict[str, int]]:
    """counts[human label][our label]."""
    counts = {g: dict.fromkeys(CLASSES, 0) for g in CLASSES}
    for g, p in zip(gold, predicted, strict=True):
        counts[g][p] += 1
    return counts


Labeller = Callable[[float], str]


def threshold(value: float) -> Labeller:
    return lambda polarity: to_class(polarity, value)


def analyzers() -> dict[str, tuple[Callable[[str], float], Labeller]]:
    """name -> (polarity function, labeller). Ours labels as the product does (label_for);
    the baselines use their usual thresholds."""
    from textblob import TextBlob

    found: dict[str, tuple[Callable[[str], float], Labeller]] = {
        "ours": (lambda t: analyze(t).polarity, label_for),
        "textblob": (lambda t: TextBlob(t).sentiment.polarity, threshold(0.0)),
    }
    try:
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
    except ImportError:
        return found
    vader = SentimentIntensityAnalyzer()
    # 0.05 is the compound threshold the VADER authors recommend.
    found["vader"] = (lambda t: vader.polarity_scores(t)["compound"], threshold(0.05))
    return found


def throughput(score: Callable[[str], float], texts: Sequence[str], seconds: float = 3.0) -> float:
    """Comments per second on this one thread (the process is pinned to one core if it can)."""
    done, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for text in texts:
            score(text)
        done += len(texts)
    return done / (time.perf_counter() - start)


def main() -> None:
    try:
        import os

        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    except (AttributeError, OSError):
        pass
    sets = {p.stem: load(p) for p in sorted(DATA.glob("*.tsv"))}
    sets["sanity (hand-written SaaS comments, author-rated)"] = SANITY_SET
    scorers = analyzers()
    figures: dict[str, dict] = {}
    targets: dict[str, dict] = {}
    print(f"{'set':52} {'n':>6}  " + "  ".join(f"{n + ' r':>11} {n + ' F1':>11}" for n in scorers))
    for name, rows in sets.items():
        human = [r for r, _ in rows]
        gold = [to_class(r, 0.5) for r in human]
        row: dict[str, dict] = {}
        for scorer, (score, labeller) in scorers.items():
            values = [score(text) for _, text in rows]
            row[scorer] = {
                "r": round(pearson(values, human), 3),
                "macro_f1": round(macro_f1(gold, [labeller(v) for v in values]), 3),
            }
        figures[name] = {"n": len(rows), **row}
        print(
            f"{name:52} {len(rows):>6}  "
            + "  ".join(f"{row[s]['r']:>11.3f} {row[s]['macro_f1']:>11.3f}" for s in scorers)
        )
        baselines = [s for s in scorers if s != "ours"]
        for metric in ("r", "macro_f1"):
            best = max(row[s][metric] for s in baselines)
            targets[f"{name} {metric}"] = {
                "value": row["ours"][metric],
                "target": f"> {' and '.join(baselines)} {metric} ({best})",
                "met": all(row["ours"][metric] > row[s][metric] for s in baselines),
            }
        ours_score, ours_label = scorers["ours"]
        labels = [ours_label(ours_score(text)) for _, text in rows]
        matrix = confusion(gold, labels)
        figures[name]["ours_confusion"] = matrix
        print("    ours confusion (rows human, columns ours: neg neu pos):")
        for human_label in CLASSES:
            print(
                f"      {human_label:9} "
                + " ".join(f"{matrix[human_label][c]:>6}" for c in CLASSES)
            )
    sample = [text for rows in sets.values() for _, text in rows[:300]]
    speed = {}
    for scorer, (score, _) in scorers.items():
        speed[scorer] = round(throughput(score, sample))
        print(f"throughput {scorer:9} {speed[scorer]:>8} comments/s (one core)")
    figures["throughput_per_s"] = speed
    targets["throughput"] = {
        "value": speed["ours"],
        "target": "≥ 2000 /s",
        "met": speed["ours"] >= 2000,
    }
    print(json.dumps({"figures": figures, "targets": targets}, ensure_ascii=False))


if __name__ == "__main__":
    main()
