"""Which themes a comment touches, how the customer feels about each, and which recurring
phrases no theme covers yet.

Matching is on Snowball stems, case-insensitively, so a keyword "crash" also finds "crashed"
and "Crashing", and a phrase "single sign-on" finds "Single Sign On". Spans are offsets into
the original text so a page can highlight exactly what the customer wrote.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache

from feedback.sentiment import Sentiment, analyze, is_opinion_word


@dataclass(frozen=True, slots=True)
class Theme:
    """A topic customers talk about, the words they use for it, and who should hear it.

    Keywords match on stems; prefix a word with "=" to match it as written (plural allowed)
    where its stem would catch other words: "=excel" must not match "excellent".
    """

    key: str
    name: str
    keywords: tuple[str, ...]
    owner: str = ""  # suggested owning team, e.g. "Engineering"


@dataclass(frozen=True, slots=True)
class Span:
    """Where a keyword matched: text[start:end] is what the customer wrote."""

    start: int
    end: int
    keyword: str


@dataclass(frozen=True, slots=True)
class ThemeMatch:
    theme: Theme
    spans: tuple[Span, ...]

    @property
    def key(self) -> str:
        return self.theme.key


@dataclass(frozen=True, slots=True)
class Proposal:
    """A recurring phrase no theme covers: a candidate keyword or a new theme."""

    phrase: str
    stems: tuple[str, ...]
    count: int  # number of comments it occurs in
    examples: tuple[str, ...] = field(default=())


def _theme(key: str, name: str, owner: str, keywords: str) -> Theme:
    return Theme(key, name, tuple(k.strip() for k in keywords.split(",")), owner)


DEFAULT_TAXONOMY: tuple[Theme, ...] = (
    _theme("billing", "Billing & pricing", "Finance",
           "billing, bill, invoice, pricing, price, cost, charge, overcharged, refund, payment, "
           "subscription, renewal, plan, discount, expensive, pricey, credit card, seat license"),
    _theme("onboarding", "Onboarding & setup", "Customer Success",
           "onboarding, onboard, setup, set up, getting started, implementation, migration, "
           "migrate, import, training, kickoff, configure, configuration, installation, install, "
           "learning curve, first steps"),
    _theme("reliability", "Reliability & bugs", "Engineering",
           "bug, buggy, crash, glitch, error, broken, outage, downtime, incident, is down, "
           "was down, went down, unreliable, flaky, not working, doesn't work, data loss, fails, "
           "failure, regression"),
    _theme("performance", "Performance", "Engineering",
           "slow, speed, fast, performance, lag, laggy, loading, load time, latency, timeout, "
           "responsive, sluggish, takes forever, quick, snappy, freeze, hangs"),
    _theme("support", "Support", "Support",
           "support, customer service, help desk, helpdesk, ticket, response time, agent, "
           "support team, chat, live chat, callback, escalation, no response"),
    _theme("usability", "Usability", "Product",
           "easy to use, intuitive, confusing, user interface, ui, ux, interface, design, layout, "
           "navigation, navigate, clunky, cumbersome, user friendly, clicks, workflow, "
           "hard to find"),
    _theme("missing_features", "Missing features", "Product",
           "feature request, missing, wish, would be nice, would love, lack, lacking, please add, "
           "roadmap, option to, ability to, no way to, dark mode, =customization, =customize, "
           "=customized, =customizable, =customise, =customisation"),
    _theme("integrations", "Integrations", "Engineering",
           "integration, integrate, api, webhook, sync, salesforce, hubspot, slack, zapier, "
           "jira, microsoft teams, google sheets, =excel, export, connector, sso, single sign-on"),
    _theme("documentation", "Documentation", "Product",
           "documentation, docs, help center, knowledge base, guide, tutorial, manual, "
           "article, examples, release notes, api reference, how-to, walkthrough"),
    _theme("account_management", "Account management", "Customer Success",
           "account manager, csm, customer success, success manager, account team, check-in, "
           "business review, qbr, relationship, point of contact, renewal conversation, "
           "account executive, sales rep"),
)  # fmt: skip


# --- tokens and stems ----------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


@cache
def _stemmer():
    """Snowball's English stemmer: pure Python, no corpora; built on first use."""
    import snowballstemmer

    return snowballstemmer.stemmer("english")


