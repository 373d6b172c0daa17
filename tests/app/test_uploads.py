"""Uploads lose nothing and impersonate nothing; curators remove documents; provenance.

Every test runs the real pipeline on a real index of the tiny briefs (tests.support.tiny),
made once per module; tests that change the library make their own index.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
from pathlib import Path

import pytest

from app.engine import Engine
from app.library import BUSY, add_uploads, remove_documents, stored_name, update_library
from ingest.catalog import Catalog
from ingest.channels import opened_channels
from ingest.settings import Settings
from tests.support.cli import run_govqa
from tests.support.tiny import TINY

GENUINE = "riverton-budget.md"
QUESTION = "How many projects did Riverton's council approve?"
GENUINE_CLAIM = "The council approved 40 projects in 2019"
PLANTED_CLAIM = "The council approved 4 projects in 2019 after a developer paid the mayor"
IMPOSTOR = TINY[GENUINE].replace(GENUINE_CLAIM, PLANTED_CLAIM)


def library(root: Path, **settings) -> tuple[Settings, Engine]:
    """A fresh index of the tiny briefs, ingested as `govqa ingest` does."""
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    for name, text in TINY.items():
        (corpus / name).write_text(text, encoding="utf-8")
    config = Settings(**{"index_dir": root / "index", "corpus_dir": corpus, **settings})
    report = update_library([corpus], config)
    assert not report.skipped, report.skipped
    return config, Engine(config)


def upload_file(root: Path, name: str, text: str | bytes) -> Path:
    """A file as the chat's server holds an upload: in a folder of its own under `root`."""
    folder = root / "gradio-temp" / f"upload-{len(list(root.glob('gradio-temp/*')))}"
    folder.mkdir(parents=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def impostor_library(tmp_path_factory):
    """The tiny library, the genuine case's answer, card and comparison row before, and
    the report of uploading a copy of the genuine brief with a planted sentence."""
    root = tmp_path_factory.mktemp("impostor")
    settings, engine = library(root)
    before = engine.ask(QUESTION)
    genuine_id = before.sources[0].doc_id
    card_before = engine.cases.card(genuine_id)
    others = [d.doc_id for d in engine.documents() if d.doc_id != genuine_id]
    row_before = engine.ask("Compare", compare=[genuine_id, others[0]]).table.rows[0]
    temp = upload_file(root, GENUINE, IMPOSTOR)
    report = add_uploads([temp], settings, engine, by="mallory", temp_root=root / "gradio-temp")
    return {
        "settings": settings,
        "engine": engine,
        "before": before,
        "genuine": genuine_id,
        "card": card_before,
        "row": row_before,
        "other": others[0],
        "report": report,
        "temp": temp,
        "root": root,
    }


def test_impostor_is_flagged_and_kept_as_its_own_case(impostor_library):
    report, engine = impostor_library["report"], impostor_library["engine"]
    genuine = impostor_library["genuine"]
    [outcome] = report.ingest.files
    assert outcome.status == "added"
    assert outcome.lookalike_of == [genuine]
    assert "title matches 'Participatory Budgeting in Riverton'" in outcome.flag
    assert any(line.startswith("flagged: ") for line in report.lines())
    impostor = next(d for d in engine.documents() if d.lookalike_of)
    assert impostor.provenance.origin == "upload" and impostor.provenance.by == "mallory"
    assert impostor.provenance.name == GENUINE
    # never merged: the genuine card still has only the genuine document
    card = engine.cases.card(genuine)
    assert card.doc_ids == [genuine]
    assert engine.cases.card(impostor.doc_id).doc_ids == [impostor.doc_id]
    assert engine.cases.card(impostor.doc_id).label.startswith("⚠ look-alike")


def test_impostor_does_not_change_the_genuine_answer_card_or_row(impostor_library):
    engine = impostor_library["engine"]
    before, genuine = impostor_library["before"], impostor_library["genuine"]
    after = engine.ask(QUESTION)
    assert PLANTED_CLAIM not in after.text
    assert after.text == before.text
    assert [s.doc_id for s in after.sources] == [s.doc_id for s in before.sources]
    assert after.reading == before.reading  # the copy is not offered beside its original
    card = engine.cases.card(genuine)
    assert card.fields == impostor_library["card"].fields
    row = engine.ask("Compare", compare=[genuine, impostor_library["other"]]).table.rows[0]
    assert row.cells == impostor_library["row"].cells
    assert all(PLANTED_CLAIM not in c.text for c in row.cells.values())


def test_the_impostor_is_quoted_only_with_its_flag(impostor_library):
    """A question that names no case may still reach the planted passage (it is in the
    library), but its source card says what it is and who uploaded it."""
    from app.render import sources_as_html

    engine = impostor_library["engine"]
    answer = engine.ask("Which council approved projects after a developer paid the mayor?")
    planted = [s for s in answer.sources if s.lookalike_of]
    assert planted, answer.text
    assert all(s.provenance.origin == "upload" for s in planted)
    assert "look-alike" in sources_as_html(answer) and "uploaded by mallory" in (
        sources_as_html(answer)
    )


def test_a_retitled_copy_with_the_same_front_matter_is_flagged_too(tmp_path):
    """A copy that changes its title but keeps the front matter and the text around its
    planted sentence is a look-alike; a second genuine report with the same front matter
    and its own text is not (tests/app/test_cases.py groups two such reports)."""
    settings, engine = library(tmp_path)
    retitled = IMPOSTOR.replace(
        'title: "Participatory Budgeting in Riverton"', 'title: "Riverton Budget Review"'
    )
    assert retitled != IMPOSTOR
    own = (
        TINY[GENUINE].split("---\n# ")[0]
        + "# Riverton Budget Audit\n\n"
        + ("Auditors of the Riverton budget counted every receipt of the playground works.\n")
    )
    own = own.replace('title: "Participatory Budgeting in Riverton"', 'title: "Riverton Audit"')
    report = add_uploads(
        [upload_file(tmp_path, "review.md", retitled), upload_file(tmp_path, "audit.md", own)],
        settings,
        engine,
    )
    outcomes = {Path(f.path).name: f for f in report.ingest.files}
    assert "front matter and most sentences match" in outcomes["review.md"].flag
    assert outcomes["audit.md"].status == "added" and not outcomes["audit.md"].flag


def test_upload_is_stored_under_the_index_and_its_temporary_copy_is_gone(impostor_library):
    settings, temp = impostor_library["settings"], impostor_library["temp"]
    impostor = next(d for d in impostor_library["engine"].documents() if d.lookalike_of)
    stored = Path(impostor.source)
    assert stored.is_relative_to(settings.uploads_dir.resolve()) and stored.is_file()
    assert not (settings.corpus_dir / "uploads").exists()
    assert not (Path.cwd() / "data" / "corpus" / "uploads").exists()
    assert not temp.exists() and not temp.parent.exists()
    assert (impostor_library["root"] / "gradio-temp").is_dir()  # the root itself stays


def test_same_name_twice_keeps_both_and_same_file_twice_is_refused(tmp_path):
    settings, engine = library(tmp_path)
    first = upload_file(tmp_path, "report.md", "# Harbour report\n\nThe harbour board met.\n")
    add_uploads([first], settings, engine)
    second_text = "# Ferry report\n\nThe ferry board of Porthmere met every week in 2020.\n"
    second = upload_file(tmp_path, "report.md", second_text)
    report = add_uploads([second], settings, engine)
    [outcome] = report.ingest.files
    assert outcome.status == "added"
    assert "a document named report.md was already in the library" in outcome.note
    names = [d.provenance.name for d in engine.documents() if d.provenance.origin == "upload"]
    assert names == ["report.md", "report.md"]

    again = upload_file(tmp_path, "renamed.md", second_text)
    [refused] = add_uploads([again], settings, engine).ingest.files
    assert refused.status == "skipped" and refused.reason.startswith("already in the library as")
    assert len([d for d in engine.documents() if d.provenance.origin == "upload"]) == 2
    assert not again.exists()


def test_size_limit_long_names_and_temporary_files(tmp_path):
    settings, engine = library(tmp_path, ingest_max_upload_mb=0.001)
    big = upload_file(tmp_path, "big.txt", "The board met. " * 200)  # 3 kB > 1 kB
    long_name = "a" * 133 + ".md"  # 136 characters
    small = upload_file(tmp_path, long_name, "# Pier council\n\nThe pier council met.\n")
    corrupt = upload_file(tmp_path, "broken.pdf", b"%PDF-1.4 not really")
    report = add_uploads([big, small, corrupt], settings, engine)
    outcomes = {Path(f.path).name: f for f in report.ingest.files}
    assert outcomes["big.txt"].status == "skipped"
    assert "upload limit of 0.001 MB" in outcomes["big.txt"].reason
    stored = stored_name(long_name)
    assert stored.endswith(".md") and len(stored.encode()) <= 200
    assert outcomes[stored].status == "added"
    assert outcomes["broken.pdf"].status == "skipped"
    assert not any(p.exists() for p in (big, small, corrupt))
    assert not list(settings.uploads_dir.rglob("big.txt"))
    assert stored_name("x" * 300 + ".docx").endswith(".docx")
    assert stored_name("ประชุม" * 80 + ".txt").endswith(".txt")


def test_a_sync_of_the_folder_holding_the_index_keeps_uploads(tmp_path):
    """`govqa ingest . --sync` in the project folder walks no hidden folder, so it never
    sees `.govqa/uploads`: uploads must not count as vanished files."""
    from ingest.pipeline import ingest

    project = tmp_path / "project"
    settings, engine = library(project, index_dir=project / ".govqa")
    temp = upload_file(tmp_path, "pier.md", "# Pier council\n\nThe pier council of Ardlow met.\n")
    add_uploads([temp], settings, engine)
    report = ingest([project], settings, sync=True)
    assert report.count("removed") == 0
    assert any(d.provenance.origin == "upload" for d in engine.documents())
    (settings.corpus_dir / "hillcrest-schools.md").unlink()  # a vanished file still goes
    assert ingest([project], settings, sync=True).count("removed") == 1


def test_a_rebuild_reads_the_uploads_kept_in_the_index_again(tmp_path):
    """`govqa ingest --rebuild PATHS` starts a new catalog from PATHS, whose walk never
    enters the hidden index: the uploads stored there must come back as uploads, not stay
    on disk with nothing pointing at them."""
    settings, engine = library(tmp_path)
    temp = upload_file(tmp_path, "pier.md", "# Pier council\n\nThe pier council of Ardlow met.\n")
    add_uploads([temp], settings, engine, by="ana")
    engine.close()
    report = update_library([settings.corpus_dir], settings, rebuild=True)
    assert report.ingest.count("added") == len(TINY) + 1, report.lines()
    assert any("1 uploaded files kept in" in n for n in report.ingest.notices), (
        report.ingest.notices
    )
    engine = Engine(settings)
    [upload] = [d for d in engine.documents() if d.provenance.origin == "upload"]
    assert Path(upload.source).is_relative_to(settings.uploads_dir.resolve())
    assert upload.provenance.name == "pier.md" and upload.provenance.by == ""
    chunk_ids = list(engine.catalog.chunk_ids(upload.doc_id))
    with opened_channels(settings, engine.catalog) as channels:  # embedded anew in each
        assert all(len(c.index.embeddings_for(chunk_ids)) == len(chunk_ids) for c in channels)
    again = update_library([settings.corpus_dir], settings)  # an ordinary run: unchanged
    assert again.ingest.count("unchanged") == len(TINY) and again.ingest.count("added") == 0


def test_a_busy_library_refuses_the_whole_upload_and_takes_nothing(tmp_path):
    settings, engine = library(tmp_path)
    before = {d.doc_id for d in engine.documents()}
    temp = upload_file(tmp_path, "pier.md", "# Pier council\n\nThe pier council met.\n")
    with open(settings.index_dir / "ingest.lock", "w") as held:  # another ingest holds it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        report = add_uploads([temp], settings, engine)
    [outcome] = report.ingest.files
    assert outcome.status == "skipped" and outcome.reason == BUSY
    assert not settings.uploads_dir.exists()  # nothing copied
    assert {d.doc_id for d in engine.documents()} == before
    assert not temp.exists()


def test_curator_removes_an_upload_and_its_file(tmp_path):
    settings, engine = library(tmp_path)
    temp = upload_file(tmp_path, "pier.md", "# Pier council\n\nThe pier council of Ardlow met.\n")
    add_uploads([temp], settings, engine, by="ana")
    doc = next(d for d in engine.documents() if d.provenance.origin == "upload")
    chunk_ids = list(engine.catalog.chunk_ids(doc.doc_id))
    with opened_channels(settings, engine.catalog) as channels:
        assert [c.name for c in channels] == ["minilm", "use"]
        assert all(c.index.embeddings_for(chunk_ids) for c in channels)
    report = remove_documents([doc.doc_id], settings, engine, by="ana")
    [outcome] = report.ingest.files
    assert outcome.status == "removed" and outcome.note == "its uploaded file was deleted"
    assert doc.doc_id not in {d.doc_id for d in engine.documents()}
    assert not Path(doc.source).exists()
    # gone from every channel, as ingest deletes (the multilingual collection too)
    with opened_channels(settings, engine.catalog) as channels:
        assert {c.name: c.index.embeddings_for(chunk_ids) for c in channels} == {
            "minilm": {},
            "use": {},
        }
    answer = engine.ask("What did the pier council of Ardlow do?")
    assert answer.abstained and doc.doc_id not in {s.doc_id for s in answer.sources}
    log = (settings.index_dir / "removals.jsonl").read_text().splitlines()
    assert json.loads(log[-1])["by"] == "ana" and json.loads(log[-1])["doc_id"] == doc.doc_id


def test_govqa_remove_keeps_a_cli_file_and_says_so(tmp_path):
    settings, engine = library(tmp_path)
    engine.catalog.close()
    path = settings.corpus_dir / "hillcrest-schools.md"
    result = run_govqa("remove", str(path), "--index-dir", str(settings.index_dir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "its file" in result.stdout and "stays" in result.stdout
    assert path.exists()
    missing = run_govqa("remove", "nope", "--index-dir", str(settings.index_dir), cwd=tmp_path)
    assert missing.returncode == 1 and "skipped: nope: no such document" in missing.stdout
    catalog = Catalog(settings.catalog_path)
    try:
        assert "hillcrest" not in " ".join(catalog.paths().values())
    finally:
        catalog.close()


def test_provenance_of_cli_documents_and_source_cards(tmp_path):
    _, engine = library(tmp_path)
    doc = engine.documents()[0]
    assert doc.provenance.origin == "cli" and doc.provenance.at.endswith("Z")
    source = engine.ask(QUESTION).sources[0]
    assert source.provenance.origin == "cli"
    assert source.origin.startswith(source.file) and "ingested by CLI" in source.origin


def test_a_catalog_from_before_provenance_still_reads(tmp_path):
    """An index written before the provenance columns opens, answers and reports them as
    not recorded; nothing is re-embedded."""
    settings, engine = library(tmp_path)
    before = engine.ask(QUESTION).text
    engine.catalog.close()
    db = sqlite3.connect(settings.catalog_path)
    db.execute("ALTER TABLE documents DROP COLUMN provenance")
    db.execute("ALTER TABLE documents DROP COLUMN lookalike_of")
    db.commit()
    db.close()
    engine = Engine(settings)
    assert engine.ask(QUESTION).text == before
    assert all(d.provenance.origin == "" for d in engine.documents())
    assert "before provenance was recorded" in engine.documents()[0].provenance.describe()
    report = update_library([settings.corpus_dir], settings)
    assert report.ingest.embedded == 0 and report.ingest.count("unchanged") == len(TINY)


def test_votes_are_capped_and_bounded(tmp_path):
    from app.corpus import VOTE_FIELD_CHARS, log_feedback

    settings = Settings(index_dir=tmp_path / "index", serve_max_votes=10)
    log = settings.index_dir / "feedback.jsonl"
    for i in range(40):
        log_feedback(settings, {"question": f"q{i}", "text": "x" * 50_000}, "up", user="ana")
        questions = [json.loads(x)["question"] for x in log.read_text().splitlines()]
        assert len(questions) <= 11  # max_votes and a tenth
        assert questions == [f"q{j}" for j in range(i + 1 - len(questions), i + 1)]
    assert len(questions) >= 10 and questions[0] != "q0"  # full, the oldest gone
    lines = log.read_text().splitlines()
    assert all(len(json.loads(x)["answer"]) == VOTE_FIELD_CHARS for x in lines)
    assert json.loads(lines[-1])["user"] == "ana"
    huge = {"question": "q" * 10**5, "text": "t" * 10**6, "sources": [{"file": "f" * 10**5}] * 999}
    log_feedback(settings, huge, "down")
    assert len(log.read_bytes().splitlines()[-1]) < 20_000


def test_an_uploaded_reference_library_names_the_documents_it_matches(tmp_path: Path) -> None:
    """A .bib uploaded in the chat is the library, not a document: applied at once, kept in
    the index, and shown per document in the Corpus table."""
    from app.corpus import DOCUMENT_COLUMNS, document_rows

    settings, engine = library(tmp_path)
    try:
        bib = upload_file(
            tmp_path,
            "My Library.bib",
            "@article{ng2022lakeside,\n  title = {Community water boards in Lakeside},\n"
            "  author = {Ng, Mei and Okafor, Ada},\n  journal = {Water Policy},\n"
            "  year = {2022},\n  doi = {10.2166/wp.2022.001}\n}\n",
        )
        report = add_uploads([bib], settings, engine, by="cora")
        assert report.skipped == [] and report.ingest.files == []
        assert report.bibliography is not None and report.bibliography.changed == 1
        assert "library My_Library.bib: 1 documents matched" in "\n".join(report.lines())
        assert (settings.index_dir / "bibliography" / "My_Library.bib").is_file()
        assert not bib.exists()  # the server's temporary copy is gone
        rows = {
            row[0]: dict(zip(DOCUMENT_COLUMNS, row, strict=True)) for row in document_rows(engine)
        }
        lakeside = rows["Community water boards in Lakeside"]
        assert lakeside["authors"] == "Ng, Mei; Okafor, Ada" and lakeside["year"] == 2022
        assert lakeside["DOI"] == "10.2166/wp.2022.001"
        assert lakeside["metadata from"] == "My_Library.bib: ng2022lakeside, by title"
        assert rows["School Councils in Hillcrest"]["metadata from"].startswith("read:")
    finally:
        engine.close()
