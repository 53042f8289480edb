"""Fetching dataset files: try each mirror in turn, check the MD5, write atomically, cache.

Files go to `cache_dir()`: `$TINYGRAD_EDU_DATA` when set, else `~/.cache/tinygrad_edu`. A download
is written to a temporary file next to its destination and renamed only once its checksum is
right, so an interrupted or corrupt download never leaves a file that looks complete.
"""

import hashlib
import os
import tempfile
import urllib.error
import urllib.request
from pathlib import Path

TIMEOUT_SECONDS = 10  # per connection attempt and per read: offline, a download fails in seconds
CHUNK_BYTES = 1 << 16


class DownloadError(RuntimeError):
    """No mirror gave a file with the right checksum."""


def cache_dir():
    """Where downloaded datasets live: `$TINYGRAD_EDU_DATA`, else `~/.cache/tinygrad_edu`."""
    return Path(os.environ.get("TINYGRAD_EDU_DATA") or Path.home() / ".cache" / "tinygrad_edu").expanduser()


def download(filename, directory, mirrors, md5, timeout=TIMEOUT_SECONDS):
    """Fetch `filename` from the first of `mirrors` (base URLs) that serves it with checksum `md5`.

    Returns the path of the file in `directory`. Raises DownloadError listing what each mirror did.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    destination = directory / filename
    failures = []
    for mirror in mirrors:
        url = mirror.rstrip("/") + "/" + filename
        try:
            _fetch(url, destination, md5, timeout)
            return destination
        except (OSError, ValueError) as error:  # URLError, timeouts and HTTP errors are OSErrors
            failures.append(f"{url}: {_describe(error)}")
    raise DownloadError(f"could not download {filename}: " + "; ".join(failures))


def _fetch(url, destination, md5, timeout):
    """Stream `url` into a temporary file beside `destination`; rename it there if the MD5 matches."""
    digest = hashlib.md5(usedforsecurity=False)
    handle, temporary_path = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as file, urllib.request.urlopen(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            with _progress_bar(destination.name, total) as progress:
                for chunk in iter(lambda: response.read(CHUNK_BYTES), b""):
                    file.write(chunk)
                    digest.update(chunk)
                    progress.update(len(chunk))
        if digest.hexdigest() != md5:
            raise ValueError(f"checksum mismatch: got MD5 {digest.hexdigest()}, expected {md5}")
        os.replace(temporary_path, destination)
    finally:
        if os.path.exists(temporary_path):
            os.remove(temporary_path)


def _describe(error):
    if isinstance(error, urllib.error.HTTPError):
        return f"HTTP {error.code} {error.reason}"
    if isinstance(error, urllib.error.URLError):
        return str(error.reason)
    return str(error) or type(error).__name__


def _progress_bar(name, total):
    """A tqdm bar in bytes, or a silent stand-in when tqdm is not installed."""
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return _NoProgress()
    return tqdm(total=total, desc=f"downloading {name}", unit="B", unit_scale=True, unit_divisor=1024, leave=False)


class _NoProgress:
    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return False

    def update(self, count):
        pass
