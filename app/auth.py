"""Who may use a shared chat and who may change its library: a users file of names, roles
and scrypt password hashes, read by the chat's login and by every event that changes the
library.

The file is plain text, one user per line (`#` starts a comment; blank lines are ignored):

    NAME:ROLE:scrypt$N$R$P$SALT$HASH

NAME is 1-64 characters without `:` or white space; ROLE is `reader` (asks, reads, votes,
exports) or `curator` (also uploads and removes documents); the hash is
`hashlib.scrypt(password, salt=SALT, n=N, r=R, p=P, dklen=32)`, SALT and HASH in
unpadded URL-safe base64. `govqa users add NAME --role curator --auth FILE` writes a line
(asking for the password twice, or reading it from stdin with --password-stdin).
The file is re-read at every login and role check, so a user added while the chat runs can
log in at once, and a user removed loses every right at their next event.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

ROLES = ("reader", "curator")
CURATOR = "curator"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1  # 16 MiB and ~50 ms a check: OWASP's minimum
MIN_PASSWORD = 8
_NAME = re.compile(r"[^\s:]{1,64}")


class AuthFileError(Exception):
    """A users file that cannot be used; ends as one line `FILE: line N: reason`."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    hash: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$N$R$P$SALT$HASH` for `password` (a fresh 16-byte salt unless given)."""
    salt = salt or secrets.token_bytes(16)
    key = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, encoded: str) -> bool:
    """Whether `password` matches `encoded`, compared in constant time."""
    try:
        scheme, n, r, p, salt, key = encoded.split("$")
        if scheme != "scrypt":
            return False
        expected = _unb64(key)
        got = hashlib.scrypt(
            password.encode(),
            salt=_unb64(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=256 * 1024 * 1024,
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# checked when the name is unknown, so a login takes as long whether or not the user exists
_DUMMY = hash_password("not a password", salt=b"\0" * 16)


def read_users(path: Path) -> dict[str, User]:
    """name -> User of the users file; AuthFileError names the first bad line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise AuthFileError(f"{path}: cannot read: {reason}") from exc
    users: dict[str, User] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        if len(parts) != 3:
            raise AuthFileError(f"{path}: line {number}: expected NAME:ROLE:HASH")
        name, role, encoded = parts
        if not _NAME.fullmatch(name):
            raise AuthFileError(f"{path}: line {number}: bad user name")
        if role not in ROLES:
            raise AuthFileError(f"{path}: line {number}: role must be reader or curator")
        if not encoded.startswith("scrypt$") or encoded.count("$") != 5:
            raise AuthFileError(f"{path}: line {number}: hash must be scrypt$N$R$P$SALT$HASH")
        users[name] = User(name, role, encoded)
    return users


def _write_users(path: Path, users: dict[str, User]) -> None:
    """The file rewritten whole (atomically, readable by its owner only)."""
    lines = [f"{u.name}:{u.role}:{u.hash}\n" for u in users.values()]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write("# govqa users: NAME:ROLE:scrypt$N$R$P$SALT$HASH (see app/auth.py)\n")
        handle.writelines(lines)
    os.replace(tmp, path)


def add_user(path: Path, name: str, role: str, password: str) -> str:
    """Add or update a user; returns 'added' or 'updated'. ValueError for a bad name, role
    or password (the message is the reason)."""
    if not _NAME.fullmatch(name):
        raise ValueError("a user name is 1-64 characters without ':' or spaces")
    if role not in ROLES:
        raise ValueError("role must be reader or curator")
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"a password needs at least {MIN_PASSWORD} characters")
    users = read_users(path) if path.exists() else {}
    state = "updated" if name in users else "added"
    users[name] = User(name, role, hash_password(password))
    _write_users(path, users)
    return state


def remove_user(path: Path, name: str) -> bool:
    """Remove a user; False when there was none of that name."""
    users = read_users(path)
    if users.pop(name, None) is None:
        return False
    _write_users(path, users)
    return True


class Access:
    """Who may do what in one chat: with a users file, its users by role; without one
    (a loopback-only chat), whoever reaches the page is its one local user and curates."""

    def __init__(self, users_file: Path | None) -> None:
        self.users_file = users_file

    @property
    def enabled(self) -> bool:
        return self.users_file is not None

    def _users(self) -> dict[str, User]:
        try:
            return read_users(self.users_file) if self.users_file else {}
        except AuthFileError:  # broken while the chat runs: nobody gets in or curates
            return {}

    def login(self, name: str, password: str) -> bool:
        """Gradio's auth hook: whether `name` and `password` match a user of the file."""
        user = self._users().get(name)
        matched = verify_password(password, user.hash if user else _DUMMY)
        return matched and user is not None

    def role(self, name: str | None) -> str:
        """The role of the logged-in `name` (gr.Request.username; None without auth)."""
        if not self.enabled:
            return CURATOR
        user = self._users().get(name or "")
        return user.role if user else ""

    def can_curate(self, name: str | None) -> bool:
        return self.role(name) == CURATOR
