"""Build the development corpus of real governance literature (``data/real``).

What: rebuilds, from two pinned git commits, a corpus of real documents for retrieval and
question-answering development:

* Participedia v2 pages (participedia/data-transfer, MIT licence) of kind cases, methods and
  organizations whose body holds at least ~1,200 characters of prose. Each page becomes a small,
  clean HTML file in ``data/real/participedia/`` with its title, source URL, rights, the
  structured facts the page shows outside its body (location, dates, ...) as ``<meta>`` tags and
  as a visible "Facts" list, then the body (headings, paragraphs, lists; no scripts, navigation,
  share widgets or images).
* citizens' assembly report PDFs (mysociety/citizen-assembly-data), copied byte for byte to
  ``.govqa-real/reports/`` (not committed: the councils' licences vary).

It writes ``data/real/manifest.json`` (one entry per document, with sha256 and text size) and
``data/real/README.md``. With ``--text-dir`` it also writes a neutral plain-text rendering of
every document plus ``INDEX.tsv`` for independent question writers.

Why: the synthetic corpus cannot show how the product copes with real, messy, multilingual
documents. The held-out documents listed in ``/work/shared/holdout.md`` are reserved for
judging the product; this script reads that file at build time, excludes them (and their
translations), prints how many it excluded, and asserts at the end that none slipped through.

Output is deterministic: the same commits give byte-identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import re
import shutil
import subprocess
import sys
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pypdfium2 as pdfium
from bs4 import BeautifulSoup, Tag

ROOT = Path(__file__).resolve().parents[1]
PARTICIPEDIA_COMMIT = "2b3615d19c3dc04aa97ae184ac102aba17a65c2b"
MYSOCIETY_COMMIT = "78f97d8d881e3fd90b8bc678f301141da6f588f1"
PARTICIPEDIA_REPO = "participedia/data-transfer"
MYSOCIETY_REPO = "mysociety/citizen-assembly-data"
DEFAULT_PARTICIPEDIA_GIT = "/work/.mirror/participedia+data-transfer/repo/.git"
DEFAULT_MYSOCIETY_GIT = "/work/.mirror/mysociety+citizen-assembly-data/repo"
# the steering repo's shared/ folder sits beside the checkout (as CI lays it out too)
DEFAULT_HOLDOUT = str(Path(__file__).resolve().parents[2] / "shared" / "holdout.md")
PAGES_DIR = "www.participedia.net/"
REPORTS_DIR = "data/raw/reports/"
ASSEMBLIES_DIR = "data/raw/assemblies/"
SITE = "https://participedia.net"
RIGHTS = "MIT licence, (c) 2016 Participedia.net; from participedia/data-transfer@2b3615d"
MIN_PROSE_CHARS = 1200
KINDS = ("cases", "methods", "organizations")
NODE_TYPE_KIND = {
    "node-type-case": "cases",
    "node-type-method": "methods",
    "node-type-organization": "organizations",
}
TRANSLATION_WORDS = re.compile(
    r"translat|übersetz|tradu[cçzi]", re.IGNORECASE
)  # "translation", "Übersetzung", "tradução", "traducción", "traduction"
TRANSLATION_NOTE_CHARS = 1000

DROP_TAGS = {
    "script", "style", "noscript", "img", "iframe", "object", "embed", "form", "input",
    "button", "select", "textarea", "video", "audio", "source", "svg", "map", "area", "link",
    "meta", "picture", "canvas",
}  # fmt: skip
KEEP_TAGS = {
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "ul", "ol", "li", "dl", "dt", "dd", "blockquote",
    "pre", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "a", "em",
    "strong", "b", "i", "u", "sub", "sup", "br", "hr", "div", "code", "cite", "q", "abbr",
}  # fmt: skip
KEEP_ATTRS = {"a": {"href"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
VOID_OR_CELL = {"br", "hr", "td", "th", "tr"}
INLINE_TAGS = {"a", "em", "strong", "b", "i", "u", "sub", "sup", "code", "cite", "q", "abbr"}
SKIP_FIELDS = {
    "title", "body", "field-addthis", "field-lead-image", "field-images", "field-video-ref",
    "field-video-file", "field-video-desc", "field-video-url", "field-file-attachements",
}  # fmt: skip
HIDDEN_FIELD_LABELS = {
    "pp-case-created": "Submitted",
    "pp-case-changed": "Last changed",
    "post-date": "Posted",
}
FACT_NAMES = {"pp-case-created": "submitted", "pp-case-changed": "last-changed"}
NO_DATA = "[no data entered]"
ADDRESS_PARTS = ("fn", "street-address", "locality", "region", "postal-code", "country-name")
STOPWORDS = {
    "en": "the and of to in is was for that with were which this are by from",
    "de": "der die und das ist von mit nicht eine wurde auch sich den des zu im",
    "es": "el los las del y por una con se es como más fue al",
    "pt": "os as do da dos das não uma com em para foi são mais ao",
    "fr": "le les des et est une du dans pour pas qui sur au aux",
    "it": "il gli della di che è per una con sono nel delle",
    "nl": "het een van niet zijn voor wordt deze ook bij naar werd",
}


# ----------------------------------------------------------------------------- data classes


@dataclass(frozen=True)
class Holdout:
    """Reserved documents parsed from holdout.md."""

    nodes: frozenset[str]
    report_paths: frozenset[str]
    urls: frozenset[str]  # normalised with norm_url


@dataclass(frozen=True)
class Fact:
    """One structured fact shown on a Participedia page outside its body."""

    name: str
    label: str
    value: str


@dataclass
class Page:
    """A parsed Participedia page."""

    node: str
    path: str
    title: str
    canonical: str
    kind: str | None
    declared_lang: str
    own_path: str
    switcher_paths: list[str]
    body: Tag | None
    facts: list[Fact] = field(default_factory=list)


@dataclass
class Report:
    """One mysociety report PDF entry from the tree."""

    path: str
    name: str
    blob: str
    size: int | None


# ----------------------------------------------------------------------------- git access


class GitReader:
    """Reads trees and blobs of one bare repository through git plumbing."""

    def __init__(self, git_dir: str) -> None:
        self.git_dir = git_dir
        self._batch: subprocess.Popen[bytes] | None = None

    def ls_tree(self, commit: str, prefix: str) -> list[tuple[str, str, int | None]]:
        """Return (path, blob sha, size or None) for files under prefix."""
        out = subprocess.run(
            ["git", "-C", self.git_dir, "ls-tree", "-r", "-l", commit, prefix],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows = []
        for line in out.splitlines():
            meta, path = line.split("\t", 1)
            _mode, _type, sha, size = meta.split()
            rows.append((path, sha, int(size) if size.isdigit() else None))
        return sorted(rows)

    def has_blob(self, sha: str) -> bool:
        """True if the blob object is present in the mirror."""
        res = subprocess.run(
            ["git", "-C", self.git_dir, "cat-file", "-e", sha], capture_output=True, check=False
        )
        return res.returncode == 0

    def read(self, sha: str) -> bytes:
        """Return the content of one object."""
        if self._batch is None:
            self._batch = subprocess.Popen(
                ["git", "-C", self.git_dir, "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        assert self._batch.stdin and self._batch.stdout
        self._batch.stdin.write(sha.encode() + b"\n")
        self._batch.stdin.flush()
        header = self._batch.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            raise KeyError(sha)
        data = self._batch.stdout.read(int(header[2]))
        self._batch.stdout.read(1)
        return data

    def show(self, commit: str, path: str) -> bytes:
        """Return the content of path at commit."""
        return subprocess.run(
            ["git", "-C", self.git_dir, "show", f"{commit}:{path}"],
            check=True,
            capture_output=True,
        ).stdout

    def close(self) -> None:
        if self._batch is not None:
            assert self._batch.stdin
            self._batch.stdin.close()
            self._batch.wait()
            self._batch = None


# ----------------------------------------------------------------------------- holdout


def norm_url(url: str) -> str:
    """Normalise a URL for comparison: no scheme, no www., no trailing slash, unquoted path."""
    url = url.strip().rstrip(").,;>")
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.lower()
    host = parts.netloc.lower()
    host = host.removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{host}{path}{query}"


def abs_url(href: str) -> str:
    """Absolute form of a link found on participedia.net (unchanged if unparsable)."""
    try:
        return urljoin(SITE + "/", href.strip())
    except ValueError:
        return href.strip()


def site_url(path: str) -> str:
    """Normalised form of a participedia.net site path."""
    return norm_url(abs_url(path))


def parse_holdout(path: Path) -> Holdout:
    """Parse the Nodes line, the report paths and every URL of holdout.md."""
    text = path.read_text(encoding="utf-8")
    match = re.search(r"^Nodes:\s*(.+)$", text, re.MULTILINE)
    if not match:
        raise SystemExit(f"{path}: no 'Nodes:' line")
    nodes = frozenset(n.strip() for n in match.group(1).split(",") if n.strip())
    reports = frozenset(re.findall(r"data/raw/reports/[^\s`]+\.pdf", text))
    urls = frozenset(norm_url(u) for u in re.findall(r"https?://[^\s`<>]+", text))
    return Holdout(nodes=nodes, report_paths=reports, urls=urls)


# ----------------------------------------------------------------------------- text helpers


def collapse_ws(text: str) -> str:
    """Collapse all whitespace (including no-break spaces) to single spaces."""
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def collapse_blank_lines(text: str) -> str:
    """Strip line ends and collapse runs of blank lines to one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.replace("\xa0", " ").rstrip() for line in text.split("\n")]
    text = "\n".join(lines)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip() + "\n"


