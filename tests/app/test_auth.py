"""The users file of a shared chat: scrypt hashes, roles, the `govqa users` helper, and
`govqa chat` refusing to leave loopback without logins."""

from __future__ import annotations

import re

import pytest

from app.auth import Access, AuthFileError, add_user, read_users, verify_password
from tests.support.cli import run_govqa


def test_passwords_are_stored_as_scrypt_hashes_and_checked(tmp_path):
    users = tmp_path / "users.txt"
    assert add_user(users, "cora", "curator", "a long secret") == "added"
    assert add_user(users, "rita", "reader", "another secret") == "added"
    text = users.read_text()
    assert "a long secret" not in text
    line = next(x for x in text.splitlines() if x.startswith("cora:"))
    assert re.fullmatch(r"cora:curator:scrypt\$16384\$8\$1\$[\w-]{22}\$[\w-]{43}", line), line
    assert users.stat().st_mode & 0o077 == 0  # readable by its owner only
    stored = read_users(users)
    assert verify_password("a long secret", stored["cora"].hash)
    assert not verify_password("a long secreT", stored["cora"].hash)
    # the same password gets a different salt for each user
    assert add_user(users, "cora", "curator", "another secret") == "updated"
    assert (
        read_users(users)["cora"].hash.split("$")[4] != read_users(users)["rita"].hash.split("$")[4]
    )


def test_roles_decide_who_curates(tmp_path):
    users = tmp_path / "users.txt"
    add_user(users, "cora", "curator", "a long secret")
    add_user(users, "rita", "reader", "another secret")
    access = Access(users)
    assert access.login("cora", "a long secret") and not access.login("cora", "wrong password")
    assert not access.login("nobody", "a long secret")
    assert access.can_curate("cora") and not access.can_curate("rita")
    assert not access.can_curate(None) and not access.can_curate("nobody")
    assert Access(None).can_curate(None)  # no logins: the chat is loopback-only, one user
    users.write_text("cora:admin:scrypt$1$1$1$x$y\n")  # broken while running: nobody curates
    assert not access.can_curate("cora") and not access.login("cora", "a long secret")


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("cora:curator", "expected NAME:ROLE:HASH"),
        ("cora:admin:scrypt$1$1$1$a$b", "role must be reader or curator"),
        ("cora:reader:plain-text-password", "hash must be scrypt"),
        ("co ra:reader:scrypt$1$1$1$a$b", "bad user name"),
    ],
)
def test_a_bad_users_file_names_its_line(tmp_path, line, reason):
    users = tmp_path / "users.txt"
    users.write_text(f"# comment\n\n{line}\n")
    with pytest.raises(AuthFileError, match=rf"users.txt: line 3: {re.escape(reason)}"):
        read_users(users)


def test_govqa_users_add_list_remove(tmp_path):
    users = tmp_path / "users.txt"
    added = run_govqa(
        "users", "add", "cora", "--role", "curator", "--auth", str(users), "--password-stdin",
        cwd=tmp_path, stdin="a long secret\n",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout.strip() == f"added cora (curator) in {users}"
    assert Access(users).login("cora", "a long secret")
    listed = run_govqa("users", "list", "--auth", str(users), cwd=tmp_path)
    assert listed.stdout == "cora\tcurator\n"
    short = run_govqa(
        "users", "add", "rita", "--auth", str(users), "--password-stdin",
        cwd=tmp_path, stdin="short\n",
    )  # fmt: skip
    assert short.returncode == 2
    assert short.stderr.strip().splitlines() == [
        "Error: rita: a password needs at least 8 characters"
    ]
    assert run_govqa("users", "remove", "cora", "--auth", str(users), cwd=tmp_path).returncode == 0
    assert read_users(users) == {}


def test_chat_beyond_loopback_needs_auth_and_auth_needs_users(tmp_path, corpus_settings):
    index = str(corpus_settings.index_dir)
    refused = run_govqa("chat", "--index-dir", index, "--host", "0.0.0.0", cwd=tmp_path)
    assert refused.returncode == 2
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: --host 0.0.0.0 is beyond loopback")
    assert "--auth FILE" in lines[0] and "Traceback" not in refused.stderr
    empty = tmp_path / "users.txt"
    empty.write_text("# nobody yet\n")
    no_users = run_govqa("chat", "--index-dir", index, "--auth", str(empty), cwd=tmp_path)
    assert no_users.returncode == 2
    assert no_users.stderr.strip() == (
        f"Error: {empty}: no users; add one with 'govqa users add NAME --auth {empty}'"
    )
