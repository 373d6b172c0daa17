"""Bibliographic records the style and export tests share: one journal article as a
reference manager holds it (CSL-JSON), and the kinds of documents a governance library
holds as DocMetadata describes them (a journal article, an institution's report, a
webpage, a book, a document with neither author nor year, a Thai book), with Polish and
Thai names."""

from __future__ import annotations

from ingest.records import DocMetadata

# a journal article with the fields a reference manager holds
ARTICLE = {
    "id": "ansell2008",
    "type": "article-journal",
    "title": "Collaborative governance in theory and practice",
    "author": [{"family": "Ansell", "given": "Chris"}, {"family": "Gash", "given": "Alison"}],
    "issued": {"date-parts": [[2008]]},
    "container-title": "Journal of Public Administration Research and Theory",
    "volume": "18",
    "issue": "4",
    "page": "543-571",
    "DOI": "10.1093/jopart/mum032",
}

# the same kinds of documents as DocMetadata describes them (what csl_item reads)
METADATA = {
    "article": DocMetadata(
        title="Collaborative governance in theory and practice",
        authors=["Ansell, Chris", "Gash, Alison"],
        year=2008,
        container="Journal of Public Administration Research and Theory",
        doi="https://doi.org/10.1093/jopart/mum032",
        item_type="article-journal",
    ),
    "report": DocMetadata(
        title="Open government data in Thailand",
        authors=["OECD"],
        year=2019,
        item_type="report",
        url="https://www.oecd.org/gov/open-government-data-thailand.htm",
    ),
    "webpage": DocMetadata(
        title="How participatory budgeting works",
        authors=["Małgorzata Kowalska", "Wiśniewski, Łukasz"],
        url="https://example.org/pb",
        container="Civic Budgets",
        item_type="webpage",
    ),
    "book": DocMetadata(
        title="Governing the commons: The evolution of institutions for collective action",
        authors=["Ostrom, Elinor"],
        year=1990,
        isbn="9780521405997",
        item_type="book",
    ),
    "bare": DocMetadata(title="Community forest management in Nan province"),
    "thai": DocMetadata(
        title="การกระจายอำนาจสู่องค์กรปกครองส่วนท้องถิ่น",
        authors=["สมชาย ใจดี"],
        year=2017,
        item_type="book",
    ),
}
