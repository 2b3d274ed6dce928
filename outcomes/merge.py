"""Merge the worksheet, every note and every poll of a session into one :class:`Report`.

Order follows the contract: the worksheet first, then first appearance in the notes (notes taken in
file-name order). Themes merge by title; takeaways and actions that say the same thing are kept once
with every source. Nothing is dropped without a warning.

Each text is read once (:func:`read_text`) and compared only with the kept items that share its rarer
word stems, so merging stays linear in the number of items. Two texts merge when they are the same
words, near-identical wording, or, for takeaways and actions, the same meaning by their sentence
embeddings; never when they differ by a negation, a negating prefix, a number or a name
(:func:`guard`). Pairs close in meaning but not merged are listed for the editor (``Report.review``),
and every merge is recorded with its rule and score (``Report.merges``, written to build.json).
"""

from __future__ import annotations

import os
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cache, lru_cache
from importlib import resources
from itertools import zip_longest
from typing import Generic, TypeVar

from rapidfuzz import fuzz

from outcomes import catalog, summary
from outcomes.errors import Location, Problems
from outcomes.ingest.notes import strip_numbering
from outcomes.model import (
    Action,
    ActionLineRow,
    Channel,
    ExecutiveSummary,
    GroupCount,
    Merged,
    MergeKind,
    Note,
    NoteMeta,
    Paragraph,
    Person,
    Poll,
    Report,
    ReviewPair,
    Role,
    SessionMeta,
    Source,
    SpeakerStats,
    SummaryPart,
    Takeaway,
    Theme,
    Worksheet,
)

T = TypeVar("T", Takeaway, Action, Paragraph)

# Similarity (rapidfuzz ratio on normalized text, its sentences sorted, 0-100) at or above which two
# theme titles are the same theme. 90 joins "Security & harmful activity mitigation in practice" with
# "Security and Harmful Activity Mitigation in Practice" or a one-word variant of a long title, and
# keeps apart titles that share most words but differ in their subject ("Access to information" vs
# "Access to infrastructure" score 71). tests/test_merge.py pins both sides.
THEME_THRESHOLD = 90
# Takeaways and actions are sentences; a slightly lower bar catches rewordings such as a changed
# article or plural, while different sentences on the same topic stay below it (see tests).
ITEM_THRESHOLD = 88

# Paraphrases, by the cosine of their sentence embeddings (outcomes.embed). Measured on USE
# multilingual v3: the paraphrases score 0.95 and 0.88, their French, Spanish, Chinese,
# Russian and Arabic versions 0.84-0.99; statements that differ in one word score as high
# ("regulated"/"deregulated" 0.998, "Increase"/"Reduce funding" 0.89), which is why the guards and
# the substitution rule below decide those, never the score. tests/test_merge.py pins both.
MEANING_THRESHOLD = 0.83
REVIEW_THRESHOLD = 0.72
"""Below the merge bar and at or above this, both are kept and the pair is listed for the editor."""
MIN_MEANING_OVERLAP = 0.3
"""Share of content stems two texts must have in common before their meaning may merge them."""
MAX_EMBEDDED = 300
"""Most texts embedded per session (each costs model time); beyond, wording alone decides."""
MAX_POSTING = 64
"""A stem that more kept items share than this is too common to find candidates by."""
MAX_CANDIDATES = 16
"""Kept items a new item is compared with, those sharing the most rare stems: merging stays linear."""


# ---- a text, read once -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """What comparing needs of a text, computed once per text."""

    raw: str
    norm: str
    key: str
    """Its normalised sentences, sorted: equal for texts whose sentences are the same in any order."""
    words: frozenset[str]
    stems: tuple[str, ...]
    numbers: tuple[str, ...]
    negations: int
    names: frozenset[str]
    groups: frozenset[int]
    group_order: tuple[int, ...]
    name_order: tuple[str, ...]
    """Known groups and names in the order the text mentions them: who does what to whom."""


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"\w[\w'’-]*")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A whole run of numeral characters with a multiplier in it ("三十五"), looked for from the run's start only.
_CJK_NUMBER = re.compile(
    r"(?<![零〇一二三四五六七八九十百千万萬亿億两])(?=[零〇一二三四五六七八九两]*+[十百千万萬亿億])"
    r"[零〇一二三四五六七八九十百千万萬亿億两]++"
)
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;。！？；])\s*")
_SENTENCE_END = re.compile(r"[.!?:;•\n]")
_ARTICLE = re.compile(r"^(?:وال|بال|كال|فال|لل|ال)(?=\w{3})")