def detect_language(text: str) -> tuple[str | None, bool]:
    """Guess the language of text from stopword counts; return (language, confident)."""
    words = Counter(re.findall(r"[a-zà-ÿ]+", text.lower()))
    scores = {lang: sum(words[w] for w in sw.split()) for lang, sw in STOPWORDS.items()}
    ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
    (best, top), (_second, runner) = ranked[0], ranked[1]
    if top == 0:
        return None, False
    return best, top >= 20 and top >= 1.5 * runner


# ----------------------------------------------------------------------------- participedia


def page_title(soup: BeautifulSoup) -> str:
    """Page title without the site suffix."""
    raw = soup.title.get_text() if soup.title else ""
    return collapse_ws(re.sub(r"\s*\|\s*Participedia\s*$", "", raw))


def node_kind(canonical: str, soup: BeautifulSoup) -> str | None:
    """Kind from the canonical URL, else from the Drupal node type on <body>."""
    parts = canonical.strip("/").split("/")
    if len(parts) >= 2 and parts[1] in KINDS:
        return parts[1]
    classes = soup.body.get("class", []) if soup.body else []
    for cls in classes:
        if cls in NODE_TYPE_KIND:
            return NODE_TYPE_KIND[cls]
    return None


def switcher_links(soup: BeautifulSoup) -> list[tuple[str, str, str, bool]]:
    """(language, href, title, active) of the language switcher: the node's translation set."""
    links = []
    for a in soup.select("ul.language-switcher-locale-url a[href]"):
        active = "active" in (a.get("class") or [])
        links.append((a.get("xml:lang", ""), a["href"], collapse_ws(a.get("title", "")), active))
    return links


