"""Bytes in and out: atomic writes to a path, and bounded random-access reads from a path or file object.

Writing to a regular file (or a missing one) never leaves a half-written file under the target name: the bytes
go to a temporary file in the same folder, which is flushed, fsynced and then renamed over the target (and the
folder is fsynced), so a crash or a kill at any moment leaves either the old file or the new one. A symlink to a
regular file has its target replaced. Saving never damages what it does not own: a device, FIFO or socket is
written as ``open(path, "wb")`` would (never replaced; a FIFO nobody reads is an error, not a hang); a file
without write permission is a ``PermissionError``; a file with several hard links is rewritten in place (all
links see the new contents; that write is not atomic).

Reading never trusts a size found in a file: every read is clamped to the bytes the file really has, so a
corrupt length field yields a short read (reported as `FormatError`) instead of a huge allocation.
"""

from __future__ import annotations

import errno
import io
import mmap
import os
import secrets
import stat
import threading
from collections.abc import Sequence
from typing import Any, BinaryIO

from ._errors import FormatError, describe

__all__ = ["MissingFolderError", "Source", "is_path", "write_to"]

_IOV_MAX = 1024  # Linux's limit on buffers per writev call


def is_path(f: Any) -> bool:
    """Whether ``f`` names a file (str, bytes or os.PathLike) rather than being a file object."""
    return isinstance(f, (str, bytes)) or hasattr(f, "__fspath__")


