"""Keep respondents' details out of the documents: personal poll questions, and names in answers.

Two rules, both driven by ``outcomes/data/personal_questions.yaml`` (its header explains the words):

- :func:`personal_kinds` says whether a poll question asks for the respondent's own name, e-mail
  address, phone number or organisation. Such a question is never quoted, counted or shown.
- :class:`Scrubber` replaces, in any text, every e-mail address, every phone number and every word of
  every respondent's name. Names and text are compared folded (case, accents, either order, whole
  words), so "Gonzalez, Maria", "As María said", "Emile Zola" for "Émile Zola" and two-letter names such
  as "Li" are all caught; a title before a name ("Dr. Kofi Annan") goes with it.

Text is compared word by word through one set lookup per word, so the cost grows with the length of the
text, not with the number of respondents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from outcomes import catalog

EMAIL_REMOVED = "[e-mail removed]"
NAME_REMOVED = "[name removed]"
PHONE_REMOVED = "[phone number removed]"

# An address starts where its run of address characters starts (else every character of a long word
# would start a search of the rest of it).
EMAIL = re.compile(r"(?<![\w.%+'-])[\w.%+'-]++@[\w-]++(?:\.[\w-]++)+")
# A run of digits with the separators phone numbers are written with; which runs are numbers is
# decided by _phone (how many digits, not a date).
_PHONE = re.compile(r"(?<![\w+])\+?\(?\d[\d \t\u00a0().\-/]{5,24}\d(?!\w)")
_DATE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{1,2}[:h]\d{2}")
_WORD = re.compile(r"[^\W_]+")
# A word of a name or of a text: letters and digits, with inner apostrophes ("O'Brien", "María's").
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# What may stand between two words of one name: spaces, a comma ("Gonzalez, Maria"), a dot ("Dr."),
# a hyphen ("Jean-Marc").
_JOIN = re.compile(r"[\s.,\-‐]{1,4}")
_CJK = re.compile("[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002ffff]")
_POSSESSIVE = ("'s", "'")


def fold(text: str) -> str:
    """Case and accents folded, the way names and questions are compared."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text.casefold().replace("’", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


@lru_cache(maxsize=1 << 16)
def _fold_word(word: str) -> str:
    """fold(), kept: the words of answers repeat."""
    return fold(word)


@dataclass(frozen=True)
class _Words:
    terms: dict[tuple[str, ...], str]
    """Each term's words (folded), with the kind of detail it asks for."""
    longest: int
    cjk_terms: tuple[tuple[str, str], ...]
    """Terms in Chinese or Japanese script, longest first, compared as parts of a word."""
    filler: frozenset[str]
    cjk_filler: tuple[str, ...]
    clitics: tuple[str, ...]
    phrases: dict[tuple[str, ...], str]
    honorifics: frozenset[str]
    particles: frozenset[str]
    not_names: frozenset[str]
    """Honorifics, particles and placeholders ("Anonymous"): words of a name not scrubbed on their own."""


def _words_of(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(fold(text)))


@cache
def _words() -> _Words:
    """The word lists of personal_questions.yaml, folded."""
    data = catalog.load_data("personal_questions.yaml")
    terms: dict[tuple[str, ...], str] = {}
    cjk_terms: list[tuple[str, str]] = []
    for kind, by_language in data["terms"].items():
        for entries in by_language.values():
            for entry in entries:
                words = _words_of(str(entry))
                if len(words) == 1 and _CJK.search(words[0]):
                    cjk_terms.append((words[0], kind))
                elif words:
                    terms.setdefault(words, kind)
    filler: set[str] = set()
    cjk_filler: set[str] = set()
    for entries in data["filler"].values():
        for entry in entries:
            for word in _words_of(str(entry)):
                (cjk_filler if _CJK.search(word) else filler).add(word)
    phrases = {_words_of(str(p)): kind for kind, entries in data["phrases"].items() for p in entries}

    def flat(key: str) -> frozenset[str]:
        return frozenset(word for entry in data[key] for word in _words_of(str(entry)))

    return _Words(
        terms=terms,
        longest=max(len(t) for t in terms),
        cjk_terms=tuple(sorted(cjk_terms, key=lambda t: -len(t[0]))),
        filler=frozenset(filler),
        cjk_filler=tuple(sorted(cjk_filler, key=len, reverse=True)),
        clitics=tuple(fold(c) for c in data["clitics"]),
        phrases=phrases,
        honorifics=flat("honorifics"),
        particles=flat("name_particles"),
        not_names=flat("honorifics") | flat("name_particles") | flat("placeholder_names"),
    )