def own_language_link(
    links: list[tuple[str, str, str, bool]], title: str
) -> tuple[str, str] | None:
    """The switcher link that is this page itself: active, else same title, else the only one."""
    for lang, href, _t, active in links:
        if active:
            return lang, href
    same = [(lang, href) for lang, href, t, _a in links if t and t == title]
    if len(same) == 1:
        return same[0]
    if len(links) == 1:
        return links[0][0], links[0][1]
    return None


def field_short_name(div: Tag) -> str | None:
    """'field-name-field-start-date' -> 'field-start-date'."""
    for cls in div.get("class", []):
        if cls.startswith("field-name-"):
            return cls.removeprefix("field-name-")
    return None


def item_value(item: Tag) -> str:
    """Text of one field item; postal addresses are joined part by part."""
    adr = item.select_one(".adr")
    if adr is not None:
        parts = []
        for part in ADDRESS_PARTS:
            for el in adr.select(f".{part}"):
                text = collapse_ws(el.get_text(" "))
                if text and text not in parts:
                    parts.append(text)
        return ", ".join(parts)
    return collapse_ws(item.get_text(" "))


def extract_facts(container: Tag) -> list[Fact]:
    """Structured facts of the node (every field outside the body that holds data)."""
    facts: list[Fact] = []
    for div in container.select("div.field"):
        name = field_short_name(div)
        if name is None or name in SKIP_FIELDS or div.find_parent("div", class_="field"):
            continue
        label_el = div.select_one(".field-label")
        label = collapse_ws(label_el.get_text(" ")).rstrip(":").strip() if label_el else ""
        label = label or HIDDEN_FIELD_LABELS.get(name, "")
        items = div.select(".field-items > .field-item") or [div]
        values = [v for v in (item_value(i) for i in items) if v and v != NO_DATA]
        if label_el is not None:
            values = [v.removeprefix(collapse_ws(label_el.get_text(" "))).strip() for v in values]
        if not label or not values:
            continue
        short = FACT_NAMES.get(name, name.removeprefix("field-"))
        facts.append(Fact(short, label, "; ".join(values)))
        if name == "field-geolocation":
            countries = [collapse_ws(c.get_text(" ")) for c in div.select(".country-name")]
            countries = sorted({c for c in countries if c})
            if countries:
                facts.append(Fact("country", "Country", "; ".join(countries)))
    return facts


def parse_page(node: str, path: str, raw: bytes) -> Page | None:
    """Parse one saved page; None for error pages without a canonical link."""
    soup = BeautifulSoup(raw.decode("utf-8", "replace"), "html.parser")
    link = soup.find("link", rel="canonical")
    if link is None or not link.get("href"):
        return None
    canonical = link["href"]
    title = page_title(soup)
    links = switcher_links(soup)
    own = own_language_link(links, title)
    declared = ""
    if soup.html is not None:
        declared = soup.html.get("xml:lang") or soup.html.get("lang") or ""
    own_path = canonical
    if own is not None:
        declared = own[0] or declared
        if canonical.startswith("/en/node/") and not own[1].startswith("/en/node/"):
            own_path = own[1]
    body = soup.select_one(".field-name-body .field-items .field-item")
    container = None
    if body is not None:
        container = body.find_parent("div", class_="node")
    container = container or soup.select_one("#block-system-main") or soup
    return Page(
        node=node,
        path=path,
        title=title,
        canonical=canonical,
        kind=node_kind(canonical, soup),
        declared_lang=declared,
        own_path=own_path,
        switcher_paths=[href for _l, href, _t, _a in links],
        body=body,
        facts=extract_facts(container),
    )


def clean_attributes(tag: Tag) -> None:
    """Keep only allowed attributes; make links absolute."""
    allowed = KEEP_ATTRS.get(tag.name, set())
    tag.attrs = {k: v for k, v in tag.attrs.items() if k in allowed}
    if tag.name == "a" and "href" in tag.attrs:
        tag["href"] = abs_url(str(tag["href"]))


def is_empty(tag: Tag) -> bool:
    """True if the element holds no text and no line break or rule."""
    if tag.name in VOID_OR_CELL:
        return False
    if tag.find(["br", "hr", "table"]):
        return False
    return not tag.get_text().replace("\xa0", " ").strip()


