"""Archives of per-star files for the reading tests, in every format the readers take."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

#: tarfile's write mode for each tar suffix (per_star.ARCHIVE_SUFFIXES).
TAR_MODES = {".tar": "w", ".tar.gz": "w:gz", ".tgz": "w:gz", ".tar.bz2": "w:bz2",
             ".tbz2": "w:bz2", ".tar.xz": "w:xz"}


def write_archive(path: Path, files: dict[str, str] | dict[str, bytes]) -> Path:
    """``files`` (member name -> text or bytes) as the archive ``path``, its format from its
    name."""
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as handle:
            for name, text in files.items():
                handle.writestr(name, text)
        return path
    mode = next(m for suffix, m in sorted(TAR_MODES.items(), key=lambda kv: -len(kv[0]))
                if path.name.endswith(suffix))
    with tarfile.open(path, mode) as handle:
        for name, text in files.items():
            data = text if isinstance(text, bytes) else text.encode()
            info = tarfile.TarInfo(name)
            info.size = len(data)
            handle.addfile(info, io.BytesIO(data))
    return path