def personal_kinds(question: str) -> frozenset[str]:
    """The details (name, email, phone, organisation) a question asks of the respondent; empty if none.

    A question is personal when it is only a label for those details: once its terms and filler words
    are taken away, nothing is left. "Your name and organisation" is; "Which organisations should
    lead capacity building?" is not.
    """
    words = _words()
    tokens = _words_of(catalog.BRACKETED.sub(" ", question))
    if not tokens:
        return frozenset()
    if tokens in words.phrases:
        return frozenset({words.phrases[tokens]})
    kinds: set[str] = set()
    i = 0
    while i < len(tokens):
        for size in range(min(words.longest, len(tokens) - i), 0, -1):
            kind = words.terms.get(tokens[i : i + size])
            if kind is not None:
                kinds.add(kind)
                i += size
                break
        else:
            if not _is_filler(tokens[i], words, kinds):
                return frozenset()
            i += 1
    return frozenset(kinds)


def _is_filler(token: str, words: _Words, kinds: set[str]) -> bool:
    """Whether a word says nothing of its own; a word in Chinese script may hold terms (recorded)."""
    if token in words.filler:
        return True
    for clitic in words.clitics:
        rest = token.removeprefix(clitic)
        if rest != token and rest and (rest in words.filler or (rest,) in words.terms):
            if (rest,) in words.terms:
                kinds.add(words.terms[(rest,)])
            return True
    if not _CJK.search(token):
        return False
    rest = token
    for term, kind in words.cjk_terms:
        if term in rest:
            kinds.add(kind)
            rest = rest.replace(term, " ")
    for filler in words.cjk_filler:
        rest = rest.replace(filler, " ")
    return all(word in words.filler or (word,) in words.terms for word in rest.split())


def _phone(match: re.Match[str]) -> str:
    text = match.group()
    digits = sum(ch.isdigit() for ch in text)
    is_number = 8 <= digits <= 15 if text.startswith("+") else 9 <= digits <= 15
    return PHONE_REMOVED if is_number and not _DATE.search(text) else text


class Scrubber:
    """Replace e-mail addresses, phone numbers and respondents' names in text that goes into a document."""

    def __init__(self) -> None:
        self._names: set[str] = set()
        self._cjk_names: set[str] = set()
        self._cjk_pattern: re.Pattern[str] | None = None

    def __bool__(self) -> bool:
        return bool(self._names or self._cjk_names)

    def add_name(self, name: str) -> None:
        """Learn the words of one respondent's name (titles, initials and particles are not learnt)."""
        words = _words()
        name = EMAIL.sub(" ", unicodedata.normalize("NFC", name))
        cjk = ""
        for token in _TOKEN.findall(name):
            if _CJK.search(token):
                # Kept as written: folding would drop the marks of Japanese kana (ガ to カ).
                cjk += token
                if len(token) >= 2:
                    self._cjk_names.add(token)
                continue
            word = fold(token)
            for part in (word, *word.split("'")):
                if len(part) >= 2 and not part.isdigit() and part not in words.not_names:
                    self._names.add(part)
        if len(cjk) >= 2:
            self._cjk_names.add(cjk)  # "李 伟" is written "李伟" in a sentence
        self._cjk_pattern = None

    def __call__(self, text: str) -> str:
        text = unicodedata.normalize("NFC", text)
        text = EMAIL.sub(EMAIL_REMOVED, text)
        text = _PHONE.sub(_phone, text)
        if self._cjk_names and _CJK.search(text):
            if self._cjk_pattern is None:
                alternatives = sorted(self._cjk_names, key=len, reverse=True)
                self._cjk_pattern = re.compile("|".join(map(re.escape, alternatives)))
            text = self._cjk_pattern.sub(NAME_REMOVED, text)
        if not self._names:
            return text
        return self._scrub_words(text)

    def _scrub_words(self, text: str) -> str:
        """Replace each run of name words (with the titles and particles inside it) by one mark."""
        words = _words()
        tokens = list(_TOKEN.finditer(text))
        kind = [self._kind(token.group(), words) for token in tokens]
        out: list[str] = []
        done = 0
        i = 0
        while i < len(tokens):
            if kind[i][0] not in "NH":
                i += 1
                continue
            # The run: tokens joined by spaces, commas, dots or hyphens, each a name word, title or particle.
            j = i
            while (
                j + 1 < len(tokens)
                and kind[j + 1][0] in "NHP"
                and _JOIN.fullmatch(text, tokens[j].end(), tokens[j + 1].start())
            ):
                j += 1
            kinds = kind[i : j + 1]
            while kinds and kinds[-1][0] != "N":  # a run ends on a name word
                kinds.pop()
                j -= 1
            if not kinds:
                i += 1
                continue
            end = tokens[j].end() - kinds[-1][1]  # "María's": the "'s" stays
            out.append(text[done : tokens[i].start()])
            out.append(NAME_REMOVED)
            done = end
            i = j + 1
        out.append(text[done:])
        return "".join(out)

    def _kind(self, token: str, words: _Words) -> tuple[str, int]:
        """N (a name word), H (a title), P (a particle) or O; and the length of a possessive ending."""
        word = _fold_word(token)
        if word in self._names:
            return "N", 0
        for ending in _POSSESSIVE:
            if word.endswith(ending) and word[: -len(ending)] in self._names:
                return "N", len(ending)
        if word in words.honorifics:
            return "H", 0
        if word in words.particles:
            return "P", 0
        return "O", 0