def clean_body(body: Tag) -> BeautifulSoup:
    """Copy of the body with only structural HTML: no scripts, images, widgets or styling."""
    frag = BeautifulSoup(str(body), "html.parser")
    root = frag.find()
    assert isinstance(root, Tag)
    for tag in frag.find_all(True):
        if tag.decomposed:
            continue
        classes = " ".join(tag.get("class") or [])
        if tag.name in DROP_TAGS or "addthis" in classes or "share" in classes:
            tag.decompose()
    for tag in frag.find_all("a"):
        href = str(tag.get("href", "")).strip()
        if not href or href.startswith(("#", "javascript:", "mailto:")):
            tag.unwrap()
    for tag in frag.find_all(True):
        if tag is root:
            continue
        if tag.name in KEEP_TAGS:
            clean_attributes(tag)
        else:
            tag.unwrap()
    for tag in reversed(frag.find_all(True)):
        if tag is not root and is_empty(tag):
            tag.decompose()
    root.name = "div"
    root.attrs = {"class": "body"}
    frag.smooth()
    return frag


def prose_chars(frag: BeautifulSoup) -> int:
    """Characters of body text outside headings."""
    copy = BeautifulSoup(str(frag), "html.parser")
    for heading in copy.find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        heading.decompose()
    return len(collapse_ws(copy.get_text(" ")))


def slugify(text: str) -> str:
    """Lower-case ASCII words joined by hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "untitled"


def slug_of(path: str) -> str:
    """Last path segment, made file-name safe."""
    return slugify(unquote(path.rstrip("/").rsplit("/", 1)[-1]))


def file_slug(page: Page) -> str:
    """Slug of the page's URL alias; pages known only as /xx/node/N use node-N-<title>."""
    if re.fullmatch(r"/[a-z]{2}/node/\d+/?", page.own_path):
        return f"node-{page.node}-{slugify(page.title)}"[:120].rstrip("-")
    return slug_of(page.own_path)


ANOTHER_DESCRIPTION = re.compile(r"another (description|account|write-?up)", re.IGNORECASE)


def translation_note_links(page: Page) -> set[str]:
    """Participedia pages named in a translation note at the top of the body."""
    if page.body is None:
        return set()
    head = collapse_ws(page.body.get_text(" "))[:TRANSLATION_NOTE_CHARS]
    if not TRANSLATION_WORDS.search(head):
        return set()
    found = set()
    for a in page.body.find_all("a", href=True):
        url = norm_url(abs_url(a["href"]))
        label = collapse_ws(a.get_text(" "))[:60]
        if url.startswith("participedia.net/") and label and label in head:
            found.add(url)
    return found


class UnionFind:
    """Tiny union-find over strings."""

    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, x: str) -> str:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def page_keys(page: Page) -> set[str]:
    """All normalised URLs that identify this page."""
    keys = {site_url(page.canonical), site_url(page.own_path), f"node:{page.node}"}
    keys.update(site_url(p) for p in page.switcher_paths)
    return keys


def reserved_pages(pages: list[Page], holdout: Holdout) -> dict[str, str]:
    """node -> reason, for reserved pages and every translation of a reserved page."""
    uf = UnionFind()
    for page in pages:
        keys = sorted(page_keys(page) | translation_note_links(page))
        for key in keys[1:]:
            uf.union(keys[0], key)
    bad_roots = {uf.find(f"node:{n}") for n in holdout.nodes}
    bad_roots |= {uf.find(u) for u in holdout.urls if u in uf.parent}
    renamed = {page.node for page in pages if renamed_reserved(page, holdout)}
    bad_roots |= {uf.find(f"node:{node}") for node in renamed}
    # A page that calls itself another write-up of a reserved case ("Another description
    # and analysis of this initiative can be found at ...") is the same case told again:
    # it and its translations are reserved too.
    for page in pages:
        if page.body is None or not ANOTHER_DESCRIPTION.search(page.body.get_text(" ")):
            continue
        if any(uf.find(u) in bad_roots for u in body_links(page.body) if u in uf.parent):
            bad_roots.add(uf.find(f"node:{page.node}"))
    reasons: dict[str, str] = {}
    for page in pages:
        own = {site_url(page.canonical), site_url(page.own_path)}
        if page.node in holdout.nodes:
            reasons[page.node] = "node listed in holdout.md"
        elif own & holdout.urls:
            reasons[page.node] = "URL listed in holdout.md"
        elif page.node in renamed:
            reasons[page.node] = "a page listed in holdout.md, under its earlier address"
        elif uf.find(f"node:{page.node}") in bad_roots:
            reasons[page.node] = "translation or another description of a reserved page"
        elif page.body is not None and body_links(page.body) & holdout.urls:
            # a page that points readers at a reserved page (even another Participedia
            # case) is kept out too: the reserved text must not be one click from ours
            reasons[page.node] = "body links to a reserved page"
    return reasons


def renamed_reserved(page: Page, holdout: Holdout) -> bool:
    """Whether the page is a reserved page under its 2016 address. holdout.md gives today's
    Participedia addresses, and a slug has since gained the place it is about: the saved
    page /en/cases/citizens-hall is today's /en/cases/citizens-hall-mongolia. So a page is
    reserved when a reserved address of the same kind holds every word of its slug and the
    page's own title and facts name each word the reserved slug adds."""
    own = _slug_words(frozenset({site_url(page.own_path)}))
    if not own:
        return False
    [(kind, words)] = own
    text = " ".join([page.title] + [f"{f.name} {f.value}" for f in page.facts]).lower()
    named = set(re.findall(r"\w+", text))
    return any(
        other == kind and words < reserved and reserved - words <= named
        for other, reserved in _slug_words(holdout.urls)
    )


