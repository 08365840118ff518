"""Download MNIST and CelebA into `data_dir`, checksummed and atomic.

Each file is streamed to a hidden temporary file beside its destination
(`.name.XXXX.part`), its length and published md5 are checked, and only then
is it renamed into place with `os.replace`, which is atomic on one file
system. A dropped connection, a wrong checksum or Ctrl-C deletes the
temporary file, so `data_dir` never holds a half-written dataset that a later
run would mistake for a good one. Mirrors are tried in order.

The command line is `download.py` at the top of the repository:
`python download.py mnist celebA --data_dir ./data`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html.parser
import http.client
import http.cookiejar
import os
import shutil
import tempfile
import urllib.parse
import urllib.request
import zipfile

MNIST_MIRRORS = (
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "http://yann.lecun.com/exdb/mnist/",
)
# Published md5s and sizes of the four official files.
MNIST_FILES = {
    "train-images-idx3-ubyte.gz": ("f68b3c2dcbeaaa9fbdd348bbdeb94873", 9_912_422),
    "train-labels-idx1-ubyte.gz": ("d53e105ee54ea40749a09fcbcd1e9432", 28_881),
    "t10k-images-idx3-ubyte.gz": ("9fb629c4189551a2d022fa330f9573f3", 1_648_877),
    "t10k-labels-idx1-ubyte.gz": ("ec29112dd5afa0611ce80d1b7f02629c", 4_542),
}
# The aligned-and-cropped CelebA images on the authors' Google Drive (the
# file carpedm20 downloads), with the md5 that torchvision and TFDS publish.
CELEBA_ZIP = "img_align_celeba.zip"
CELEBA_MD5 = "00d2c5bc6d35e252742224ab0c1e8fcb"
CELEBA_URLS = (
    "https://drive.google.com/uc?export=download&id=0B7EVK8r0v71pZjFTYXZWM3FlRnM",
)
_CHUNK = 1 << 20


class DownloadError(RuntimeError):
    """A download failed or did not verify; nothing was left in place."""


@dataclasses.dataclass(frozen=True)
class Resource:
    """One file to fetch.

    Attributes:
        filename: name to save it under.
        md5: published checksum, lowercase hex.
        urls: where to fetch it, tried in order.
        size: expected size in bytes, if published.
    """

    filename: str
    md5: str
    urls: tuple
    size: int | None = None


def md5_file(path):
    """Hex md5 of a file, read in 1 MB chunks."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(resource, directory, *, timeout=60.0, progress=None, retry_hint=None):
    """Downloads `resource` into `directory` unless a verified copy is there.

    Args:
        resource: `Resource`.
        directory: destination folder (created if needed).
        timeout: seconds to wait for the server before giving up on a mirror.
        progress: optional `callable(filename, done_bytes, total_bytes|None)`.
        retry_hint: command to suggest in the error message.

    Returns:
        Path of the verified file.

    Raises:
        DownloadError: every URL failed; the message lists why for each and
            what to do. No file or temporary file is left behind. Also:
            `directory` cannot be made (a file in its path, no permission).
    """
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"Cannot make the folder {directory} ({e.strerror or e}); "
                            f"choose another --data_dir.") from e
    dest = os.path.join(directory, resource.filename)
    if os.path.isfile(dest) and md5_file(dest) == resource.md5:
        return dest
    failures = []
    for url in resource.urls:
        try:
            _fetch_one(url, resource, dest, timeout, progress)
            return dest
        except (OSError, http.client.HTTPException, DownloadError) as e:
            failures.append(f"  {url}: {e}")
    hint = retry_hint or "the same command"
    raise DownloadError(
        f"Could not download {resource.filename} into {directory}; nothing was "
        f"written there.\n" + "\n".join(failures) + "\n"
        f"Check the connection (this machine may be offline) and re-run "
        f"{hint}, or fetch {resource.filename} by hand from one of the URLs "
        f"above into {directory} and check its md5 is {resource.md5}.")


def _fetch_one(url, resource, dest, timeout, progress):
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    response = _open(opener, url, timeout)
    try:
        if _is_html(response) and not resource.filename.endswith((".html", ".htm")):
            # Google Drive answers large files with a "can't scan for
            # viruses" page whose form (or link) carries a confirm token.
            confirmed = _confirm_url(url, response.read(1 << 20).decode("utf-8", "replace"))
            response.close()
            if confirmed is None:
                raise DownloadError("got an HTML page instead of the file "
                                    "(quota exceeded or the link moved?)")
            response = _open(opener, confirmed, timeout)
            if _is_html(response):
                raise DownloadError("got an HTML page instead of the file after "
                                    "confirming (quota exceeded?)")
        _stream_verified(response, resource, dest, progress)
    finally:
        response.close()