@cache
def _guards() -> dict:
    data = catalog.load_data("merge_guards.yaml")
    negations = {catalog.normalize(w) for words in data["negations"].values() for w in words}
    stop = set(FUNCTION_WORDS)
    for words in data["function_words"].values():
        stop.update(catalog.normalize(w) for w in words)
    for name in ("english", "french", "spanish", "arabic"):
        # sumy's stop-word lists, read as the package's data files: get_stop_words() would import
        # requests and pycountry into every build.
        listed = resources.files("sumy").joinpath("data", "stopwords", f"{name}.txt").read_text("utf-8")
        stop.update(catalog.normalize(w) for w in listed.split())
    # Names by their first word (so a text looks up only its own words) and, for Chinese, whole.
    groups: dict[str, list[tuple[str, int]]] = defaultdict(list)
    cjk_groups: list[tuple[str, int]] = []
    for i, names in enumerate(data["names"]):
        for name in map(catalog.normalize, names):
            if _CJK.search(name):
                cjk_groups.append((name, i))
            else:
                groups[name.split()[0]].append((name, i))
    prefixes = tuple(sorted({catalog.normalize(p) for p in data["negating_prefixes"]}, key=len, reverse=True))
    cjk_negations = "".join(w for w in data["negations"]["zh"])
    return {
        "negations": negations,
        "cjk": cjk_negations,
        "stop": stop,
        "groups": groups,
        "cjk_groups": cjk_groups,
        "prefixes": prefixes,
    }


def _stems(words: list[str], stop: set[str]) -> list[str]:
    stems = []
    for word in words:
        if _CJK.fullmatch(word):
            # No spaces to split Chinese on: overlapping character pairs stand for its words.
            stems += [word[i : i + 2] for i in range(max(1, len(word) - 1))]
        elif word not in stop and (len(word) > 2 or word.isdigit()):
            # Six letters join spelling variants and inflections (modernisation/modernization,
            # потенциал/потенциала) without a stemmer per language.
            stems.append(_ARTICLE.sub("", word)[:6])
    return stems


@lru_cache(maxsize=65536)
def read_text(text: str) -> Text:
    """Normalise a text once: its words, content stems, numbers, negations and names."""
    g = _guards()
    norm = catalog.normalize(text)
    words = []
    for word in norm.split():
        words += [w for w in re.split(r"([\u3400-\u9fff\uf900-\ufaff]+)", word) if w]
    names: dict[str, int] = {}
    previous = None
    for m in _WORD.finditer(text):
        token = m.group()
        # A capital after a full stop (or first) only starts a sentence; elsewhere it names someone.
        at_start = previous is None or bool(_SENTENCE_END.search(text, previous, m.start()))
        previous = m.end()
        capitals = sum(c.isupper() for c in token)
        if capitals >= 2 or (capitals and token[0].isupper() and not at_start):
            names.setdefault(catalog.normalize(token), m.start())
    padded = f" {norm} "
    # Where each known group is first named (in the normalised text), to know their order.
    groups: dict[int, int] = {}
    for w in set(words):
        for name, i in g["groups"].get(w, ()):
            at = padded.find(f" {name} ")
            if at >= 0:
                groups[i] = min(at, groups.get(i, at))
    if _CJK.search(norm):
        for name, i in g["cjk_groups"]:
            if name in norm:
                groups[i] = min(norm.find(name), groups.get(i, len(norm)))
    numbers = [re.sub(r"(?<=\d)[,.](?=\d{3}\b)", "", n) for n in _NUMBER.findall(text)]
    numbers += _CJK_NUMBER.findall(text)
    negations = sum(w in g["negations"] for w in words) + sum(text.count(c) for c in g["cjk"])
    return Text(
        raw=text,
        norm=norm,
        key=" | ".join(sorted(catalog.normalize(s) for s in _SENTENCE_SPLIT.split(text) if s.strip())),
        words=frozenset(words),
        stems=tuple(_stems(words, g["stop"])),
        numbers=tuple(sorted(numbers)),
        negations=negations,
        names=frozenset(names),
        groups=frozenset(groups),
        group_order=tuple(sorted(groups, key=groups.get)),
        name_order=tuple(sorted(names, key=names.get)),
    )


