"""Control characters and HTML in document text reach no terminal, Word file or Markdown
viewer as such.

The document's title holds an ESC colour sequence, a BEL and a C1 CSI (YAML's "\\e", "\\a"
and "\\x9b" escapes in its front matter) and an `<img onerror>`; its answering sentence holds
a raw "ESC [2J" (clear screen; few enough control bytes for the text reader to accept the
file) and `<script>`/`<b>` markup. `govqa ask` prints the controls escaped, `--json` keeps
the data (and escapes C1 too), `govqa brief` writes its DOCX (python-docx used to refuse
the title: "All strings must be XML compatible"), and the Markdown of the brief and of the
chat's answer export carries the markup HTML-escaped.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.settings import Settings
from ingest.text import CONTROL_CHARS
from tests.conftest import free_port
from tests.support.cli import run_govqa
from tests.support.index import ingest_and_derive

TITLE_YAML = r"Water Boards\e[31m of\a Lampang\x9b <img src=x onerror=alert(1)>"
TITLE_SHOWN = "Water Boards[31m of Lampang <img src=x onerror=alert(1)>"  # controls dropped
ANSWER = (
    "The Lampang water board met in March 2019 and approved a new <b>water tariff</b>\x1b[2J "
    "for rural households <script>alert(2)</script> after three public hearings."
)
QUESTION = "What did the Lampang water board approve?"
DOCUMENT = (
    f'---\ntitle: "{TITLE_YAML}"\nauthors: ["govqa test brief"]\nyear: 2021\n'
    'place: "Lampang"\ncountry: "Thailand"\nlevel: "local"\npolicy_area: ["water"]\n'
    'case_years: "2015-2019"\n---\n# Water boards\n\n'
    + "\n\n".join(
        [
            ANSWER,
            "The board also agreed to publish its accounts online every quarter so that "
            "residents could check the spending.",
            *(
                f"In Lampang, the water office kept careful records of meeting number {i}. "
                "Volunteers checked the summaries against the minutes every month."
                for i in range(1, 7)
            ),
        ]
    )
    + "\n"
)


@pytest.fixture(scope="module")
def hostile_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("controls")
    (root / "corpus").mkdir()
    (root / "corpus" / "lampang.md").write_text(DOCUMENT, encoding="utf-8")
    settings = Settings(index_dir=root / "index", corpus_dir=root / "corpus")
    report = ingest_and_derive([root / "corpus"], settings)
    assert not report.skipped, report.skipped
    return settings


def test_ask_prints_control_characters_escaped(hostile_index: Settings, tmp_path: Path) -> None:
    done = run_govqa("ask", QUESTION, "--index-dir", str(hostile_index.index_dir), cwd=tmp_path)

    assert done.returncode == 0, done.stderr
    assert not CONTROL_CHARS.search(done.stdout), repr(done.stdout[:500])
    assert "water tariff</b>\\x1b[2J for rural households" in done.stdout
    assert "Water Boards\\x1b[31m of\\x07 Lampang\\x9b" in done.stdout


def test_ask_json_keeps_the_text_and_escapes_c1(hostile_index: Settings, tmp_path: Path) -> None:
    done = run_govqa(
        "ask", QUESTION, "--json", "--index-dir", str(hostile_index.index_dir), cwd=tmp_path
    )

    assert done.returncode == 0, done.stderr
    assert not CONTROL_CHARS.search(done.stdout)
    answer = json.loads(done.stdout)
    assert "water tariff</b>\x1b[2J for" in answer["text"]
    assert answer["sources"][0]["title"] == "Water Boards\x1b[31m of\x07 Lampang\x9b " + (
        "<img src=x onerror=alert(1)>"
    )


def test_brief_writes_docx_and_inert_markdown(hostile_index: Settings, tmp_path: Path) -> None:
    import docx

    done = run_govqa(
        "brief",
        "lampang",
        "--out",
        "out",
        "--index-dir",
        str(hostile_index.index_dir),
        cwd=tmp_path,
    )

    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    paragraphs = [p.text for p in docx.Document(str(tmp_path / "out" / "brief.docx")).paragraphs]
    assert any(TITLE_SHOWN in p for p in paragraphs), paragraphs
    markdown = (tmp_path / "out" / "brief.md").read_text(encoding="utf-8")
    bibtex = (tmp_path / "out" / "references.bib").read_text(encoding="utf-8")
    assert not CONTROL_CHARS.search(markdown + bibtex)
    assert "<img" not in markdown
    assert "**Water Boards[31m of Lampang &lt;img src=x onerror=alert(1)&gt;**" in markdown


def test_chat_export_is_inert_markdown(hostile_index: Settings) -> None:
    """Ask in the real chat, then press Export (same session) over its HTTP API."""
    from gradio_client import Client

    from app.ui import serve

    settings = hostile_index.replace(serve_port=free_port())
    demo = serve(settings, block=False)
    try:
        client = Client(f"http://127.0.0.1:{settings.serve.port}/", verbose=False)
        client.predict(QUESTION, [], None, None, None, None, None, api_name="/chat")
        files = {
            Path(f).name: Path(f).read_text(encoding="utf-8")
            for f in client.predict(api_name="/export")
            if not f.endswith(".docx")
        }
        client.close()
    finally:
        demo.close()

    markdown, bibtex = files["answer.md"], files["references.bib"]
    assert not CONTROL_CHARS.search(markdown + bibtex)
    assert "<script" not in markdown and "<b>" not in markdown and "<img" not in markdown
    assert "a new &lt;b&gt;water tariff&lt;/b&gt;[2J for rural households" in markdown
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in markdown
