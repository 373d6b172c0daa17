"""Answers as terminal text, Markdown and HTML: document text stays inert, every sentence
carries its citation, and comparison tables keep their shape."""

from __future__ import annotations

import dataclasses
import re

from app.records import (
    NOT_IN_SOURCES,
    Answer,
    AnswerSentence,
    Cell,
    Comparison,
    ComparisonRow,
    ReadingItem,
    Source,
)
from app.render import (
    answer_as_markdown,
    answer_as_text,
    focus_as_markdown,
    md_escape,
    reading_label,
    reference,
    sources_as_html,
)

HOSTILE = "Residents voted <img src=x onerror=alert(1)> on [the budget](http://evil) *twice*."
PASSAGE = f"The council met monthly. {HOSTILE} Turnout | rose."


def source(n: int = 1, title: str = "Budgets <b>in</b> Riverton") -> Source:
    start = PASSAGE.index(HOSTILE)
    return Source(
        n, f"doc-{n}", f"chunk-{n}", title, ["Ana Lima"], 2020, 3, "", "riverton.md",
        PASSAGE, [(start, start + len(HOSTILE))], page_label="3",
    )  # fmt: skip


def answer(*sentences: AnswerSentence) -> Answer:
    return Answer("How did Riverton budget?", list(sentences), [source()], grounding=0.9)


def test_markdown_escapes_markup_and_cites_every_sentence():
    shown = answer_as_markdown(
        answer(
            AnswerSentence(HOSTILE, 1, 0.9, True),
            AnswerSentence("The council met monthly.", 1, 0.2, False),
        )
    )
    assert "<img" not in shown and "](http" not in shown and "*twice*" not in shown
    assert "&lt;img" in shown and "\\[the budget\\]" in shown
    body = shown.split("\n\n")[0]
    assert len(re.findall(r"\*\*\\\[1\\\]\*\*", body)) == 2  # one citation per sentence
    assert body.count("not supported by the cited passage") == 1  # the unsupported one


def test_text_cites_every_sentence_and_marks_the_span():
    shown = answer_as_text(
        answer(
            AnswerSentence("The council met monthly.", 1, 0.9, True),
            AnswerSentence("Uncited.", 0, 0, False),
        )
    )
    first = shown.split("\n")[0]
    assert first == "The council met monthly. [1] Uncited. [uncited] (unsupported)"
    assert "[1] Budgets <b>in</b> Riverton. Ana Lima (2020), p. 3" in shown
    assert f"»{HOSTILE}«" in shown  # the terminal shows text as it is, the span marked


def test_html_escapes_titles_and_passages_and_marks_the_span():
    shown = sources_as_html(answer(AnswerSentence(HOSTILE, 1, 0.9, True)))
    assert "<img" not in shown and "<b>in</b>" not in shown
    assert "&lt;img src=x onerror=alert(1)&gt;" in shown
    marked = re.search(r"<mark>(.*?)</mark>", shown).group(1)
    assert marked.startswith("Residents voted &lt;img")
    assert sources_as_html(Answer("q", [], [])).count("No sources") == 1


def test_a_comparison_is_one_row_per_case_with_every_cell_cited_or_not_in_the_sources():
    riverton = {"actors": Cell(HOSTILE, 1), "outcome": Cell()}
    vantor = {"actors": Cell("Clinics | councils.", 1), "outcome": Cell("Rose.", 1)}
    table = Comparison(
        ["actors", "outcome"],
        [
            ComparisonRow("doc-1", "Riverton | north", riverton),
            ComparisonRow("doc-2", "Vantor", vantor),
        ],
    )
    shown = answer_as_markdown(Answer("Compare", [], [source()], table=table, grounding=0.5))
    lines = [line for line in shown.splitlines() if line.startswith("|")]
    assert lines[0] == "| case | actors | outcome |" and lines[1] == "|---|---|---|"
    rows = lines[2:]
    assert len(rows) == 2
    for row in rows:  # a "|" in document text is escaped, so every row has three cells
        assert len(re.split(r"(?<!\\)\|", row)) == 5, row
    assert f"*{NOT_IN_SOURCES}*" in rows[0] and "**\\[1\\]**" in rows[0]
    assert "<img" not in shown
    text = answer_as_text(Answer("Compare", [], [source()], table=table))
    assert f"  outcome: {NOT_IN_SOURCES}" in text and "  outcome: Rose. [1]" in text


def test_focus_line_escapes_titles_and_is_empty_without_focus():
    assert focus_as_markdown([]) == ""
    line = focus_as_markdown(["*Budgets* <script>x</script>"])
    assert "<script>" not in line and "\\*Budgets\\*" in line
    assert md_escape("a\n\nb | c") == "a b \\| c"


def test_the_reading_list_names_documents_as_a_reader_cites_them_not_by_case_id():
    cited = ReadingItem(
        "riverton-1a2b3c4d", "Budgets in Riverton", "Riverton", "Chile", "2015-2020", True,
        ["Ana Lima", "Rui Costa"], 2021,
    )  # fmt: skip
    label = reading_label(cited)
    assert label == (
        "Ana Lima, Rui Costa (2021). Budgets in Riverton (Riverton, Chile, 2015-2020); "
        "cited in this answer"
    )
    assert "1a2b3c4d" not in label
    # a record from before authors and year were kept still reads
    old = ReadingItem("x-00000000", "Untitled", "", "", "", False)
    assert reading_label(old) == "unknown author (n.d.). Untitled; close, not cited"


def test_a_page_known_only_by_its_index_is_marked_as_such() -> None:
    printed = source()
    by_index = dataclasses.replace(printed, page_label="")
    no_page = dataclasses.replace(printed, page=None, page_label="", section="Results")
    assert printed.locator == "p. 3"
    assert by_index.locator == "PDF p. 3"
    assert no_page.locator == "section 'Results'"
    assert reference(dataclasses.replace(printed, page_label="xii")).endswith("(2020), p. xii")


def test_a_styled_reference_gives_the_in_text_citation_with_its_page_then_the_entry() -> None:
    printed = dataclasses.replace(source(), authors=["Lima, Ana"], title="Budgets in Riverton")
    assert reference(printed, "apa") == "(Lima, 2020, p. 3) Lima, A. (2020). Budgets in Riverton."
    assert reference(printed, "chicago") == (
        "(Lima 2020, 3) Lima, Ana. 2020. “Budgets in Riverton.”"
    )
    by_index = dataclasses.replace(printed, page_label="")
    assert (
        reference(by_index, "apa")
        == "(Lima, 2020) Lima, A. (2020). Budgets in Riverton. (PDF p. 3)"
    )
