"""Country names and demonyms from a general gazetteer: which words are country words, and
which countries a text names.

Why a gazetteer and not a list of our own: whether "Thai", "Kenyan" or "South Korea" is a
country word is a fact about the world, not about this corpus. countryinfo (MIT) ships, for
about 250 countries and territories, the English name, alternative spellings, the native
name, translations (de, es, fr, it) and the demonym; its regions and subregions ("Asia",
"Latin America") are read as well, since a continent names no case either.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from functools import lru_cache

_WORD = re.compile(r"[^\W\d_]+(?:[’'-][^\W\d_]+)*")


def words_of(phrase: str) -> list[str]:
    """Lower-case words of a name, without a possessive ending."""
    return [w.lower().removesuffix("'s").removesuffix("’s") for w in _WORD.findall(phrase)]


def _is_code(spelling: str, iso: dict) -> bool:
    return spelling in {str(v) for v in iso.values()} or spelling.isupper()


@lru_cache(maxsize=1)
def _gazetteer() -> tuple[dict[str, frozenset[str]], frozenset[str]]:
    """(spelling -> the countries it names, as written; every lower-case country word)."""
    from countryinfo import CountryInfo

    spellings: dict[str, set[str]] = defaultdict(set)
    words: set[str] = set()
    for info in CountryInfo.all().values():
        country = info.get("name") or ""
        iso = info.get("ISO") or {}
        names = [country, info.get("nativeName") or ""]
        names += list((info.get("translations") or {}).values())
        names += re.split(r"[,/]", info.get("demonym") or "")
        alternatives = info.get("altSpellings") or []
        names += [s for s in alternatives if not _is_code(s, iso)]
        for name in filter(None, (n.strip() for n in names)):
            spellings[name].add(country)
            words.update(words_of(name))
        # a spelled-out code ("UK", "USA") names the country in a question, but the two-
        # letter ISO codes are too often other words written in capitals ("IS", "NO")
        for code in alternatives:
            if _is_code(code, iso) and len(code) >= 2 and code != iso.get("alpha2"):
                spellings[code].add(country)
                words.add(code.lower())
        regions = (info.get(k) or "" for k in ("region", "subregion", "intermediateregion"))
        words.update(w for r in regions for w in words_of(r))
    return {s: frozenset(c) for s, c in spellings.items()}, frozenset(words)


def country_words() -> frozenset[str]:
    """Every word of every country's names, spellings, translations and demonyms, and of
    the world's regions, in lower case, with the spelled-out codes ("uk", "usa")."""
    return _gazetteer()[1]


def country_vocabulary(also: Iterable[str] = ()) -> frozenset[str]:
    """The gazetteer's words plus those of `also`: a corpus's own country values, which may
    name a nation the gazetteer lacks (England)."""
    return country_words() | {w for phrase in also for w in words_of(phrase)}


def is_country_name(name: str, vocabulary: frozenset[str] | None = None) -> bool:
    """Whether every word of `name` is a country or region word ("South Korea", "Thai",
    "Kenyan", "Latin America")."""
    words = words_of(name)
    known = country_words() if vocabulary is None else vocabulary
    return bool(words) and all(w in known for w in words)


@lru_cache(maxsize=1)
def _spelling_pattern() -> re.Pattern[str]:
    spellings = sorted(_gazetteer()[0], key=len, reverse=True)
    return re.compile(r"(?<![\w’'-])(" + "|".join(map(re.escape, spellings)) + r")(?![\w-])")


def countries_named(text: str) -> dict[str, frozenset[str]]:
    """The spellings of countries the text writes as words, capitalised as written there,
    each with the countries (by gazetteer name) it names: "a Thai study" names Thailand,
    "Kenyan counties" Kenya, "the UK" the United Kingdom."""
    spellings = _gazetteer()[0]
    return {m.group(1): spellings[m.group(1)] for m in _spelling_pattern().finditer(text)}


def country_of(value: str) -> set[str]:
    """The gazetteer's countries that a document's country value names ("South Korea",
    "Brasil"), or the value itself when the gazetteer lacks it ("England")."""
    value = value.strip()
    return set(_gazetteer()[0].get(value, ())) or ({value} if value else set())
