"""The development SECRET_KEY: random, generated on first use and kept in a
file only its owner can read (``var/secret_key``, mode 0600, like the embedded
servers' data), so `make run`'s web, worker and beat processes and every later
`make run` sign with the same key. No key is ever written in the repository;
production sets DJANGO_SECRET_KEY (saas/settings/prod.py refuses to start
without it) and the test settings generate one per run.

Rotate: stop `make run`, delete the file, start again (sessions, password-reset
and invitation links signed with the old key stop working)."""
from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

FILE_NAME = "secret_key"
MIN_LENGTH = 50


def generate() -> str:
    return secrets.token_urlsafe(60)  # 80 URL-safe characters


def load_or_create(directory: Path) -> str:
    """The key kept in ``directory``; created (mode 0600) when
    missing. A file others may read or a short key is refused, never used."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / FILE_NAME
    if not path.exists():
        # written whole to a private temporary file, then linked into place: link() fails when
        # another process got there first, so every process reads one complete key
        tmp = directory / f".{FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)  # whatever the umask
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(generate() + "\n")
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
        finally:
            tmp.unlink(missing_ok=True)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise PermissionError(f"{path} is readable by others (mode {mode:o}): chmod 600 it or delete it")
    key = path.read_text().strip()
    if len(key) < MIN_LENGTH:
        raise ValueError(f"{path} holds no usable key (fewer than {MIN_LENGTH} characters): delete it")
    return key