def guard(a: Text, b: Text) -> str | None:
    """Why two texts must stay apart however alike they are: a negation, number or name; else None."""
    if a.negations != b.negations:
        return "negation"
    if a.numbers != b.numbers:
        return "number"
    if a.groups != b.groups or not _names_in(a, b) or not _names_in(b, a):
        return "name"
    if a.group_order != b.group_order or (a.names == b.names and a.name_order != b.name_order):
        return "name order"
    if _negating_prefix(a.words - b.words, b.words - a.words):
        return "negating prefix"
    return None


def _names_in(a: Text, b: Text) -> bool:
    return all(set(name.split()) <= b.words for name in a.names)


def _negating_prefix(only_a: set[str], only_b: set[str]) -> bool:
    return _negates(only_a, only_b) or _negates(only_b, only_a)


def _negates(longer: set[str], words: set[str]) -> bool:
    """Whether a word of ``longer`` is one of ``words`` (or a form of it) behind a negating prefix."""
    by_start: dict[str, list[str]] = defaultdict(list)
    for word in words:
        by_start[word[:3]].append(word)
    for x in longer:
        for rest in _unprefixed(x):
            for word in by_start.get(rest[:3], ()):
                shared = len(os.path.commonprefix([rest, word]))
                if rest == word or shared >= max(4, 0.7 * min(len(rest), len(word))):
                    return True
    return False


@lru_cache(maxsize=65536)
def _unprefixed(word: str) -> tuple[str, ...]:
    """The word without each negating prefix it starts with (at least three letters left)."""
    prefixes = _guards()["prefixes"]
    return tuple(word[len(p) :] for p in prefixes if word.startswith(p) and len(word) - len(p) >= 3)


def overlap(a: Text, b: Text) -> float:
    """Share of content stems two texts have in common (Jaccard)."""
    sa, sb = set(a.stems), set(b.stems)
    return len(sa & sb) / len(sa | sb) if sa or sb else 1.0


def substitution(a: Text, b: Text) -> bool:
    """Whether b is a with content words swapped in place: how a statement changes, not a paraphrase."""
    ops = SequenceMatcher(a=a.stems, b=b.stems, autojunk=False).get_opcodes()
    return any(op == "replace" for op, *_ in ops) and all(
        op == "equal" or (op == "replace" and i2 - i1 == j2 - j1) for op, i1, i2, j1, j2 in ops
    )


def _wording(a: Text, b: Text, threshold: int) -> float | None:
    """The wording score if two texts are near-identical in wording (and no guard parts them)."""
    # Word order counts within a sentence ("governments should regulate companies" is not
    # "companies should regulate governments"); the order of whole sentences does not.
    score = fuzz.ratio(a.key, b.key)
    if score < threshold or guard(a, b):
        return None
    only_a = set(a.norm.split()) - set(b.norm.split()) - FUNCTION_WORDS
    only_b = set(b.norm.split()) - set(a.norm.split()) - FUNCTION_WORDS
    if all(_has_variant(w, only_b) for w in only_a) and all(_has_variant(w, only_a) for w in only_b):
        return score / 100
    return None


def similar(a: str, b: str, threshold: int) -> bool:
    """Whether two texts say the same thing: equal after normalizing, or near-identical wording.

    Character similarity alone would join "in Africa" with "in Asia" or "Encourage" with
    "Discourage", so the words that differ must also be function words or spelling variants of
    each other ("modernisation"/"modernization"), and no negation, number or name may differ.
    """
    ta, tb = read_text(a), read_text(b)
    return ta.key == tb.key or _wording(ta, tb, threshold) is not None


# A word and its spelling variant score 85 or more (modernisation/modernization 92, organisation/
# organization 92); different words that look alike score lower (encourage/discourage 84).
VARIANT_THRESHOLD = 85
FUNCTION_WORDS = frozenset(
    "a an the is are was were be been of to in on at for and or with by from as that this these those "
    "it its their there which who should must can could would will may".split()
)


def _has_variant(word: str, others: set[str]) -> bool:
    return any(fuzz.ratio(word, other) >= VARIANT_THRESHOLD for other in others)