@cache
def stem(word: str) -> str:
    """Stem of one word, lower-cased, with typographic apostrophes made plain."""
    word = word.lower().replace("\u2019", "'")
    if word.endswith("n't"):
        return word  # "doesn't" must not collapse onto "does"
    return _stemmer().stemWord(word)


def _tokens(text: str) -> list[tuple[str, str, int, int]]:
    """(stem, lower-cased word, start, end) for each word, offsets into text itself."""
    plain = text.replace("\u2019", "'")
    return [
        (stem(m.group()), m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(plain)
    ]


@cache
def _keyword_terms(keyword: str) -> tuple[str, ...]:
    """Stems of a keyword; a word written "=excel" must match as written (or plural), because
    stems collide ("excellent" stems to "excel")."""
    terms = []
    for word in keyword.split():
        if word.startswith("="):
            terms.append(word)
        else:
            terms.extend(s for s, _, _, _ in _tokens(word))
    return tuple(terms)


def _term_matches(term: str, token: tuple[str, str, int, int]) -> bool:
    if term.startswith("="):
        return token[1] in (term[1:], term[1:] + "s")
    return token[0] == term


def _index(themes: Sequence[Theme]) -> dict[str, list[tuple[tuple[str, ...], Theme, str]]]:
    """The keyword index of a taxonomy, built once per distinct taxonomy (every stored comment
    is matched against the same few dozen themes; stemming their keywords each time was a
    few milliseconds of every answer). Callers only read it."""
    return _built_index(tuple(themes))


@lru_cache(maxsize=8)
def _built_index(
    themes: tuple[Theme, ...],
) -> dict[str, list[tuple[tuple[str, ...], Theme, str]]]:
    index: dict[str, list[tuple[tuple[str, ...], Theme, str]]] = defaultdict(list)
    for theme in themes:
        for keyword in theme.keywords:
            terms = _keyword_terms(keyword)
            if terms:
                first = stem(terms[0][1:]) if terms[0].startswith("=") else terms[0]
                index[first].append((terms, theme, keyword))
    for options in index.values():
        options.sort(key=lambda o: -len(o[0]))  # longest phrase first
    return dict(index)


# --- matching ------------------------------------------------------------------------------


def match_themes(text: str, themes: Sequence[Theme] = DEFAULT_TAXONOMY) -> list[ThemeMatch]:
    """Themes whose keywords occur in text, each with its spans, in order of first mention."""
    tokens = _tokens(text)
    index = _index(themes)
    found: dict[str, list[Span]] = {}
    by_key = {t.key: t for t in themes}
    taken: dict[str, int] = {}  # theme key -> first token index still free
    for i, token in enumerate(tokens):
        for terms, theme, keyword in index.get(token[0], ()):
            size = len(terms)
            if i < taken.get(theme.key, 0) or i + size > len(tokens):
                continue
            if not all(_term_matches(t, tokens[i + j]) for j, t in enumerate(terms)):
                continue
            span = Span(tokens[i][2], tokens[i + size - 1][3], keyword.replace("=", ""))
            found.setdefault(theme.key, []).append(span)
            taken[theme.key] = i + size  # a theme's own spans do not overlap
    matches = [ThemeMatch(by_key[k], tuple(spans)) for k, spans in found.items()]
    return sorted(matches, key=lambda m: m.spans[0].start)


# --- aspect sentiment ----------------------------------------------------------------------

_SENTENCE = re.compile(r"[.!?;\n]+")
_CLAUSE = re.compile(
    r"[.!?;:\n]+|,|\s-\s|[\u2013\u2014]|\b(?:but|however|although|though|whereas|while|yet|and|whilst)\b",
    re.IGNORECASE,
)


def _segments(text: str, boundary: re.Pattern[str]) -> list[tuple[int, int]]:
    bounds, pos = [], 0
    for m in boundary.finditer(text):
        bounds.append((pos, m.start()))
        pos = m.end()
    bounds.append((pos, len(text)))
    return [(a, b) for a, b in bounds if text[a:b].strip()]


def _containing(segments: list[tuple[int, int]], span: Span) -> tuple[int, int] | None:
    for a, b in segments:
        if a <= span.start < b:
            return a, b
    return None


#: How many words either side of a theme's term may speak about it.
ASPECT_WINDOW = 5


def _near(text: str, clause: tuple[int, int], span: Span) -> str:
    """The words of the clause within ASPECT_WINDOW words of the span, the span included."""
    a, b = clause
    tokens = [(a + s, a + e) for _, _, s, e in _tokens(text[a:b])]
    inside = [k for k, (s, e) in enumerate(tokens) if s < span.end and e > span.start]
    if not inside:
        return text[span.start : span.end]
    first = max(0, inside[0] - ASPECT_WINDOW)
    last = min(len(tokens) - 1, inside[-1] + ASPECT_WINDOW)
    return text[tokens[first][0] : tokens[last][1]]


def aspect_sentiment(text: str, matches: Iterable[ThemeMatch]) -> dict[str, Sentiment]:
    """Sentiment of each matched theme, from the words near its terms.

    "Love the support but the app is slow": support is positive, performance negative, where
    the comment as a whole is mixed. The words within ASPECT_WINDOW of the term, inside its
    clause, speak first, so an unrelated word further along the clause ("our own customers")
    does not colour the theme; a term with no opinion near it ("the support, as always, was
    great") widens to its clause, then its sentence.
    """
    clauses = _segments(text, _CLAUSE)
    sentences = _segments(text, _SENTENCE)
    result: dict[str, Sentiment] = {}
    for match in matches:
        pieces: list[str] = []
        for span in match.spans:
            clause = _containing(clauses, span)
            piece = _near(text, clause, span) if clause else ""
            if not piece or not analyze(piece).drivers:
                piece = text[clause[0] : clause[1]] if clause else ""
            if not piece or not analyze(piece).drivers:
                sentence = _containing(sentences, span)
                piece = text[sentence[0] : sentence[1]] if sentence else text
            if piece.strip() not in pieces:
                pieces.append(piece.strip())
        result[match.key] = analyze(". ".join(pieces))
    return result


# --- emerging phrases ----------------------------------------------------------------------

STOPWORDS: frozenset[str] = frozenset(
    """a about above after again against all am an and any are as at be because been before
    being below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it
    its itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself also
    get got getting go going been can't don't doesn't isn't wasn't won't would've i'm i've we're
    we've it's that's there's us much many lot lots really still even ever every one two
    thing things something anything everything way make made use used using need needs want
    please thanks thank think know like well able since though however yet etc via per
    product app tool software platform service company team day days week weeks time
    customer customers user users client clients people person staff""".split()
)


# Numbers and dates recur in every month's comments without being a topic ("three outages in
# one month", "since March"): counting words, ordinals, calendar and clock words.
NUMBER_AND_DATE_WORDS: frozenset[str] = frozenset(
    """zero one two three four five six seven eight nine ten eleven twelve fifteen twenty thirty
    forty fifty hundred hundreds thousand thousands million dozen dozens half couple first second
    third fourth fifth last next once twice several few
    january february march april june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday
    saturday sunday today yesterday tomorrow tonight morning afternoon evening night weekend
    minute minutes hour hours month months year years quarter quarters ago date""".split()
)
_NOUNISH = ("NN", "JJ", "VBG")  # nouns, their adjectives, and gerunds such as "onboarding"


@cache
def _tag(word: str) -> str:
    """The word's most frequent part of speech in TextBlob's English lexicon ('' if unknown:
    product names and jargon, which are nouns in feedback more often than not)."""
    from textblob.en import lexicon

    return lexicon.get(word) or ""


def _is_topic_word(word: str, stem_: str) -> bool:
    """Stopwords, numbers, dates, verbs and opinion words ("great", "awful") are not topics."""
    tag = _tag(word)
    return (
        len(word) > 2
        and not any(ch.isdigit() for ch in word)
        and word not in STOPWORDS
        and stem_ not in STOPWORDS
        and word not in NUMBER_AND_DATE_WORDS
        and tag != "CD"
        and (not tag or tag.startswith(_NOUNISH))
        and not is_opinion_word(word)
    )


def _is_noun_phrase(words: Sequence[str]) -> bool:
    """A proposal names a thing: its last word is a noun (or a word the lexicon does not know,
    like "sso" or "quickbooks"), so "explain" or "dark" alone never come up."""
    tag = _tag(words[-1])
    return not tag or tag.startswith("NN") or tag == "VBG"


def propose_phrases(
    comments: Sequence[str],
    themes: Sequence[Theme] = DEFAULT_TAXONOMY,
    min_count: int = 3,
    max_words: int = 3,
) -> list[Proposal]:
    """Recurring 1-3 word noun phrases (stems grouped) in comments that no theme's keywords
    cover, free of stop words, numbers and dates, each with its volume and examples.

    Counts comments, not occurrences, so one long rant does not make a trend. A shorter phrase
    found only inside a longer one ("dark" in "dark mode") is dropped in its favour.
    """
    counts: Counter[tuple[str, ...]] = Counter()
    surfaces: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
    examples: dict[tuple[str, ...], list[str]] = defaultdict(list)
    for comment in comments:
        covered = {
            (span.start, span.end) for m in match_themes(comment, themes) for span in m.spans
        }
        seen: set[tuple[str, ...]] = set()
        for a, b in _segments(comment, _SENTENCE):
            run: list[tuple[str, str]] = []  # consecutive topic words: (stem, surface)
            for stem_, _, start, end in _tokens(comment[a:b]):
                word = comment[a + start : a + end].lower()
                inside = any(s <= a + start < e for s, e in covered)
                if inside or not _is_topic_word(word, stem_):
                    run = []
                    continue
                run.append((stem_, word))
                for n in range(1, min(max_words, len(run)) + 1):
                    if not _is_noun_phrase([w for _, w in run[-n:]]):
                        continue
                    gram = tuple(s for s, _ in run[-n:])
                    surfaces[gram][" ".join(w for _, w in run[-n:])] += 1
                    if gram not in seen:
                        seen.add(gram)
                        counts[gram] += 1
                        if len(examples[gram]) < 3:
                            examples[gram].append(comment)
    frequent = [g for g, c in counts.items() if c >= min_count]
    frequent.sort(key=lambda g: (-len(g), -counts[g]))
    kept: list[tuple[str, ...]] = []
    for gram in frequent:
        inside_longer = any(
            counts[longer] >= counts[gram] and _contains(longer, gram) for longer in kept
        )
        if not inside_longer:
            kept.append(gram)
    proposals = [
        Proposal(surfaces[g].most_common(1)[0][0], g, counts[g], tuple(examples[g])) for g in kept
    ]
    return sorted(proposals, key=lambda p: (-p.count, -len(p.stems), p.phrase))


def comment_stems(text: str) -> tuple[str, ...]:
    """The stems of a comment's words in order: tokenise once, test many phrases."""
    return tuple(s for s, _, _, _ in _tokens(text))


def contains_phrase(stems: Sequence[str], phrase: Sequence[str]) -> bool:
    """Does a comment (its stems) say a proposal's phrase (its stems, consecutive)?"""
    n = len(phrase)
    if n == 0:
        return False
    return any(tuple(stems[i : i + n]) == tuple(phrase) for i in range(len(stems) - n + 1))


def _contains(longer: tuple[str, ...], shorter: tuple[str, ...]) -> bool:
    n = len(shorter)
    return len(longer) > n and any(longer[i : i + n] == shorter for i in range(len(longer) - n + 1))


def highlight(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[str, str | None]]:
    """Cut `text` into (piece, theme name or None) so a page can mark what matched.

    Overlapping spans keep the earlier one; offsets outside the text are ignored.
    """
    pieces: list[tuple[str, str | None]] = []
    at = 0
    for start, end, name in sorted(spans):
        if start < at or start >= end or end > len(text):
            continue
        if start > at:
            pieces.append((text[at:start], None))
        pieces.append((text[start:end], name))
        at = end
    if at < len(text):
        pieces.append((text[at:], None))
    return pieces