@lru_cache(maxsize=8)
def _slug_words(urls: frozenset[str]) -> tuple[tuple[str, frozenset[str]], ...]:
    """(kind, words of the slug) of each Participedia page address among normalised URLs;
    cached, as every page is compared with the same reserved ones."""
    found = (re.fullmatch(r"participedia\.net/en/(\w+)/([\w-]+)", url) for url in urls)
    return tuple((m.group(1), frozenset(m.group(2).split("-"))) for m in found if m)


def body_links(body: Tag) -> set[str]:
    return {norm_url(abs_url(a["href"])) for a in body.find_all("a", href=True)}


def facts_meta(facts: list[Fact]) -> str:
    lines = []
    for fact in facts:
        name = html.escape(f"participedia:{fact.name}", quote=True)
        lines.append(f'<meta name="{name}" content="{html.escape(fact.value, quote=True)}">')
    return "\n".join(lines)


def facts_list(facts: list[Fact]) -> str:
    if not facts:
        return ""
    items = "\n".join(
        f"<li><strong>{html.escape(f.label, quote=False)}:</strong> "
        f"{html.escape(f.value, quote=False)}</li>"
        for f in facts
        if f.name != "country"
    )
    return f'<section class="facts">\n<h2>Facts</h2>\n<ul>\n{items}\n</ul>\n</section>\n'


def render_document(page: Page, body: BeautifulSoup, lang: str, source: str) -> str:
    """The output HTML document of one page."""
    title = html.escape(page.title, quote=False)
    qtitle = html.escape(page.title, quote=True)
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(lang, quote=True)}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{title}</title>",
        f'<meta name="citation_title" content="{qtitle}">',
        f'<meta name="dc.source" content="{html.escape(source, quote=True)}">',
        f'<meta name="dc.rights" content="{html.escape(RIGHTS, quote=True)}">',
        f'<meta name="dc.language" content="{html.escape(lang, quote=True)}">',
        f'<meta name="participedia:kind" content="{page.kind}">',
        f'<meta name="participedia:node" content="{page.node}">',
    ]
    meta = facts_meta(page.facts)
    if meta:
        head.append(meta)
    head += ["</head>", "<body>", "<article>", f"<h1>{title}</h1>"]
    return (
        "\n".join(head)
        + "\n"
        + facts_list(page.facts)
        + str(body)
        + "\n</article>\n</body>\n</html>\n"
    )


# ----------------------------------------------------------------------------- renderings


def html_to_text(doc: str) -> str:
    """Plain text of an output HTML document (get_text with newlines, blank runs collapsed)."""
    soup = BeautifulSoup(doc, "html.parser")
    for tag in soup.find_all(INLINE_TAGS):
        tag.unwrap()
    soup.smooth()
    target = soup.body or soup
    return collapse_blank_lines(target.get_text("\n"))


def pdf_to_text(data: bytes) -> tuple[str, int]:
    """Text of a PDF with '--- page N ---' markers; returns (text, page count)."""
    pdf = pdfium.PdfDocument(data)
    try:
        chunks = []
        for index in range(len(pdf)):
            page = pdf[index]
            textpage = page.get_textpage()
            chunks.append(f"--- page {index + 1} ---\n{textpage.get_text_bounded()}")
            textpage.close()
            page.close()
        return collapse_blank_lines("\n\n".join(chunks)), len(pdf)
    finally:
        pdf.close()


# ----------------------------------------------------------------------------- mysociety


def parse_simple_yaml(text: str) -> dict[str, str]:
    """Top-level 'key: value' pairs with indented continuation lines (enough for these files)."""
    data: dict[str, str] = {}
    key = None
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z_][A-Za-z0-9_]*):\s?(.*)$", line)
        if match:
            key = match.group(1)
            data[key] = match.group(2).strip()
        elif key and line.startswith((" ", "\t")):
            data[key] = (data[key] + " " + line.strip()).strip()
    return {k: v.strip("'\"") for k, v in data.items()}


def assembly_for(report_name: str, assemblies: dict[str, dict[str, str]]) -> dict[str, str]:
    """Assembly record of a report: same stem, else the only one with the same code and year."""
    stem = report_name.removesuffix(".pdf")
    if stem in assemblies:
        return assemblies[stem]
    prefix = "-".join(stem.split("-")[:3]) + "-"
    matches = [v for k, v in sorted(assemblies.items()) if k.startswith(prefix)]
    return matches[0] if len(matches) == 1 else {}


def report_title(name: str, info: dict[str, str]) -> str:
    if info.get("org_name"):
        theme = info.get("thematic_grouping") or "Citizens' assembly"
        year = info.get("assembly_year", "")
        return f"{info['org_name']}: {theme} report ({year})".replace(" ()", "")
    return name.removesuffix(".pdf")


# ----------------------------------------------------------------------------- build steps


@dataclass
class BuildResult:
    """Everything the manifest, README and self check need."""

    documents: list[dict[str, object]] = field(default_factory=list)
    excluded: list[dict[str, str]] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    skipped_files: list[dict[str, str]] = field(default_factory=list)
    texts: dict[str, str] = field(default_factory=dict)


def load_pages(git: GitReader, result: BuildResult) -> list[Page]:
    """Parse every saved page; count 404s and JSON sidecars as skipped."""
    pages = []
    for path, sha, _size in git.ls_tree(PARTICIPEDIA_COMMIT, PAGES_DIR):
        node = path.removeprefix(PAGES_DIR)
        if node.endswith(".json"):
            result.skipped["participedia: .json sidecar (same body as the HTML page)"] += 1
            continue
        page = parse_page(node, path, git.read(sha))
        if page is None:
            result.skipped["participedia: 'Page not found' error page"] += 1
            continue
        pages.append(page)
    return sorted(pages, key=lambda p: (int(p.node) if p.node.isdigit() else 10**9, p.node))