def same_theme(a: str, b: str) -> bool:
    """Whether two theme titles name one theme; a parenthetical aside ("(profiles)") does not split it."""
    a, b = strip_numbering(a), strip_numbering(b)
    if similar(a, b, THEME_THRESHOLD):
        return True
    bare_a, bare_b = catalog.PARENTHETICAL.sub(" ", a), catalog.PARENTHETICAL.sub(" ", b)
    return (bare_a, bare_b) != (a, b) and similar(bare_a, bare_b, THEME_THRESHOLD)


# ---- keeping items once ----------------------------------------------------------------------------


class _Log:
    """What merging did: every merge (build.json), pairs for the editor, and the warnings."""

    def __init__(self, problems: Problems) -> None:
        self.problems = problems
        self.merges: list[Merged] = []
        self.review: list[ReviewPair] = []

    def merged(self, kind: MergeKind, kept: str, kept_sources, text: str, sources, rule, score) -> None:
        self.merges.append(
            Merged(
                kind=kind,
                kept=Paragraph(text=kept, sources=list(kept_sources)),
                merged=Paragraph(text=text, sources=list(sources)),
                rule=rule,
                score=round(score, 3),
            )
        )
        # A title or paragraph in other case, punctuation or sentence order loses no word: recorded,
        # not warned about. A statement written otherwise is always shown to the organiser.
        if rule in ("wording", "meaning") or (rule == "same words" and kind in ("takeaway", "action")):
            where = f" from {kept_sources[0]}" if kept_sources else ""
            self.problems.warn(
                _where(sources),
                f"{kind} '{_short(text)}' merged into the one{where}, '{_short(kept)}' "
                f"({rule}, similarity {score:.2f}); both sources kept",
            )

    def possible(self, kind: MergeKind, first, second, score: float) -> None:
        self.review.append(
            ReviewPair(
                kind=kind,
                first=Paragraph(text=first.text, sources=list(first.sources)),
                second=Paragraph(text=second.text, sources=list(second.sources)),
                similarity=round(score, 3),
            )
        )
        where = f" from {first.sources[0]}" if first.sources else ""
        self.problems.warn(
            _where(second.sources),
            f"{kind} '{_short(second.text)}' may repeat the one{where}, '{_short(first.text)}' "
            f"(similarity {score:.2f}); both kept and listed for review",
        )


def _where(sources: list[Source]) -> Location:
    return sources[0].location() if sources else Location("notes")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Kept(Generic[T]):
    """Items kept once each. A new item is compared only with kept items sharing its rarer stems."""

    def __init__(self, kind: MergeKind, log: _Log) -> None:
        self.kind = kind
        self.log = log
        self.items: list[T] = []
        self.texts: list[Text] = []
        self._by_key: dict[str, int] = {}
        self._postings: dict[str, list[int]] = defaultdict(list)

    def candidates(self, text: Text) -> list[int]:
        """Kept items sharing the most of the text's rarer stems, in the order they were kept."""
        stems = list(dict.fromkeys(text.stems))  # in text order: the same candidates every run
        usable = [s for s in stems if len(self._postings.get(s, ())) <= MAX_POSTING]
        if not usable and stems:
            usable = [min(stems, key=lambda s: len(self._postings.get(s, ())))]
        shared: Counter[int] = Counter()
        for stem in usable:
            shared.update(self._postings.get(stem, ())[-MAX_POSTING:])
        best = sorted(shared.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_CANDIDATES]
        return sorted(i for i, _ in best)

    def find(self, text: Text, threshold: int) -> tuple[int, str, float] | None:
        """The kept item that says the same as the text, with the rule and score; None if none."""
        i = self._by_key.get(text.key)
        if i is not None:
            rule = "identical" if self.texts[i].raw.strip() == text.raw.strip() else "same words"
            return i, rule, 1.0
        for i in self.candidates(text):
            score = _wording(self.texts[i], text, threshold)
            if score is not None:
                return i, "wording", score
        return None

    def add(self, item: T, threshold: int = ITEM_THRESHOLD) -> T:
        text = read_text(item.text)
        found = self.find(text, threshold)
        if found is None:
            kept = _copy(item)
            self.keep(kept, text)
            return kept
        i, rule, score = found
        kept = self.items[i]
        self.log.merged(self.kind, kept.text, kept.sources, item.text, item.sources, rule, score)
        _absorb(kept, item)
        return kept

    def keep(self, item: T, text: Text) -> None:
        """Keep an item as new, without comparing it."""
        index = len(self.items)
        self.items.append(item)
        self.texts.append(text)
        self._by_key.setdefault(text.key, index)
        for stem in set(text.stems):
            self._postings[stem].append(index)

    def paraphrase_pairs(self) -> list[tuple[int, int]]:
        """Pairs of kept items (earlier, later) that may be paraphrases: stems shared, no guard."""
        pairs = []
        for j, text in enumerate(self.texts):
            for i in self.candidates(text):
                if i < j and overlap(self.texts[i], text) >= MIN_MEANING_OVERLAP / 2:
                    if guard(self.texts[i], text) is None:
                        pairs.append((i, j))
        return pairs