def write_to(f: Any, chunks: Sequence[Any]) -> None:
    """Write ``chunks`` (bytes-like objects) to a path atomically, or to a binary file object in order.

    Example:
        >>> import io; b = io.BytesIO(); write_to(b, [b"ab", memoryview(b"cd")]); b.getvalue()
        b'abcd'
    """
    if not is_path(f):
        if not hasattr(f, "write"):
            raise TypeError(f"save: expected a path or a binary file object with write(), got {type(f).__name__}")
        for c in chunks:
            f.write(c)
        if hasattr(f, "flush"):
            f.flush()
        return
    given = os.fsdecode(os.fspath(f))
    target = os.path.realpath(given)  # write through a symlink, as open() would
    folder = os.path.dirname(target)
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    if st is None:
        if not os.path.isdir(folder):
            raise MissingFolderError(errno.ENOENT, f"save: cannot write {given!r}: the folder {folder!r} does not "
                                     "exist; create it first (os.makedirs(folder, exist_ok=True))", given)
    elif stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, f"save: {given!r} is a folder; give a file name inside it", given)
    elif not stat.S_ISREG(st.st_mode):
        _write_special(given, target, st, chunks)
        return
    elif not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, f"save: {given!r} is not writable (mode {stat.filemode(st.st_mode)}); "
                              "brickwork does not replace a file its owner made read-only. Make it writable "
                              "(chmod u+w) or save to another name", given)
    elif st.st_nlink > 1:
        _write_in_place(target, chunks)
        return
    tmp = os.path.join(folder, f".{os.path.basename(target)}.{secrets.token_hex(4)}.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    except OSError as e:
        raise type(e)(e.errno, f"save: cannot write {given!r} ({e.strerror}: a temporary file in {folder!r} "
                      "could not be created; check the folder's permissions and free space)", given) from None
    old = _hold(target)
    try:
        try:
            _write_all(fd, chunks)
            if old is not None:
                os.chmod(tmp, os.fstat(old).st_mode & 0o7777)  # an overwritten file keeps its permissions
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if old is not None:
            os.close(old)
        raise
    _fsync_dir(folder)
    if old is not None:
        threading.Thread(target=os.close, args=(old,), daemon=True).start()


class MissingFolderError(FileNotFoundError, RuntimeError):
    """Saving into a folder that does not exist: a ``FileNotFoundError``, and the ``RuntimeError`` that
    ``torch.save`` raises for it, so code written for either catches it."""


def _write_special(given: str, target: str, st: os.stat_result, chunks: Sequence[Any]) -> None:
    """Write to a device, FIFO or socket as ``open(path, "wb")`` would, never replacing it."""
    flags = os.O_WRONLY | getattr(os, "O_BINARY", 0)
    fifo = stat.S_ISFIFO(st.st_mode)
    try:
        fd = os.open(target, flags | (os.O_NONBLOCK if fifo else 0))  # a FIFO with no reader fails, not hangs
    except OSError as e:
        if fifo and e.errno == errno.ENXIO:
            raise OSError(errno.ENXIO, f"save: {given!r} is a FIFO that no process is reading; start the reader "
                          "first (brickwork never waits on it)", given) from None
        kind = "socket" if stat.S_ISSOCK(st.st_mode) else "special file"
        raise OSError(e.errno, f"save: cannot write {given!r}, a {kind} ({e.strerror}); save to a regular file",
                      given) from None
    try:
        if fifo:
            os.set_blocking(fd, True)
        _write_all(fd, chunks)
    finally:
        os.close(fd)


def _write_in_place(target: str, chunks: Sequence[Any]) -> None:
    """Rewrite a hard-linked file's contents, so every link sees them (a rename would detach this name)."""
    fd = os.open(target, os.O_WRONLY | os.O_TRUNC | getattr(os, "O_BINARY", 0))
    try:
        _write_all(fd, chunks)
        os.fsync(fd)
    finally:
        os.close(fd)


def _hold(target: str) -> int | None:
    """An open descriptor on the file about to be replaced (POSIX only), or None.

    Freeing a large file's disk blocks is slow on filesystems that discard them (ext4 mounted with ``discard``
    took 0.55 s for 400 MB), and it happens when the last reference to the old file goes. Holding it open
    across the rename and closing it from a background thread lets ``save`` return as soon as the new file is
    durable; the blocks are freed a moment later.
    """
    if os.name != "posix":
        return None  # Windows cannot rename over an open file
    try:
        return os.open(target, os.O_RDONLY)
    except OSError:
        return None


def _write_all(fd: int, chunks: Sequence[Any]) -> None:
    # one writev per 1024 buffers; the kernel may write less than asked, so resume where it stopped
    views = [v for v in (memoryview(c).cast("B") for c in chunks) if len(v)]
    if not hasattr(os, "writev"):
        for v in views:
            while len(v):
                v = v[os.write(fd, v):]
        return
    while views:
        batch = views[:_IOV_MAX]
        n = os.writev(fd, batch)
        done = 0
        while done < len(batch) and n >= len(batch[done]):
            n -= len(batch[done])
            done += 1
        views = views[done:]
        if n:
            views[0] = views[0][n:]


def _fsync_dir(folder: str) -> None:
    # makes the rename itself durable; not possible (nor needed) on Windows
    try:
        dfd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


class Source:
    """A file to read from, path or file object, with reads bounded by its real size.

    Offsets are relative to where the data starts (a file object's position when it was handed over).
    Use it as a context manager; a file it opened itself is closed on exit.

    Example:
        >>> import io
        >>> with Source(io.BytesIO(b"hello")) as s:
        ...     s.size, s.read_at(1, 3)
        (5, b'ell')
    """

    def __init__(self, f: Any) -> None:
        self.name = describe(f)
        self._own = is_path(f)
        if self._own:
            self.file: BinaryIO = open(f, "rb", buffering=0)
            self.start = 0
            self.size = os.fstat(self.file.fileno()).st_size
            return
        if not hasattr(f, "read") or isinstance(f, io.TextIOBase):
            raise TypeError(f"load: expected a path or a binary file object with read() (opened with 'rb'), got "
                            f"{type(f).__name__}")
        seekable = getattr(f, "seekable", None)
        if seekable is not None and seekable():
            self.file = f
            self.start = f.tell()
            self.size = f.seek(0, io.SEEK_END) - self.start
            f.seek(self.start)
        else:  # a pipe or socket: buffer it once
            data = f.read()
            if not isinstance(data, (bytes, bytearray)):
                raise TypeError(f"load: {self.name} must be opened in binary mode ('rb')")
            self.file, self.start, self.size = io.BytesIO(data), 0, len(data)

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._own:
            self.file.close()

    def error(self, problem: str) -> FormatError:
        """A `FormatError` naming this file."""
        return FormatError(f"{self.name}: {problem}")

    def read_at(self, offset: int, n: int, what: str = "data") -> bytes:
        """Exactly ``n`` bytes at ``offset``; a FormatError if the file ends first."""
        if offset < 0 or n < 0 or offset + n > self.size:
            raise self.error(f"truncated: {what} needs bytes {offset}..{offset + n} but the file has {self.size}")
        self.file.seek(self.start + offset)
        out = self.file.read(n)
        if len(out) != n:
            raise self.error(f"truncated: could read only {len(out)} of {n} bytes of {what} at offset {offset}")
        return out

    def readinto_at(self, offset: int, buffer: Any, what: str = "data") -> None:
        """Fill ``buffer`` (a writable bytes-like object) from ``offset``; a FormatError if the file ends first."""
        view = memoryview(buffer).cast("B")
        n = len(view)
        if offset < 0 or offset + n > self.size:
            raise self.error(f"truncated: {what} needs bytes {offset}..{offset + n} but the file has {self.size}")
        self.file.seek(self.start + offset)
        got = 0
        readinto = getattr(self.file, "readinto", None)
        while got < n:
            if readinto is not None:
                k = readinto(view[got:])
            else:
                chunk = self.file.read(n - got)
                k = len(chunk)
                view[got:got + k] = chunk
            if not k:
                raise self.error(f"truncated: could read only {got} of {n} bytes of {what} at offset {offset}")
            got += k

    def mmap(self) -> tuple[mmap.mmap, int]:
        """A copy-on-write memory map of the whole file and the offset of the data in it."""
        try:
            fileno = self.file.fileno()
        except (AttributeError, OSError, io.UnsupportedOperation):
            raise ValueError(f"load(mmap=True): {self.name} is not a file on disk; pass a path, or an open file, "
                             "or load without mmap") from None
        return mmap.mmap(fileno, 0, access=mmap.ACCESS_COPY), self.start

    def window(self) -> _Window:
        """A read-only file object over the data whose reads never go past its end (for zipfile and pickle)."""
        return _Window(self)


class _Window(io.RawIOBase):
    """A seekable, clamped file object over a `Source` (offsets relative to its start)."""

    def __init__(self, src: Source) -> None:
        self._src, self._pos = src, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._src.size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the file")
        self._pos = base + offset
        return self._pos

    def read(self, n: int | None = -1) -> bytes:
        # RawIOBase.read would allocate n bytes before reading; clamp first
        left = max(0, self._src.size - self._pos)
        n = left if n is None or n < 0 else min(n, left)
        out = bytearray(n)
        self.readinto(out)
        return bytes(out)

    def readall(self) -> bytes:
        return self.read(-1)

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        n = max(0, min(len(view), self._src.size - self._pos))
        if n:
            self._src.readinto_at(self._pos, view[:n])
            self._pos += n
        return n