def url_kind(page: Page) -> str:
    """Second segment of the canonical path, e.g. 'news' for /en/news/..."""
    parts = page.canonical.strip("/").split("/")
    return parts[1] if len(parts) >= 2 else "other"


def choose_language(page: Page, body_text: str) -> tuple[str, str]:
    """(language, how it was found): detected from the text if clear, else as declared."""
    detected, confident = detect_language(body_text)
    if detected and confident:
        how = "declared" if detected == page.declared_lang else "detected"
        return detected, how
    return page.declared_lang or "und", "declared"


def build_participedia(
    git: GitReader, holdout: Holdout, out_dir: Path, result: BuildResult
) -> None:
    """Select, clean and write the Participedia pages."""
    pages = load_pages(git, result)
    reserved = reserved_pages(pages, holdout)
    target = out_dir / "participedia"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    used: set[str] = set()
    for page in pages:
        if page.node in reserved:
            result.excluded.append(
                {"source": PARTICIPEDIA_REPO, "node": page.node, "path": page.path,
                 "canonical": page.canonical, "reason": reserved[page.node]}
            )  # fmt: skip
            continue
        if page.kind not in KINDS:
            result.skipped[f"participedia: not a case/method/organization ({url_kind(page)})"] += 1
            continue
        if page.body is None:
            result.skipped["participedia: no body field"] += 1
            continue
        body = clean_body(page.body)
        if prose_chars(body) < MIN_PROSE_CHARS:
            result.skipped[
                f"participedia: {page.kind} with < {MIN_PROSE_CHARS} chars of prose"
            ] += 1
            continue
        name = f"{page.kind}-{file_slug(page)}"
        if name in used:
            name = f"{name}-{page.node}"
        used.add(name)
        lang, how = choose_language(page, body.get_text(" "))
        source = SITE + page.own_path
        doc = render_document(page, body, lang, source)
        data = doc.encode("utf-8")
        (target / f"{name}.html").write_bytes(data)
        text = html_to_text(doc)
        result.texts[f"{name}.html"] = text
        result.documents.append(
            {
                "file": f"participedia/{name}.html",
                "kind": page.kind,
                "title": page.title,
                "source_repo": PARTICIPEDIA_REPO,
                "commit": PARTICIPEDIA_COMMIT,
                "source_path": page.path,
                "node": page.node,
                "canonical_url": SITE + page.canonical,
                "url": source,
                "sha256": hashlib.sha256(data).hexdigest(),
                "characters": len(text),
                "language": lang,
                "language_source": how,
                "declared_language": page.declared_lang,
                "facts": len(page.facts),
            }
        )


def load_assemblies(git: GitReader) -> dict[str, dict[str, str]]:
    records = {}
    for path, sha, _size in git.ls_tree(MYSOCIETY_COMMIT, ASSEMBLIES_DIR):
        if path.endswith(".yaml"):
            stem = path.removeprefix(ASSEMBLIES_DIR).removesuffix(".yaml")
            records[stem] = parse_simple_yaml(git.read(sha).decode("utf-8", "replace"))
    return records


def report_reserved_reason(
    path: str, blob: str, info: dict[str, str], holdout: Holdout, reserved_blobs: set[str]
) -> str | None:
    if path in holdout.report_paths:
        return "report path listed in holdout.md"
    if blob in reserved_blobs:
        return "same content as a reserved report"
    pdf_url = info.get("report_pdf_url")
    if pdf_url and norm_url(pdf_url) in holdout.urls:
        return "report URL listed in holdout.md"
    return None


def build_mysociety(
    git: GitReader, holdout: Holdout, reports_dir: Path, result: BuildResult
) -> None:
    """Copy the available, non-reserved report PDFs and record them."""
    assemblies = load_assemblies(git)
    tree = git.ls_tree(MYSOCIETY_COMMIT, REPORTS_DIR)
    reserved_blobs = {sha for path, sha, _s in tree if path in holdout.report_paths}
    if reports_dir.exists():
        shutil.rmtree(reports_dir)
    reports_dir.mkdir(parents=True)
    for path, sha, size in tree:
        if not path.endswith(".pdf"):
            continue
        name = path.removeprefix(REPORTS_DIR)
        info = assembly_for(name, assemblies)
        reason = report_reserved_reason(path, sha, info, holdout, reserved_blobs)
        if reason:
            result.excluded.append({"source": MYSOCIETY_REPO, "path": path, "reason": reason})
            continue
        if size is None or not git.has_blob(sha):
            why = "absent from the mirror (>= 4 MiB file, not stored)"
            result.skipped[f"mysociety: {why}"] += 1
            result.skipped_files.append({"source_path": path, "reason": why})
            continue
        data = git.read(sha)
        (reports_dir / name).write_bytes(data)
        text, pages = pdf_to_text(data)
        result.texts[name] = text
        result.documents.append(
            {
                "file": f".govqa-real/reports/{name}",
                "kind": "report",
                "title": report_title(name, info),
                "source_repo": MYSOCIETY_REPO,
                "commit": MYSOCIETY_COMMIT,
                "source_path": path,
                "canonical_url": info.get("report_pdf_url", ""),
                "sha256": hashlib.sha256(data).hexdigest(),
                "characters": len(text),
                "pages": pages,
                "language": "en",
                "language_source": "assumed (UK public body report)",
                "organisation": info.get("org_name", ""),
                "year": info.get("assembly_year", ""),
                "licence_notes": info.get("licence_notes", ""),
                "redistributed": False,
            }
        )