def _copy(item: T) -> T:
    """A copy whose lists can grow without touching the reader's item (cheaper than a deep copy)."""
    lists = {k: list(v) for k, v in item if isinstance(v, list)}
    return item.model_copy(update=lists)


def _absorb(kept: Takeaway | Action | Paragraph, item: Takeaway | Action | Paragraph) -> None:
    kept.sources += [s for s in item.sources if s not in kept.sources]
    if isinstance(kept, Action) and isinstance(item, Action):
        kept.actors = list(dict.fromkeys(kept.actors + item.actors))
        kept.action_lines = sorted(dict.fromkeys(kept.action_lines + item.action_lines), key=catalog.sort_key)


class _Themes:
    """Themes kept once by title, each with its narrative and takeaways kept once."""

    def __init__(self, log: _Log) -> None:
        self.log = log
        self.items: list[Theme] = []
        self.takeaways: list[_Kept[Takeaway]] = []
        self._narratives: list[_Kept[Paragraph]] = []
        self._titles: _Kept[Paragraph] = _Kept("theme", log)
        self._index: dict[int, int] = {}  # id of a kept theme: its place

    def find(self, title: str) -> Theme | None:
        found = self._find(title)
        return None if found is None else self.items[found[0]]

    def _find(self, title: str) -> tuple[int, str, float] | None:
        bare = strip_numbering(title)
        found = self._titles.find(read_text(bare), THEME_THRESHOLD)
        if found is None:
            bare_title = catalog.PARENTHETICAL.sub(" ", bare)
            for i in self._titles.candidates(read_text(bare_title)):
                if same_theme(self.items[i].title, title):
                    return i, "wording", fuzz.ratio(self.items[i].title, title) / 100
        return found

    def add(self, theme: Theme) -> Theme:
        found = self._find(theme.title)
        if found is None:
            merged = theme.model_copy(deep=True, update={"narrative": [], "takeaways": []})
            self._index[id(merged)] = len(self.items)
            self.items.append(merged)
            self._titles.keep(Paragraph(text=theme.title), read_text(strip_numbering(theme.title)))
            self.takeaways.append(_Kept("takeaway", self.log))
            self._narratives.append(_Kept("paragraph", self.log))
            index = len(self.items) - 1
        else:
            index, rule, score = found
            merged = self.items[index]
            self.log.merged("theme", merged.title, merged.sources, theme.title, theme.sources, rule, score)
            merged.sources += theme.sources
            merged.action_lines = sorted(
                dict.fromkeys(merged.action_lines + theme.action_lines), key=catalog.sort_key
            )
        for p in theme.narrative:
            self._narratives[index].add(p)
        for t in theme.takeaways:
            self.takeaways[index].add(t)
        merged.narrative = self._narratives[index].items
        merged.takeaways = self.takeaways[index].items
        return merged

    def add_takeaway(self, theme: Theme, takeaway: Takeaway) -> None:
        index = self._index[id(theme)]
        self.takeaways[index].add(takeaway)
        theme.takeaways = self.takeaways[index].items


# ---- paraphrases -----------------------------------------------------------------------------------


