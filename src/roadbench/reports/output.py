"""Files roadbench writes for the user: checked before any work, written atomically.

Every file roadbench writes for the user (``--save``, charts, profiles, matrix's results) goes
through this module. A path is checked up front (``check_output``: a regular file or nothing,
in an existing directory that takes a new file, its suffix fits) so a long comparison is never
lost to a typo at the end. Every file is written to a temporary file in the same directory and
renamed over the target only when it is complete (``atomic_path``): a full disk or an interrupt
leaves the previous file (a CI baseline) as it was. The rename replaces only a regular file:
never a symbolic link (it would become a plain file, its target untouched), a device or a FIFO;
``atomic_path`` checks the target again itself, so a writer that skipped the first check is
still refused.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from roadbench.errors import BadInput


def check_output(path: Path, flag: str, suffixes: Iterable[str] = ()) -> Path:
    """Refuse, with the flag the user typed, a path roadbench could not write at the end."""
    allowed = tuple(suffixes)
    where = f"{flag} {path}"
    problem = target_problem(path)
    if problem is None and allowed and path.suffix.lower() not in allowed:
        problem = f"the file name must end in {' or '.join(allowed)}"
    if problem is None:
        problem = _write_problem(path.parent)
    if problem:
        raise BadInput(f"{where}: {problem}")
    return path


def check_output_dir(directory: Path, flag: str) -> Path:
    """Refuse a directory roadbench could not write its files in (made later if missing):
    it is a directory, or the nearest part of it that exists is one that takes a new file."""
    where = f"{flag} {directory}"
    existing = directory
    while not existing.exists() and not existing.is_symlink() and existing != existing.parent:
        existing = existing.parent
    if existing == directory and directory.exists() and not directory.is_dir():
        raise BadInput(f"{where}: is not a directory")
    if not existing.is_dir():
        raise BadInput(f"{where}: {existing} is not a directory")
    problem = _write_problem(existing)
    if problem:
        raise BadInput(f"{where}: {problem}")
    return directory


def target_problem(path: Path) -> str | None:
    """Why roadbench must not replace ``path`` with a file of its own, or None: only a regular
    file (not a link to one) or nothing may be there, in a directory that exists."""
    try:
        mode: int | None = os.lstat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        mode = None
    except OSError as exc:
        return f"cannot be examined ({exc.strerror})"
    if mode is not None:
        if stat.S_ISLNK(mode):
            return "is a symbolic link; give the file it points to, or another name"
        if stat.S_ISDIR(mode):
            return "is a directory; give a file name"
        if not stat.S_ISREG(mode):
            return "is not a regular file (a device, FIFO or socket); give another name"
    if not path.parent.is_dir():
        if path.parent.exists():
            return f"{path.parent} is not a directory"
        return f"directory {path.parent} does not exist"
    return None


def _write_problem(directory: Path) -> str | None:
    try:
        # A file of roadbench's own, made and removed at once: the only sure test of writing.
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".roadbench-", suffix=".tmp"):
            pass
    except OSError as exc:
        return f"cannot write in {directory} ({exc.strerror})"
    return None


def check_distinct(paths: Iterable[tuple[str, Path | None]]) -> None:
    """Two outputs of one command must not be the same file: the second would replace the first."""
    seen: dict[Path, str] = {}
    for flag, path in paths:
        if path is None:
            continue
        key = path.resolve()
        if key in seen:
            raise BadInput(f"{seen[key]} and {flag} name the same file {path}")
        seen[key] = flag


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over it only if the block completes, and only
    if ``path`` is still a regular file or nothing (checked before the block and again before
    the rename)."""
    problem = target_problem(path)
    if problem:
        raise BadInput(f"cannot write {path}: {problem}")
    try:
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror}") from None
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        _settle_mode(temporary, path)
        problem = target_problem(path)  # it may have changed while the work ran
        if problem:
            raise BadInput(f"cannot write {path}: {problem}")
        os.replace(temporary, path)
    except OSError as exc:
        raise BadInput(f"cannot write {path}: {exc.strerror}") from None
    finally:
        temporary.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically, flushed to disk before it replaces anything."""
    with atomic_path(path) as temporary, temporary.open("w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def _settle_mode(temporary: Path, path: Path) -> None:
    """mkstemp makes 0600 files: give the new file the old one's mode, or the umask's."""
    if path.exists():
        mode = path.stat().st_mode & 0o777
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    temporary.chmod(mode)