# ----------------------------------------------------------------------------- outputs


def write_manifest(out_dir: Path, result: BuildResult, holdout_path: Path) -> dict[str, object]:
    kinds = Counter(str(d["kind"]) for d in result.documents)
    langs = Counter(str(d["language"]) for d in result.documents if d["kind"] != "report")
    chars: Counter[str] = Counter()
    for doc in result.documents:
        chars[str(doc["kind"])] += int(str(doc["characters"]))
    manifest: dict[str, object] = {
        "description": "Development corpus of real governance literature (see README.md)",
        "builder": "scripts/build_real_corpus.py",
        "sources": {
            PARTICIPEDIA_REPO: PARTICIPEDIA_COMMIT,
            MYSOCIETY_REPO: MYSOCIETY_COMMIT,
        },
        "holdout_file": str(holdout_path),
        "counts": {
            "documents": len(result.documents),
            "by_kind": dict(sorted(kinds.items())),
            "participedia_languages": dict(sorted(langs.items())),
            "characters": sum(int(str(d["characters"])) for d in result.documents),
            "characters_by_kind": dict(sorted(chars.items())),
            "excluded_reserved": len(result.excluded),
            "excluded_reserved_by_reason": dict(
                sorted(Counter(e["reason"] for e in result.excluded).items())
            ),
            "skipped": dict(sorted(result.skipped.items())),
        },
        # reserved documents are counted by reason above, never named: naming them here
        # would put the reserved list into the corpus
        "skipped_files": result.skipped_files,
        "documents": result.documents,
    }
    text = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    (out_dir / "manifest.json").write_text(text, encoding="utf-8")
    return manifest


def write_readme(out_dir: Path, manifest: dict[str, object]) -> None:
    counts = manifest["counts"]
    assert isinstance(counts, dict)
    by_kind = ", ".join(f"{k}: {v}" for k, v in counts["by_kind"].items())
    langs = ", ".join(f"{k}: {v}" for k, v in counts["participedia_languages"].items())
    chars = ", ".join(f"{k}: {v}" for k, v in counts["characters_by_kind"].items())
    skipped = "\n".join(f"- {k}: {v}" for k, v in counts["skipped"].items())
    excluded = "\n".join(f"- {k}: {v}" for k, v in counts["excluded_reserved_by_reason"].items())
    readme = f"""# Real governance literature: development corpus

Real documents for developing and testing retrieval and question answering on messy,
multilingual text. Built by `scripts/build_real_corpus.py` from two pinned commits:

- `{PARTICIPEDIA_REPO}` @ `{PARTICIPEDIA_COMMIT}`: saved pages of participedia.net (v2) ->
  `participedia/<kind>-<slug>.html` (committed). Only cases, methods and organizations whose
  body holds at least {MIN_PROSE_CHARS} characters of prose (outside headings); empty templates
  are skipped. Each file is a small HTML document: `<title>`, `citation_title`, `dc.source`
  (page URL), `dc.rights`, `dc.language`, the page's structured facts (location, country,
  dates, participants, methods, ...) as `<meta name="participedia:...">` tags and as a visible
  "Facts" list, then the cleaned body (headings, paragraphs, lists, tables, links).
- `{MYSOCIETY_REPO}` @ `{MYSOCIETY_COMMIT}`: citizens' assembly report PDFs
  -> `.govqa-real/reports/` (NOT committed, see licences). Listed in `manifest.json` with their
  sha256 so a rebuild can be verified.

`manifest.json` has one entry per document (file, kind, title, source repo, commit, source path,
canonical URL, sha256 of the output file, characters of text, language) plus the reserved
documents excluded and the files skipped, with reasons.

## Rebuild

```
.venv/bin/python scripts/build_real_corpus.py \\
    --participedia-git {DEFAULT_PARTICIPEDIA_GIT} \\
    --mysociety-git {DEFAULT_MYSOCIETY_GIT} \\
    --out data/real
```

(run from the repository root; those are also the defaults). The output is deterministic:
the same commits give byte-identical files. `--text-dir DIR` also writes plain-text renderings
and `INDEX.tsv` (for independent question writers; not part of the project).

## Reserved documents

The script reads the steering repository's `shared/holdout.md` (beside the checkout) at build
time and excludes every Participedia node, report path and web page it lists, every translation
or other write-up of a listed Participedia page (linked by the page's language switcher, or by a
"translation of" or "another description" note in its body), and every page linking to one.
It ends with a self check that asserts none of them is in the output.

Excluded: {counts["excluded_reserved"]}
{excluded}

## Counts

- documents: {counts["documents"]} ({by_kind})
- Participedia languages (detected from the text where clear, else as declared): {langs}
- characters of text: {counts["characters"]} ({chars})

Skipped:
{skipped}

## Licences and attribution

Participedia pages: MIT licence, Copyright (c) 2016 Participedia.net, from
https://github.com/participedia/data-transfer (commit `{PARTICIPEDIA_COMMIT[:7]}`). The
licence text:

{participedia_licence_block()}

Report PDFs: the mysociety repository is MIT (c) 2021 mySociety, but the reports themselves are
documents of councils, NHS bodies and other organisations under varied terms (see
`licence_notes` in the manifest; some are CC BY-NC-SA, OGL, or all rights reserved). They are
therefore NOT redistributed: they are copied only into `.govqa-real/reports/`, which must stay
out of git (`--reports-dir` changes the place).
"""
    (out_dir / "README.md").write_text(readme, encoding="utf-8")