def _open(opener, url, timeout):
    request = urllib.request.Request(url, headers={"User-Agent": "tfdcgan-download/1"})
    return opener.open(request, timeout=timeout)


def _is_html(response):
    return response.headers.get_content_type() == "text/html"


def _stream_verified(response, resource, dest, progress):
    length = response.headers.get("Content-Length")
    total = int(length) if length and length.isdigit() else resource.size
    fd, part = tempfile.mkstemp(prefix=f".{resource.filename}.", suffix=".part",
                                dir=os.path.dirname(dest))
    try:
        digest, done = hashlib.md5(), 0
        with os.fdopen(fd, "wb") as out:
            while True:
                # Raises http.client.IncompleteRead if the server closes
                # the connection before Content-Length bytes.
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                digest.update(chunk)
                done += len(chunk)
                if progress:
                    progress(resource.filename, done, total)
            out.flush()
            os.fsync(out.fileno())
        if length and length.isdigit() and done != int(length):
            raise DownloadError(f"connection dropped after {done:,} of {int(length):,} bytes")
        if digest.hexdigest() != resource.md5:
            raise DownloadError(f"checksum mismatch: md5 {digest.hexdigest()}, "
                                f"expected {resource.md5} ({done:,} bytes received)")
        os.replace(part, dest)
    except BaseException:
        if os.path.exists(part):
            os.remove(part)
        raise


class _FormParser(html.parser.HTMLParser):
    """Collects the first form's action and its input name/value pairs."""

    def __init__(self):
        super().__init__()
        self.action, self.fields, self.links = None, {}, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and self.action is None:
            self.action = attrs.get("action")
        elif tag == "input" and attrs.get("name"):
            self.fields[attrs["name"]] = attrs.get("value") or ""
        elif tag == "a" and "confirm=" in (attrs.get("href") or ""):
            self.links.append(attrs["href"])


def _confirm_url(url, page):
    """URL that confirms a Google Drive warning page, or None."""
    parser = _FormParser()
    parser.feed(page)
    if parser.action and "confirm" in parser.fields:
        action = urllib.parse.urljoin(url, parser.action)
        return action + ("&" if "?" in action else "?") + urllib.parse.urlencode(parser.fields)
    if parser.links:
        return urllib.parse.urljoin(url, parser.links[0].replace("&amp;", "&"))
    return None


def download_mnist(data_dir, *, mirrors=MNIST_MIRRORS, timeout=60.0, progress=None):
    """Fetches the four MNIST IDX files (gzipped) into `data_dir/mnist`.

    Returns:
        The folder, ready for `tfdcgan.data.mnist(data_dir)`.
    """
    folder = os.path.join(data_dir, "mnist")
    for name, (md5, size) in MNIST_FILES.items():
        resource = Resource(name, md5, tuple(m + name for m in mirrors), size)
        fetch(resource, folder, timeout=timeout, progress=progress,
              retry_hint=f"`python download.py mnist --data_dir {data_dir}`")
    return folder


def download_celeba(data_dir, *, urls=CELEBA_URLS, timeout=60.0, progress=None,
                    keep_archive=False):
    """Fetches CelebA's aligned images and unpacks them to `data_dir/celebA`.

    The archive is unpacked into a temporary folder inside `data_dir` and
    renamed to `celebA` only when complete. A `celebA` folder that already
    holds JPEGs is left alone.

    Returns:
        The `celebA` folder.
    """
    target = os.path.join(data_dir, "celebA")
    if os.path.isdir(target) and os.listdir(target):
        if any(n.endswith(".jpg") for n in os.listdir(target)):
            return target
        raise DownloadError(f"{target} exists but holds no .jpg files; move it "
                            f"away and re-run `python download.py celebA`.")
    archive = fetch(Resource(CELEBA_ZIP, CELEBA_MD5, tuple(urls)), data_dir,
                    timeout=timeout, progress=progress,
                    retry_hint=f"`python download.py celebA --data_dir {data_dir}`")
    unpack = tempfile.mkdtemp(prefix=".celebA.", suffix=".part", dir=data_dir)
    try:
        with zipfile.ZipFile(archive) as z:
            z.extractall(unpack)  # zipfile drops ".." and absolute parts
        inner = os.path.join(unpack, "img_align_celeba")
        if os.path.isdir(target):  # an empty leftover
            os.rmdir(target)
        os.replace(inner if os.path.isdir(inner) else unpack, target)
    finally:
        shutil.rmtree(unpack, ignore_errors=True)
    if not keep_archive:
        os.remove(archive)
    return target
