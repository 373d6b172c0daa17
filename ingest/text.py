"""Text facts every step shares: scripts, sentences, words, stems, years, whitespace.

Defined once so that the chunker, the lexical index, the answerer, the citation check and
the evaluation agree on what a sentence, a word or a year is.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from unicodedata import combining, normalize

THAI_CHAR = re.compile(r"[\u0E00-\u0E7F]")
_THAI_RUN = re.compile(r"[\u0E00-\u0E7F]+")
# letters counted by script in C, not per character in Python (every chunk is tested when an
# index opens): runs of letters, of Thai letters, and letters outside Latin (to IPA) and
# Latin Extended Additional
_LETTERS = re.compile(r"[^\W\d_]+")
_THAI_LETTERS = re.compile(r"(?:(?=[\u0E00-\u0E7F])[^\W\d_])+")
_OTHER_LETTERS = re.compile(r"[^\W\d_\x00-\u024f\u1e00-\u1eff]")
# A word is a Thai run, or letters of any other script (with their combining marks) joined
# by inner apostrophes or hyphens, or a number. Letters, not ASCII: "Gdańsk", "Düsseldorf"
# and "São" are one word each, not "gda" + "sk".
_LETTER = r"[^\W\d_\u0E00-\u0E7F][\u0300-\u036f]*"
_WORD = re.compile(r"[\u0E00-\u0E7F]+|" + _LETTER + r"(?:['’-]?" + _LETTER + r")*|\d+(?:[.,]\d+)*")
# A four-digit common-era year as documents and questions write them (1500-2099).
YEAR = re.compile(r"\b(1[5-9]\d\d|20\d\d)\b")
# A Buddhist Era year ("B.E.2560", "พ.ศ. 2560"); B.E. = C.E. + 543.
BE_YEAR = re.compile(r"(?:B\.\s?E\.|พ\.ศ\.)\s?(\d{4})")
BE_OFFSET = 543
STEM_CHARS = 5  # prefix length that stands in for a stem when matching across word forms
# texts whose stems are kept (`stems`): a few answers' passages and sentences
STEMS_MEMO = 2048
# C0 and C1 control characters and DEL, but for tab and line feed. Document text can hold
# them (a PDF title, a YAML "\e" escape in front matter, a few stray bytes in a long file):
# a terminal obeys them (ESC and 0x9b start escape sequences) and XML forbids most of them.
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def strip_controls(text: str) -> str:
    """`text` without control characters (tab and line feed stay)."""
    return CONTROL_CHARS.sub("", text)


def is_thai(text: str) -> bool:
    """Mostly Thai letters (a Thai question or sentence, not an English one naming a Thai
    word)."""
    letters = sum(map(len, _LETTERS.findall(text)))
    return bool(letters) and sum(map(len, _THAI_LETTERS.findall(text))) > letters / 2


def is_latin(text: str) -> bool:
    """Mostly Latin letters: text an English model's vocabulary can read at all. A script
    test, not language identification, which misreads a short question full of names."""
    letters = sum(map(len, _LETTERS.findall(text)))
    return bool(letters) and letters - len(_OTHER_LETTERS.findall(text)) > letters / 2


def normalize_space(text: str) -> str:
    """Runs of white space (line breaks included) as one space, ends trimmed."""
    return " ".join(text.split())


def be_to_ce(year: int) -> int:
    """Buddhist Era to common era; years already C.E. pass through (B.E. years are > 2400)."""
    return year - BE_OFFSET if year > 2400 else year


# A sentence ends at . ! ? (or Thai space runs) followed by space and an opening capital,
# digit, quote or bracket; abbreviations such as "O.", "e.g." and "B.E.2560." are kept whole.
_BOUNDARY = re.compile(
    r"(?<=[.!?])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9\u0E00-\u0E7F])"
    r"|(?<=[\u0E00-\u0E7F])\s+(?=[\u0E00-\u0E7F])"  # Thai marks sentence ends with a space
)
_ABBREV = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Prof|St|No|Nos|Vol|Fig|al|etc|vs|cf|e\.g|i\.e|Inc|Ltd|Co|Jr|Sr"
    r"|Gov|Rep|Sen|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|B\.E|C\.E|A\.D|U\.S|pp|p))\.$"
)


def split_sentences(text: str, offset: int = 0) -> Iterator[tuple[int, int]]:
    """Yield (start, end) spans of sentences in `text`, shifted by `offset`."""
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.start()]
        if _ABBREV.search(candidate.rstrip("\"'”’)]")):
            continue
        if candidate.strip():
            yield offset + start, offset + match.start()
        start = match.end()
    if text[start:].strip():
        yield offset + start, offset + len(text.rstrip())


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Sentences of a multi-paragraph text; a paragraph break always ends a sentence."""
    spans: list[tuple[int, int]] = []
    for paragraph in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        spans.extend(split_sentences(paragraph.group(0), paragraph.start()))
    return spans