_LICENCE_TEXT: list[str] = []


def participedia_licence_block() -> str:
    return "\n".join(f"    {line}".rstrip() for line in _LICENCE_TEXT)


def write_text_renderings(text_dir: Path, result: BuildResult) -> None:
    """One .txt per document plus INDEX.tsv (file, kind, title, characters)."""
    if text_dir.exists():
        for old in text_dir.glob("*.txt"):
            old.unlink()
    text_dir.mkdir(parents=True, exist_ok=True)
    rows = ["file\tkind\ttitle\tcharacters"]
    for doc in sorted(result.documents, key=lambda d: str(d["file"])):
        name = Path(str(doc["file"])).name
        stem = name.rsplit(".", 1)[0]
        (text_dir / f"{stem}.txt").write_text(result.texts[name], encoding="utf-8")
        title = collapse_ws(str(doc["title"])).replace("\t", " ")
        rows.append(f"{name}\t{doc['kind']}\t{title}\t{doc['characters']}")
    (text_dir / "INDEX.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def self_check(out_dir: Path, reports_dir: Path, holdout: Holdout, result: BuildResult) -> None:
    """Assert that no reserved document made it into the output."""
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    excluded_nodes = {e["node"] for e in result.excluded if "node" in e}
    excluded_paths = {e["path"] for e in result.excluded}
    assert holdout.nodes, "holdout.md listed no nodes"
    assert holdout.report_paths, "holdout.md listed no report paths"
    for doc in manifest["documents"]:
        src = doc["source_path"]
        assert src not in excluded_paths, src
        assert src not in holdout.report_paths, src
        if doc["source_repo"] == PARTICIPEDIA_REPO:
            assert doc["node"] not in holdout.nodes, doc["node"]
            assert doc["node"] not in excluded_nodes, doc["node"]
            for key in ("canonical_url", "url"):
                assert norm_url(doc[key]) not in holdout.urls, doc[key]
        elif doc["canonical_url"]:
            assert norm_url(doc["canonical_url"]) not in holdout.urls, doc["canonical_url"]
    for html_file in sorted((out_dir / "participedia").glob("*.html")):
        soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
        node = soup.find("meta", attrs={"name": "participedia:node"})["content"]
        source = soup.find("meta", attrs={"name": "dc.source"})["content"]
        assert node not in holdout.nodes and node not in excluded_nodes, html_file
        assert norm_url(source) not in holdout.urls, html_file
    copied = {p.name for p in reports_dir.glob("*.pdf")}
    for path in holdout.report_paths:
        assert path.removeprefix(REPORTS_DIR) not in copied, path
    files = {Path(str(d["file"])).name for d in manifest["documents"]}
    on_disk = {p.name for p in (out_dir / "participedia").glob("*.html")} | copied
    assert files == on_disk, "manifest and files on disk differ"
    print("self check passed: no reserved document in the output")


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--participedia-git", default=DEFAULT_PARTICIPEDIA_GIT)
    parser.add_argument("--mysociety-git", default=DEFAULT_MYSOCIETY_GIT)
    parser.add_argument("--out", default=str(ROOT / "data" / "real"))
    parser.add_argument("--reports-dir", default=str(ROOT / ".govqa-real" / "reports"))
    parser.add_argument("--holdout", default=DEFAULT_HOLDOUT)
    parser.add_argument("--text-dir", default=None, help="also write plain-text renderings")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    out_dir, reports_dir = Path(args.out), Path(args.reports_dir)
    holdout_path = Path(args.holdout)
    holdout = parse_holdout(holdout_path)
    out_dir.mkdir(parents=True, exist_ok=True)
    result = BuildResult()
    pgit, mgit = GitReader(args.participedia_git), GitReader(args.mysociety_git)
    try:
        licence = pgit.show(PARTICIPEDIA_COMMIT, "LICENSE").decode("utf-8")
        _LICENCE_TEXT[:] = licence.strip().splitlines()
        build_participedia(pgit, holdout, out_dir, result)
        build_mysociety(mgit, holdout, reports_dir, result)
    finally:
        pgit.close()
        mgit.close()
    manifest = write_manifest(out_dir, result, holdout_path)
    write_readme(out_dir, manifest)
    if args.text_dir:
        write_text_renderings(Path(args.text_dir), result)
    counts = manifest["counts"]
    assert isinstance(counts, dict)
    print(f"reserved documents excluded: {counts['excluded_reserved']}")
    for reason, n in counts["excluded_reserved_by_reason"].items():
        print(f"  {reason}: {n}")
    print(f"documents: {counts['documents']} {counts['by_kind']}")
    print(f"participedia languages: {counts['participedia_languages']}")
    print(f"characters: {counts['characters']}")
    for reason, n in counts["skipped"].items():
        print(f"skipped {reason}: {n}")
    self_check(out_dir, reports_dir, holdout, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
