"""Downloading dataset files with the standard library only: mirrors tried in turn, resumable transfers
(HTTP ``Range`` into a ``.part`` file), and MD5/SHA-256 verification before a file takes its final name.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Sequence

__all__ = ["download_url", "file_checksum", "DownloadError"]

_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """No mirror delivered a file with the expected checksum.

    Example:
        >>> import tempfile, pathlib
        >>> from brickwork.datasets import DownloadError, download_url
        >>> src = pathlib.Path(tempfile.mkdtemp()) / "src"; _ = src.write_bytes(b"abc")
        >>> try:
        ...     download_url(src.as_uri(), src.with_name("copy"), "md5:" + "0" * 32)
        ... except DownloadError:
        ...     print("checksum mismatch")
        checksum mismatch
    """


def file_checksum(path: str | Path, algorithm: str = "md5") -> str:
    """The hex digest of a file (``algorithm`` is any `hashlib` name, e.g. ``"md5"``, ``"sha256"``).

    Example:
        >>> import tempfile, pathlib
        >>> p = pathlib.Path(tempfile.mkdtemp()) / "f"; _ = p.write_bytes(b"abc")
        >>> file_checksum(p)
        '900150983cd24fb0d6963f7d28e17f72'
    """
    h = hashlib.new(algorithm, usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_CHUNK), b""):
            h.update(block)
    return h.hexdigest()


def _split_checksum(checksum: str) -> tuple[str, str]:
    """``"sha256:abc..."`` -> ``("sha256", "abc...")``; a bare digest is MD5 (32 hex digits) or SHA-256 (64)."""
    if ":" in checksum:
        algo, digest = checksum.split(":", 1)
        return algo.lower(), digest.lower()
    return ("md5" if len(checksum) == 32 else "sha256"), checksum.lower()


def download_url(url: str, path: str | Path, checksum: str | None = None, timeout: float = 30.0,
                 progress: bool = False) -> Path:
    """Download ``url`` to ``path``, resuming a partial ``path.part`` left by an interrupted attempt.

    The transfer asks the server for the missing bytes only (an HTTP ``Range`` request); a server that answers
    with the whole file restarts it. With ``checksum`` (``"md5:<hex>"``, ``"sha256:<hex>"`` or a bare digest)
    the file is verified before it is renamed into place; a mismatch deletes it and raises
    `DownloadError`. Network errors propagate (``urllib.error.URLError``, ``OSError``), keeping the
    ``.part`` file for the next attempt.

    Example:
        >>> import tempfile, pathlib
        >>> d = pathlib.Path(tempfile.mkdtemp()); src = d / "src"; _ = src.write_bytes(b"abc")
        >>> download_url(src.as_uri(), d / "copy", "md5:900150983cd24fb0d6963f7d28e17f72").read_bytes()
        b'abc'
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    have = part.stat().st_size if part.exists() else 0
    headers = {"User-Agent": "brickwork-datasets"}
    if have:
        headers["Range"] = f"bytes={have}-"
    try:
        response = urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout)
    except urllib.error.HTTPError as e:
        if e.code != 416 or not have:  # 416: the range starts at the end, i.e. the part file is complete
            raise
        response = None
    if response is not None:
        with response:
            status = getattr(response, "status", None)
            resumed = have > 0 and status == 206 and _range_start(response.headers.get("Content-Range")) == have
            total = response.headers.get("Content-Length")
            total_size = (int(total) + (have if resumed else 0)) if total and total.isdigit() else None
            with open(part, "ab" if resumed else "wb") as out:
                done = have if resumed else 0
                while True:
                    try:
                        block = response.read(_CHUNK)
                    except http.client.HTTPException as e:
                        raise urllib.error.URLError(f"transfer of {url} broke off: {e!r}") from e
                    if not block:
                        break
                    out.write(block)
                    done += len(block)
                    if progress:
                        _report(path.name, done, total_size)
            if progress:
                sys.stderr.write("\n")
            if total_size is not None and done != total_size:
                raise urllib.error.URLError(f"connection closed after {done} of {total_size} bytes of {url}")
    if checksum is not None:
        algo, want = _split_checksum(checksum)
        got = file_checksum(part, algo)
        if got != want:
            part.unlink()
            raise DownloadError(f"{path.name} from {url}: {algo} checksum mismatch (expected {want}, got {got}); "
                                "the partial file was deleted, try again or use another mirror")
    os.replace(part, path)
    return path


def _range_start(content_range: str | None) -> int | None:
    """The first byte of a ``Content-Range: bytes a-b/n`` header."""
    if not content_range or not content_range.startswith("bytes "):
        return None
    try:
        return int(content_range[6:].split("-", 1)[0])
    except ValueError:
        return None


def _report(name: str, done: int, total: int | None) -> None:
    pct = f" {100 * done / total:5.1f}%" if total else ""
    sys.stderr.write(f"\r{name}: {done / 1e6:.1f} MB{pct}")
    sys.stderr.flush()


def fetch_from_mirrors(filename: str, mirrors: Sequence[str], folder: Path, checksum: str | None,
                       dataset: str) -> Path:
    """Download ``filename`` from the first mirror that serves it intact; raise once with every mirror's error."""
    errors = []
    for base in mirrors:
        url = base.rstrip("/") + "/" + filename
        try:
            return download_url(url, folder / filename, checksum, progress=sys.stderr.isatty())
        except (urllib.error.URLError, OSError, DownloadError, ValueError) as e:
            errors.append(f"  {url}: {e}")
    raise DownloadError(f"{dataset}: could not download {filename} (no internet connection?). Tried:\n"
                        + "\n".join(errors)
                        + f"\nCopy {filename} into {folder} by hand, or use brickwork.datasets.SyntheticDigits, "
                          "which works offline")