def passage_sentences(passage: str) -> list[tuple[int, int]]:
    """The sentences of a passage that hold a word: what an answer may quote, and what
    ingest stores a vector for (ingest.sentence_vectors), so both cut it alike."""
    return [(s, e) for s, e in sentence_spans(passage) if re.search(r"\w", passage[s:e])]


def word_count(text: str) -> int:
    """Words for the length budget; Thai (no spaces) counts one word per ~4 characters."""
    thai = len(THAI_CHAR.findall(text))
    return len(text.split()) + thai // 4


STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "did",
        "does",
        "its",
        "it's",
        "what's",
        "whose",
    ]
)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _thai_words(run: str) -> list[str]:
    from pythainlp.tokenize import word_tokenize

    return [w for w in word_tokenize(run, engine="newmm", keep_whitespace=False) if w.strip()]


def _fold(word: str) -> str:
    """The word without accents ("gdańsk" -> "gdansk"), as search engines fold them: a
    question typed without them still meets the document, and one spelling is one term."""
    if word.isascii():
        return word
    return "".join(c for c in normalize("NFKD", word) if not combining(c))


def tokenize(text: str) -> list[str]:
    """Terms for BM25: lower-cased stems without stop words; Thai runs cut into words."""
    terms: list[str] = []
    latin: list[str] = []
    for match in _WORD.finditer(text):
        token = match.group(0)
        if _THAI_RUN.fullmatch(token):
            terms.extend(_thai_words(token))
        else:
            lower = _fold(token.lower().replace("’", "'"))
            if lower not in STOPWORDS:
                latin.append(lower.removesuffix("'s"))
    terms.extend(_stemmer().stemWords(latin))
    return terms


@lru_cache(maxsize=STEMS_MEMO)
def stems(text: str) -> frozenset[str]:
    """Five-letter prefixes of the terms: "budgets", "budgeting" and "budgetary" meet.

    Memoised: one answer reads the same passages and sentences in several steps (sentence
    ranking, answerability, redundancy, the reading list's quotes), and tokenising them
    again was the largest Python cost of an answer at 20k real chunks (README Performance).
    """
    return frozenset(sys.intern(t[:STEM_CHARS]) for t in tokenize(text))


@lru_cache(maxsize=1)
def _language_identifier():
    """py3langid's naive-Bayes model over byte 1-4-grams of 97 languages (packaged, no
    download); loaded on first use."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


@dataclass(frozen=True)
class LanguageGuess:
    """Which language a text reads as, how sure the model is, and how well the text fits
    that language's character statistics (mean log-probability per n-gram feature; letter
    soup fits no language and scores low)."""

    lang: str
    probability: float
    fit: float


NO_LANGUAGE = "zxx"  # py3langid's label for text with no linguistic content


@lru_cache(maxsize=1 << 14)
def identify_language(text: str) -> LanguageGuess:
    """Language identification of one line or passage (py3langid)."""
    import numpy as np
    from py3langid.langid import visit_counts

    ident = _language_identifier()
    lang, probability = ident.classify(text)
    encoded = ident._encode(text)
    visits = visit_counts(ident.tk_nextmove, ident._rowbase, ident.tk_output, encoded)
    if not visits:
        return LanguageGuess(NO_LANGUAGE, 0.0, float("-inf"))
    index = np.fromiter(visits.keys(), dtype=np.intp, count=len(visits))
    weight = np.log1p(np.fromiter(visits.values(), dtype=np.float32, count=len(visits)))
    fit = float((weight @ ident.nb_ptc[index]).max() / weight.sum())
    return LanguageGuess(lang, float(probability), fit)