def _merge_paraphrases(lists: list[_Kept], log: _Log) -> None:
    """Merge the items of each list that mean the same; list the near ones for the editor.

    Runs once, after every wording merge, so the model is loaded only if some pair is left to
    compare, and every text is embedded in one batch.
    """
    candidates = [(kept, kept.paraphrase_pairs()) for kept in lists]
    texts: dict[str, None] = {}
    skipped = 0
    chosen: list[tuple[_Kept, list[tuple[int, int]]]] = []
    for kept, pairs in candidates:
        taken = []
        for i, j in pairs:
            new = [t for t in (kept.items[i].text, kept.items[j].text) if t not in texts]
            if len(texts) + len(new) > MAX_EMBEDDED:
                skipped += 1
                continue
            texts.update(dict.fromkeys(new))
            taken.append((i, j))
        chosen.append((kept, taken))
    if skipped:
        log.problems.warn(
            Location("notes"),
            f"{skipped} pairs of takeaways or actions were compared by wording only: "
            f"more than {MAX_EMBEDDED} texts to compare by meaning",
        )
    if not texts:
        return
    from outcomes.embed import embed

    order = list(texts)
    vectors = embed(order)
    row = {t: n for n, t in enumerate(order)}
    for kept, pairs in chosen:
        scored = sorted(
            (
                (float(vectors[row[kept.items[i].text]] @ vectors[row[kept.items[j].text]]), i, j)
                for i, j in pairs
            ),
            key=lambda s: (-s[0], s[1], s[2]),
        )
        gone: set[int] = set()
        near = []
        for score, i, j in scored:
            a, b = kept.texts[i], kept.texts[j]
            if i in gone or j in gone or score < REVIEW_THRESHOLD:
                continue
            if score >= MEANING_THRESHOLD and overlap(a, b) >= MIN_MEANING_OVERLAP and not substitution(a, b):
                first, later = kept.items[i], kept.items[j]
                log.merged(kept.kind, first.text, first.sources, later.text, later.sources, "meaning", score)
                _absorb(first, later)
                gone.add(j)
            else:
                near.append((i, j, score))
        for i, j, score in sorted(near):
            if i not in gone and j not in gone:
                log.possible(kept.kind, kept.items[i], kept.items[j], score)
        kept.items[:] = [item for n, item in enumerate(kept.items) if n not in gone]


def merge(
    session: SessionMeta,
    notes: list[Note],
    worksheet: Worksheet | None,
    polls: list[Poll],
    problems: Problems,
) -> Report:
    """Build the session's report from everything read."""
    log = _Log(problems)
    themes = _Themes(log)
    takeaways: _Kept[Takeaway] = _Kept("takeaway", log)
    actions: _Kept[Action] = _Kept("action", log)
    conclusion: _Kept[Paragraph] = _Kept("paragraph", log)
    discussion: _Kept[Paragraph] = _Kept("paragraph", log)
    people = list(session.people)

    if worksheet is not None:
        for theme in worksheet.themes:
            themes.add(theme)
        for theme_title, takeaway in worksheet.takeaways:
            if not theme_title:
                takeaways.add(takeaway)
                continue
            target = themes.find(theme_title)
            if target is None:
                problems.warn(
                    takeaway.sources[0].location(),
                    f"takeaway names theme '{theme_title}', which no sheet or note has; it becomes a theme",
                )
                target = themes.add(Theme(title=theme_title, sources=list(takeaway.sources)))
            themes.add_takeaway(target, takeaway)
        for action in worksheet.actions:
            actions.add(action)
        known = {(p.name.casefold(), p.role) for p in people}
        people += [p for p in worksheet.people if (p.name.casefold(), p.role) not in known]

    ordered = sorted(notes, key=lambda n: n.path)
    for note in ordered:
        for theme in note.themes:
            themes.add(theme)
        for takeaway in note.takeaways:
            takeaways.add(takeaway)
        for action in note.actions:
            actions.add(action)
    for note in ordered:
        for p in [*note.introduction, *note.narrative]:
            discussion.add(p)
        for p in note.conclusion:
            conclusion.add(p)
    _merge_paraphrases([*themes.takeaways, takeaways, actions], log)
    for theme, kept in zip(themes.items, themes.takeaways, strict=True):
        theme.takeaways = kept.items

    session = session.model_copy(update={"people": people})
    report = Report(
        session=session,
        discussion=discussion.items,
        themes=themes.items,
        takeaways=takeaways.items,
        actions=actions.items,
        conclusion=conclusion.items,
        polls=[q for poll in polls for q in poll.questions],
        rapporteurs=_rapporteurs(notes, people),
        review=log.review,
        merges=log.merges,
    )
    report.executive_summary = _summary(notes, report, problems)
    report.action_line_table = action_line_table(report.themes)
    report.speakers = speaker_stats(people)
    return report


def _rapporteurs(notes: list[Note], people: list[Person]) -> list[NoteMeta]:
    """The notes' rapporteurs (those that name one), then session.yaml's, each name once."""
    named = [n.meta for n in sorted(notes, key=lambda n: n.path) if n.meta.rapporteur]
    seen = {m.rapporteur.casefold() for m in named if m.rapporteur}
    for person in people:
        if person.role is Role.RAPPORTEUR and person.name.casefold() not in seen:
            seen.add(person.name.casefold())
            named.append(NoteMeta(rapporteur=person.name))
    return named


