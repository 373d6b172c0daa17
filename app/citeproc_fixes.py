"""citeproc-py, with the fixes the vendored APA and Chicago styles need to render correctly.

citeproc-py 0.11 implements CSL 1.0 partly. Four gaps change what the two styles print:

- `cs:substitute` suppresses a substituted variable only when the substitute's child is a
  `<text variable=...>`; both styles substitute through macros, so an item without
  authors printed its title twice ("No author book. (2001). No author book. Pub.").
  Fixed by recording which variables the substitute's rendering read and suppressing
  them for the rest of the entry, as the CSL specification says.
- `initialize="false"` on `cs:name` is ignored, so Chicago, which inherits
  `initialize-with` from its root but asks for full given names in the bibliography,
  printed "Ansell, C., and A. Gash". Fixed by leaving given names whole there.
- `page-range-format="chicago-16"` (Chicago's) is unknown and crashed on any page range.
  Fixed by implementing the 16th-edition rule.
- Sort keys compare as raw strings: an entry whose key starts with a quotation mark
  (Chicago quotes untitled-author webpages) sorted after "Z", and "Łukasz" after "Zed".
  Fixed by comparing keys without punctuation and with letters folded to their base
  (a rough collation; citeproc-js uses the locale's).

The fixed element classes are bound only to styles loaded with `load_style`: citeproc-py's
own parser, and any style it loads itself, keep its classes (no monkeypatching).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from citeproc import CitationStylesStyle, model
from citeproc.source import VariableError
from lxml import etree

CSL_NAMESPACE = "http://purl.org/net/xbiblio/csl"
_TEXT_TAG = f"{{{CSL_NAMESPACE}}}text"

# one set per substitute being rendered (they nest through macros): the text variables
# that rendered a value inside it
_RENDERED: ContextVar[tuple[set[str], ...]] = ContextVar("csl_rendered", default=())


@contextmanager
def _recording() -> Iterator[set[str]]:
    seen: set[str] = set()
    token = _RENDERED.set((*_RENDERED.get(), seen))
    try:
        yield seen
    finally:
        _RENDERED.reset(token)


def chicago16_last_page(first: str, last: str) -> str:
    """The last page of a range as the Chicago Manual writes it since its 16th edition
    (9.64 there): all digits when the first is under 100 or a multiple of 100; only the
    changed part for 101-109 (and 1101-1109, ...); at least two digits otherwise
    (321-28, 1536-38, 1496-500)."""
    if not (first.isdigit() and last.isdigit()) or len(last) != len(first):
        return last
    number = int(first)
    if number < 100 or number % 100 == 0:
        return last
    common = next((i for i, (a, b) in enumerate(zip(first, last, strict=True)) if a != b), None)
    if common is None:
        common = len(first)
    if number % 100 < 10:
        return last[common:] or last[-1]
    return last[min(common, len(first) - 2) :]


# letters NFKD does not decompose, folded to what they sort with
_BASE_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th"}
)


def collation_key(text: str) -> str:
    """`text` as bibliography sorting compares it: case, accents and punctuation dropped
    ("“A Page”" sorts with "a page", "Łukasz" with "lukasz")."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_BASE_LETTERS))
    kept = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]|_", " ", kept).split())


class Key(model.Key):
    """`cs:key` whose keys compare by `collation_key` (a rendered macro's key is a
    citeproc MixedString, a list of pieces: it is compared as its text)."""

    def sort_keys(self, items, context):
        return [
            None if key is None else collation_key(str(key))
            for key in super().sort_keys(items, context)
        ]


class Text(model.Text):
    """`cs:text` that tells an enclosing substitute which variables it rendered, and
    knows the chicago-16 page-range format."""

    def _variable(self, item, context):
        value = super()._variable(item, context)
        if value:
            for seen in _RENDERED.get():
                seen.add(self.get("variable"))
        return value

    def _format_last_page(self, first, last):
        if self.get_root().get_option("page-range-format") == "chicago-16":
            return chicago16_last_page(first, last)
        return super()._format_last_page(first, last)


class Substitute(model.Substitute):
    """`cs:substitute` that suppresses, for the rest of the entry, every variable its
    first non-empty child rendered (citeproc-py only did so for a direct `cs:text`)."""

    def render(self, item, context=None, **kwargs):
        for child in self.getchildren():
            with _recording() as seen:
                try:
                    if isinstance(child, model.Names) and child.name is None:
                        names = self.xpath_search("./parent::cs:names[1]")[0]
                        text = child.render(item, names_context=names, context=context, **kwargs)
                    else:
                        text = child.render(item, context=context, **kwargs)
                except VariableError:
                    continue
            if text:
                repressed = context.get_layout().repressed
                repressed.setdefault(_TEXT_TAG, []).extend(sorted(seen))
                self.add_to_repressed_list(child, context)
                return text
        return None


class Name(model.Name):
    """`cs:name` that honours `initialize="false"`: given names stay whole although the
    style sets `initialize-with` (CSL 1.0.1)."""

    def initialize(self, given, mark, context):
        if self.get("initialize", self.get_root().get("initialize", "true")) == "false":
            return given
        return super().initialize(given, mark, context)


_FIXED = {"text": Text, "substitute": Substitute, "name": Name, "key": Key}


def _element_lookup() -> etree.ElementNamespaceClassLookup:
    """citeproc-py's tag -> class table (as its CitationStylesXML builds it) with the
    fixed classes in place of four."""
    lookup = etree.ElementNamespaceClassLookup()
    namespace = lookup.get_namespace(CSL_NAMESPACE)
    namespace[None] = model.CitationStylesElement
    namespace.update(
        {
            re.sub("_", "-", cls.__name__).lower(): cls
            for cls in model.CitationStylesElement.__subclasses__()
        }
    )
    namespace.update(_FIXED)
    return lookup


def load_style(path: Path | str, locale: str | None = None) -> CitationStylesStyle:
    """The CSL style at `path`, parsed with the fixed element classes.

    Built the way `CitationStylesStyle.__init__` builds one (parse, then the locale
    list), since that constructor takes no element classes. Not validated against the
    CSL schema: the vendored styles are CSL 1.0.2, newer than citeproc-py's schema."""
    parser = etree.XMLParser(remove_comments=True, encoding="UTF-8", no_network=True)
    parser.set_element_class_lookup(_element_lookup())
    style = CitationStylesStyle.__new__(CitationStylesStyle)
    style.parser = parser
    style.xml = etree.parse(str(path), parser)
    style.root = style.xml.getroot()
    style.root.set_locale_list(locale or style.root.get("default-locale", "en-US"), validate=False)
    return style
