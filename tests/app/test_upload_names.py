"""Two uploads whose saved names agree (`a b.md` and `a_b.md` both become `a_b.md`) are both
kept, each in its own folder under the index's uploads (named by its content); before, the
second overwrote the first and the same file went to Chroma twice (DuplicateIDError)."""

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
        report, _files, documents, *_ = client.predict(
            [handle_file(picked / "one" / "a b.md"), handle_file(picked / "two" / "a_b.md")],
            api_name="/upload",
        )
        client.close()

    lines = report.splitlines()
    assert [line for line in lines if "added" in line] == [
        r"- a\_b.md: added, 1 chunks, 0 lines dropped",
        r"- a\_b.md: added, 1 chunks, 0 lines dropped",
    ], report
    stored = sorted(settings.uploads_dir.glob("*/a_b.md"))
    assert sorted(p.read_text(encoding="utf-8") for p in stored) == sorted([CLINICS, MARKETS])
    assert len(documents["data"]) == 3
