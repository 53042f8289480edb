"""download(): mirrors in turn, checksum verification, atomic writes, fast failure when offline."""

import hashlib
import socket
import time

import pytest

from tinygrad_edu.datasets import DownloadError, cache_dir
from tinygrad_edu.datasets.download import download

CONTENT = b"tinygrad_edu test payload " * 1000
CONTENT_MD5 = hashlib.md5(CONTENT).hexdigest()


def test_downloads_and_verifies(http_server, tmp_path):
    url, served = http_server
    (served / "file.gz").write_bytes(CONTENT)
    path = download("file.gz", tmp_path / "cache" / "sub", [url], CONTENT_MD5)
    assert path == tmp_path / "cache" / "sub" / "file.gz"
    assert path.read_bytes() == CONTENT
    assert [entry.name for entry in path.parent.iterdir()] == ["file.gz"]  # no temporary file left behind


def test_falls_back_to_the_next_mirror(http_server, tmp_path, closed_port_url):
    url, served = http_server
    (served / "file.gz").write_bytes(CONTENT)
    missing_mirror = url + "nowhere/"
    path = download("file.gz", tmp_path, [closed_port_url, missing_mirror, url], CONTENT_MD5)
    assert path.read_bytes() == CONTENT


def test_checksum_mismatch_leaves_no_file_and_names_both_checksums(http_server, tmp_path):
    url, served = http_server
    (served / "file.gz").write_bytes(CONTENT[:-1])
    with pytest.raises(DownloadError, match=f"checksum mismatch: got MD5 [0-9a-f]{{32}}, expected {CONTENT_MD5}"):
        download("file.gz", tmp_path / "out", [url], CONTENT_MD5)
    assert list((tmp_path / "out").iterdir()) == []


def test_an_existing_file_is_only_replaced_by_a_verified_download(http_server, tmp_path):
    url, served = http_server
    (served / "file.gz").write_bytes(b"corrupt")
    (tmp_path / "file.gz").write_bytes(b"previous")
    with pytest.raises(DownloadError):
        download("file.gz", tmp_path, [url], CONTENT_MD5)
    assert (tmp_path / "file.gz").read_bytes() == b"previous"


def test_offline_fails_fast_listing_each_mirror(tmp_path, closed_port_url, http_server):
    url, _ = http_server
    start = time.monotonic()
    with pytest.raises(DownloadError) as error:
        download("file.gz", tmp_path, [closed_port_url, url], CONTENT_MD5)
    assert time.monotonic() - start < 5
    message = str(error.value)
    assert closed_port_url + "file.gz" in message and "refused" in message.lower()
    assert url + "file.gz: HTTP 404" in message


def test_a_server_that_never_answers_times_out(tmp_path):
    with socket.socket() as silent:  # accepts connections (the kernel does) but never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
        start = time.monotonic()
        with pytest.raises(DownloadError, match="timed out"):
            download("file.gz", tmp_path, [url], CONTENT_MD5, timeout=0.5)
        assert time.monotonic() - start < 5


def test_cache_dir_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("TINYGRAD_EDU_DATA", str(tmp_path / "data"))
    assert cache_dir() == tmp_path / "data"
    monkeypatch.delenv("TINYGRAD_EDU_DATA")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "tinygrad_edu"
