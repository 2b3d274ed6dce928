"""A draft executive summary taken from the rapporteurs' own sentences, for when they wrote none.

The draft is extractive: sumy's LexRank picks the most central sentences of the paragraphs it is given
(the themes' narrative and takeaways, the conclusion; any paragraphs with sources will do), and each
is kept word for word with the sources of the paragraph it came from. Sentences are split by pysbd's
rules and words by a tokenizer of our own (character pairs for Chinese), so nothing needs NLTK data or
a download. Stemmers are sumy's (NLTK's Snowball for English, French, Spanish, Russian and Arabic,
none for Chinese), stop words sumy's lists (Russian's from ``outcomes/data/merge_guards.yaml``).
"""

from __future__ import annotations

import re
from functools import cache

from outcomes import catalog
from outcomes.model import Paragraph

SENTENCES = 5
"""Sentences in a draft summary."""
MAX_CANDIDATES = 120
"""Sentences LexRank chooses from (its cost grows with their square); the first ones in reading order."""

_LANGUAGES = {
    "en": "english",
    "fr": "french",
    "es": "spanish",
    "ar": "arabic",
    "zh": "chinese",
    "ru": "russian",
}
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_WORD = re.compile(r"\w+")


class Tokenizer:
    """The tokenizer sumy asks for (``to_sentences``, ``to_words``), with pysbd's sentence rules."""

    def __init__(self, language: str) -> None:
        import pysbd

        self.language = language if language in _LANGUAGES else "en"
        self._segmenter = pysbd.Segmenter(language=self.language, clean=False)

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        return tuple(s.strip() for s in self._segmenter.segment(paragraph) if s.strip())

    def to_words(self, sentence: str) -> tuple[str, ...]:
        words: list[str] = []
        for word in _WORD.findall(sentence):
            for run in _CJK.split(word):
                if run:
                    words.append(run)
            for run in _CJK.findall(word):
                # Chinese is written without spaces: overlapping character pairs stand for words.
                words += [run[i : i + 2] for i in range(max(1, len(run) - 1))]
        return tuple(words)


@cache
def _stop_words(language: str) -> frozenset[str]:
    if language == "ru":
        return frozenset(catalog.load_data("merge_guards.yaml")["function_words"]["ru"])
    from sumy.utils import get_stop_words

    return frozenset(get_stop_words(_LANGUAGES[language]))


def extract(paragraphs: list[Paragraph], language: str, count: int = SENTENCES) -> list[Paragraph]:
    """The ``count`` most central sentences of the paragraphs, verbatim, in reading order, with sources."""
    tokenizer = Tokenizer(language)
    language = tokenizer.language
    sentences: list[Paragraph] = []
    seen: set[str] = set()
    for paragraph in paragraphs:
        for text in tokenizer.to_sentences(paragraph.text):
            key = catalog.normalize(text)
            if key and key not in seen:
                seen.add(key)
                sentences.append(Paragraph(text=text, sources=list(paragraph.sources)))
        if len(sentences) >= MAX_CANDIDATES:
            break
    sentences = sentences[:MAX_CANDIDATES]
    stop = _stop_words(language)
    # A sentence of stop words only has no terms: LexRank cannot rank it (and a draft has no use for it).
    ranked = [s for s in sentences if any(w.lower() not in stop for w in tokenizer.to_words(s.text))]
    if len(ranked) <= count:
        return ranked
    return [ranked[i] for i in _lexrank([s.text for s in ranked], tokenizer, stop, count)]


def _lexrank(texts: list[str], tokenizer: Tokenizer, stop: frozenset[str], count: int) -> list[int]:
    """Indexes of the ``count`` sentences LexRank rates highest, in their order."""
    from sumy.models.dom import ObjectDocumentModel, Sentence
    from sumy.models.dom import Paragraph as Block
    from sumy.nlp.stemmers import Stemmer, null_stemmer
    from sumy.summarizers.lex_rank import LexRankSummarizer

    language = _LANGUAGES[tokenizer.language]
    stemmer = null_stemmer if language == "chinese" else Stemmer(language)
    summarizer = LexRankSummarizer(stemmer)
    summarizer.stop_words = stop
    sentences = [Sentence(text, tokenizer) for text in texts]
    chosen = summarizer(ObjectDocumentModel([Block(sentences)]), count)
    index = {sentence: i for i, sentence in reversed(list(enumerate(sentences)))}
    return sorted(index[s] for s in chosen)
