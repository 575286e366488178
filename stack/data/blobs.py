"""Attachments, stored durably by content hash on the local file system.

A blob is written to a temporary file, fsync'd, renamed into place and its directory fsync'd, so that
once :meth:`BlobStore.put` returns the bytes survive a crash. Identical content is stored once. On a
multi-node deployment the directory is shared storage (or the class is swapped for an object store).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import anyio.to_thread


class BlobStore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def path_of(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def _put_sync(self, data: bytes, sha256: str) -> None:
        final = self.path_of(sha256)
        if final.exists():
            return
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    async def put(self, data: bytes) -> str:
        """Store ``data`` durably; return its SHA-256 (hex)."""
        sha256 = hashlib.sha256(data).hexdigest()
        await anyio.to_thread.run_sync(self._put_sync, data, sha256)
        return sha256

    def read(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()