def merge_report(report: Report) -> list[dict]:
    """Every merge, flat, for build.json: what was kept, what merged into it, by which rule, how alike."""
    return [
        {
            "kind": m.kind,
            "rule": m.rule,
            "score": m.score,
            "kept": m.kept.text,
            "kept_from": [str(s) for s in m.kept.sources],
            "merged": m.merged.text,
            "merged_from": [str(s) for s in m.merged.sources],
        }
        for m in report.merges
    ]


def _summary(notes: list[Note], report: Report, problems: Problems) -> ExecutiveSummary:
    """Combine the rapporteurs' summaries by group, onsite and online alternating; else a draft."""
    parts: list[SummaryPart] = []
    for note in sorted(notes, key=lambda n: n.path):
        if not note.summary:
            continue
        group = note.meta.group or note.meta.rapporteur
        for part in parts:
            if part.group == group and part.channel == note.meta.channel:
                part.paragraphs += note.summary
                break
        else:
            parts.append(SummaryPart(group=group, channel=note.meta.channel, paragraphs=list(note.summary)))
    if parts:
        onsite = [p for p in parts if p.channel is Channel.ONSITE]
        online = [p for p in parts if p.channel is Channel.ONLINE]
        other = [p for p in parts if p.channel is None]
        interleaved = [p for pair in zip_longest(onsite, online) for p in pair if p is not None]
        return ExecutiveSummary(parts=interleaved + other)
    return _draft_summary(report, problems)


def _draft_summary(report: Report, problems: Problems) -> ExecutiveSummary:
    """Sentences chosen from the rapporteurs' own narrative and takeaways, marked as a draft."""
    paragraphs = draft_sources(report)
    chosen = summary.extract(paragraphs, report.session.language)
    if not chosen:
        return ExecutiveSummary(draft=True)
    problems.warn(
        Location("notes"),
        "no note has an executive summary; a draft was taken from the notes' own sentences "
        "for the editor to revise",
    )
    return ExecutiveSummary(parts=[SummaryPart(paragraphs=chosen)], draft=True)


def draft_sources(report: Report) -> list[Paragraph]:
    """The paragraphs a draft summary may quote, in reading order: narrative, takeaways, conclusion."""
    paragraphs: list[Paragraph] = list(report.discussion)
    for theme in report.themes:
        paragraphs += theme.narrative
        paragraphs += [Paragraph(text=t.text, sources=t.sources) for t in theme.takeaways]
    paragraphs += [Paragraph(text=t.text, sources=t.sources) for t in report.takeaways]
    paragraphs += report.conclusion
    return paragraphs


def action_line_table(themes: list[Theme]) -> list[ActionLineRow]:
    """Every action line any theme gives, in catalog order, with the themes that give it."""
    rows: dict[str, ActionLineRow] = {}
    for theme in themes:
        for code in theme.action_lines:
            line = catalog.action_line(code)
            row = rows.setdefault(code, ActionLineRow(code=code, title=line.title if line else code))
            row.themes.append(theme.title)
    return [rows[c] for c in sorted(rows, key=catalog.sort_key)]


NOT_GIVEN = "Not given"


def speaker_stats(people: list[Person]) -> SpeakerStats:
    """Count the speakers (each name once) by stakeholder group, regional group and gender."""
    speakers: dict[str, Person] = {}
    for person in people:
        if person.role is Role.SPEAKER:
            speakers.setdefault(person.name.casefold(), person)

    def count(values: list[str | None], order: list[str]) -> list[GroupCount]:
        counts = Counter(v or NOT_GIVEN for v in values)
        ranked = [k for k in order if k in counts] + sorted(k for k in counts if k not in order)
        return [GroupCount(label=k, count=counts[k]) for k in ranked]

    group_order = [g.label for g in catalog.stakeholder_groups()]
    region_order = [g.label for g in catalog.regional_groups()]
    return SpeakerStats(
        by_stakeholder=count([p.stakeholder for p in speakers.values()], group_order),
        by_region=count([p.region for p in speakers.values()], region_order),
        by_gender=count([(p.gender or "").strip().capitalize() or None for p in speakers.values()], []),
    )
