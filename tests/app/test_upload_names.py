"""Two uploads whose saved names would agree (`a b.md` and `a_b.md` both become `a_b.md`)
are both kept, the second under a numbered name with one line saying so; before, the second
overwrote the first and the same file went to Chroma twice (DuplicateIDError)."""

from __future__ import annotations

from tests.app.conftest import served_corpus
from tests.support.corpus import CLINICS, WASTE, brief

MARKETS = brief("Market Boards in Osterby", "Osterby", "Freedonia", "local", ["trade"], "2001-2005")


def test_uploads_with_colliding_safe_names_are_both_kept(tmp_path) -> None:
    from gradio_client import Client, handle_file

    picked = tmp_path / "picked"
    (picked / "one").mkdir(parents=True)
    (picked / "two").mkdir()
    (picked / "one" / "a b.md").write_text(CLINICS, encoding="utf-8")
    (picked / "two" / "a_b.md").write_text(MARKETS, encoding="utf-8")

    with served_corpus(tmp_path, [], {"zorbania-waste.md": WASTE}) as settings:
        client = Client(f"http://127.0.0.1:{settings.serve.port}/", verbose=False)
        report, documents, *_ = client.predict(
            [handle_file(picked / "one" / "a b.md"), handle_file(picked / "two" / "a_b.md")],
            api_name="/upload",
        )
        client.close()

    lines = report.splitlines()
    assert [line for line in lines if "added" in line] == [
        r"- a\_b.md: added, 1 chunks, 0 lines dropped",
        r"- a\_b\-2.md: added, 1 chunks, 0 lines dropped",
    ], report
    assert [line for line in lines if "note:" in line] == [
        r"- note: a\_b.md: saved as a\_b\-2.md \(another file of this upload is saved as a\_b.md\)"
    ], report
    uploads = settings.corpus_dir / "uploads"
    assert (uploads / "a_b.md").read_text(encoding="utf-8") == CLINICS
    assert (uploads / "a_b-2.md").read_text(encoding="utf-8") == MARKETS
    assert len(documents["data"]) == 3
