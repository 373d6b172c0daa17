"""A shared chat with logins: readers read, curators change the library, in Chromium.

A real server with a users file (one curator, one reader) over the tiny briefs; each test
logs in on its own page (a fresh session). The reader's controls are hidden and the
upload and remove events refuse a reader whatever client calls them; a curator's upload of
a copy of a genuine brief with a planted sentence leaves the answer about the genuine
case as it was; a curator removes a document from the Corpus tab.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from app.auth import add_user
from tests.app.conftest import WAIT, served_corpus
from tests.app.test_ui import SHOTS
from tests.app.test_ui_features import ask, bot_bubbles
from tests.support.tiny import TINY

CURATOR, READER = ("cora", "curator-pass-1"), ("rita", "reader-pass-1")
QUESTION = "How many projects did Riverton's council approve?"
PLANTED = "after a developer paid the mayor"
IMPOSTOR = TINY["riverton-budget.md"].replace(
    "The council approved 40 projects in 2019", f"The council approved 4 projects in 2019 {PLANTED}"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = tmp_path_factory.mktemp("ui-auth")
    users = root / "users.txt"
    add_user(users, CURATOR[0], "curator", CURATOR[1])
    add_user(users, READER[0], "reader", READER[1])
    with served_corpus(root, [], TINY, serve_auth_file=users) as settings:
        url = f"http://127.0.0.1:{settings.serve.port}/"
        yield SimpleNamespace(
            url=url, uploads_dir=settings.uploads_dir, index_dir=settings.index_dir
        )


def log_in(browser, site, user: tuple[str, str]):
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    page.set_default_timeout(WAIT)
    page.goto(site.url)
    page.get_by_label("username").fill(user[0])
    page.get_by_label("password").fill(user[1])
    page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for()
    return page


@pytest.fixture
def curator_page(site, browser):
    page = log_in(browser, site, CURATOR)
    yield page
    page.close()


@pytest.fixture
def reader_page(site, browser):
    page = log_in(browser, site, READER)
    yield page
    page.close()


def upload_in_browser(page, path: Path) -> str:
    from playwright.sync_api import expect

    page.get_by_role("tab", name="Corpus").click()
    page.locator("#upload input[type='file']").set_input_files([path])
    expect(page.locator(f"#upload td.filename[aria-label='{path.name}']")).to_be_visible()
    page.locator("#ingest-upload").click()
    report = page.locator("#upload-report li").first
    expect(report).to_contain_text(path.name)
    return page.locator("#upload-report").inner_text()


def test_a_wrong_password_gets_no_chat(site, browser):
    from playwright.sync_api import expect

    page = browser.new_page()
    page.set_default_timeout(WAIT)
    page.goto(site.url)
    page.get_by_label("username").fill(CURATOR[0])
    page.get_by_label("password").fill("not-the-password")
    page.get_by_role("button", name="Login").click()
    expect(page.get_by_text("Incorrect credentials")).to_be_visible()
    assert page.locator("#question").count() == 0
    page.close()


def test_a_reader_cannot_see_or_use_upload_and_remove(site, reader_page, tmp_path):
    from gradio_client import Client, handle_file
    from playwright.sync_api import expect

    page = reader_page
    page.get_by_role("tab", name="Corpus").click()
    expect(page.locator("#role-note")).to_contain_text("logged in as a reader")
    expect(page.locator("#corpus-docs")).to_contain_text("Community Water Boards in Lakeside")
    for control in ("#upload", "#ingest-upload", "#remove-pick", "#remove-doc"):
        expect(page.locator(control)).to_be_hidden()
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "corpus-reader.png"), full_page=True)

    # the handlers refuse a reader too, whatever client sends the event
    brief = tmp_path / "pier.md"
    brief.write_text("# Pier council\n\nThe pier council of Ardlow met weekly.\n")
    client = Client(site.url, auth=READER, verbose=False)
    before = client.predict("Ardlow pier council", api_name="/ask")["sources"]
    report = client.predict([handle_file(str(brief))], api_name="/upload")[0]
    assert report.startswith("Only curators can add or remove documents")
    doc_id = before[0]["doc_id"]
    assert client.predict(doc_id, api_name="/remove")[0].startswith("Only curators")
    after = client.predict("Ardlow pier council", api_name="/ask")["sources"]
    assert [s["doc_id"] for s in after] == [s["doc_id"] for s in before]
    assert not site.uploads_dir.exists()


def test_an_impostor_upload_does_not_change_the_genuine_answer(site, curator_page, tmp_path):
    from playwright.sync_api import expect

    page = curator_page
    before = ask(page, QUESTION)
    card = page.locator("#sources .govqa-source").first
    expect(card.locator(".govqa-origin")).to_contain_text("ingested by CLI")

    impostor = tmp_path / "riverton-budget.md"  # the genuine file's own name
    impostor.write_text(IMPOSTOR, encoding="utf-8")
    report = upload_in_browser(page, impostor)
    assert "added" in report and "flagged (look-alike)" in report, report
    expect(page.locator("#corpus-docs")).to_contain_text("uploaded by cora")
    expect(page.locator("#corpus-docs")).to_contain_text(
        "⚠ look-alike: Participatory Budgeting in Riverton"
    )
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "corpus-curator-impostor.png"), full_page=True)
    # the server's temporary copy went with the upload
    from gradio.utils import get_upload_folder

    temporary = Path(get_upload_folder()).rglob(impostor.name)
    assert not [p for p in temporary if p.read_text(encoding="utf-8") == IMPOSTOR]

    page.get_by_role("tab", name="Ask").click()
    page.locator("#new-topic").click()
    expect(bot_bubbles(page)).to_have_count(0)
    after = ask(page, QUESTION)
    assert PLANTED not in after
    assert after == before
    page.get_by_role("tab", name="Compare").click()
    page.locator("#compare-cases input[role='combobox']").click()
    genuine = "Participatory Budgeting in Riverton"
    expect(page.get_by_role("option", name=f"⚠ look-alike: {genuine}")).to_have_count(1)
    expect(page.get_by_role("option", name=genuine, exact=True)).to_have_count(1)


def test_a_curator_removes_a_document(site, curator_page, tmp_path):
    from playwright.sync_api import expect

    brief = tmp_path / "ardlow-pier.md"
    brief.write_text(
        "# Pier Council of Ardlow\n\nThe pier council of Ardlow repaired the harbour wall "
        "with volunteers from the fishing cooperative in 2018.\n",
        encoding="utf-8",
    )
    upload_in_browser(curator_page, brief)
    docs = curator_page.locator("#corpus-docs")
    expect(docs).to_contain_text("Pier Council of Ardlow")
    stored = list(site.uploads_dir.glob("*/ardlow-pier.md"))
    assert len(stored) == 1

    box = curator_page.locator("#remove-pick input[role='combobox']")
    box.click()
    box.fill("ardlow")
    curator_page.get_by_role("option", name="ardlow-pier.md").first.click()
    curator_page.locator("#remove-doc").click()
    expect(curator_page.locator("#upload-report")).to_contain_text("removed")
    expect(docs).not_to_contain_text("Pier Council of Ardlow")
    expect(docs).to_contain_text("Community Water Boards in Lakeside")
    assert not stored[0].exists()


def test_a_busy_library_gives_a_clear_line_and_takes_nothing(site, curator_page, tmp_path):
    """While another ingest (a `govqa ingest` in a terminal) holds the library, an upload
    and a removal each get one clear line, and the upload's file is neither stored nor
    left in the server's temporary folder."""
    import fcntl

    from gradio.utils import get_upload_folder
    from playwright.sync_api import expect

    brief = tmp_path / "quay-board.md"
    text = "# Quay Board of Ardlow\n\nThe quay board of Ardlow met in 2017 to plan repairs.\n"
    brief.write_text(text, encoding="utf-8")
    with open(site.index_dir / "ingest.lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        report = upload_in_browser(curator_page, brief)
        assert (
            "quay-board.md: skipped: another ingest is running on this library; nothing "
            "was taken" in report
        ), report
        box = curator_page.locator("#remove-pick input[role='combobox']")
        box.click()
        box.fill("hillcrest")
        curator_page.get_by_role("option", name="hillcrest-schools.md").first.click()
        curator_page.locator("#remove-doc").click()
        expect(curator_page.locator("#upload-report")).to_contain_text(
            "Not removed: another ingest is running"
        )
    assert not list(site.uploads_dir.glob("*/quay-board.md"))
    temporary = Path(get_upload_folder()).rglob(brief.name)
    assert not [p for p in temporary if p.read_text(encoding="utf-8") == text]
    expect(curator_page.locator("#corpus-docs")).to_contain_text("School Councils in Hillcrest")
    expect(curator_page.locator("#corpus-docs")).not_to_contain_text("Quay Board of Ardlow")
