"""Downloads against a local HTTP server: verified, atomic, and clear when they fail."""

import hashlib
import http.server
import importlib.util
import io
import os
import threading
import urllib.parse
import zipfile

import numpy as np
import pytest

from data_fixtures import MNIST_DIR, requires_mnist, rgb_pattern, save
from tfdcgan.data import download, idx, image_folder, mnist

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves `server.files`; `/drop/<name>` stops halfway; `/gdrive` asks to confirm."""

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        query = urllib.parse.parse_qs(url.query)
        self.server.requests.append(url.path)
        name = url.path.rsplit("/", 1)[-1]
        if url.path == "/gdrive" and "confirm" not in query:
            page = (b'<html><body>Google Drive can\'t scan this file for viruses.'
                    b'<form id="download-form" action="/gdrive" method="get">'
                    b'<input type="hidden" name="id" value="' + query["id"][0].encode() + b'">'
                    b'<input type="hidden" name="export" value="download">'
                    b'<input type="hidden" name="confirm" value="t">'
                    b'<input type="submit" value="Download anyway"></form></body></html>')
            return self._send(page, "text/html; charset=utf-8")
        if url.path == "/gdrive":
            name = query["id"][0]
        data = self.server.files.get(name)
        if data is None:
            return self.send_error(404)
        if url.path.startswith("/drop/"):
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[:len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self._send(data, "application/octet-stream")

    def _send(self, body, content_type):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output clean
        pass


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.files, httpd.requests = {}, []
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def _resource(server, name, data, path="/files/", md5=None):
    server.files[name] = data
    return download.Resource(name, md5 or hashlib.md5(data).hexdigest(),
                             (f"{server.url}{path}{name}",))


def _leftovers(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith(".") or n.endswith(".part"))


def test_good_file_is_verified_and_moved_into_place(server, tmp_path):
    data = os.urandom(300_000)
    path = download.fetch(_resource(server, "a.bin", data), str(tmp_path / "d"))
    assert path == str(tmp_path / "d" / "a.bin")
    assert open(path, "rb").read() == data and _leftovers(tmp_path / "d") == []


def test_wrong_checksum_leaves_nothing_and_says_what_to_do(server, tmp_path):
    resource = _resource(server, "b.bin", b"x" * 5000, md5="0" * 32)
    with pytest.raises(download.DownloadError) as e:
        download.fetch(resource, str(tmp_path), retry_hint="`python download.py mnist`")
    message = str(e.value)
    assert "checksum mismatch" in message and "0" * 32 in message
    assert "nothing was written" in message and "python download.py mnist" in message
    assert os.listdir(tmp_path) == []


def test_connection_dropped_mid_transfer_leaves_nothing(server, tmp_path):
    resource = _resource(server, "c.bin", os.urandom(200_000), path="/drop/")
    with pytest.raises(download.DownloadError) as e:
        download.fetch(resource, str(tmp_path))
    assert "c.bin" in str(e.value) and "/drop/c.bin" in str(e.value)
    assert os.listdir(tmp_path) == []


def test_next_mirror_is_tried_and_every_failure_is_listed(server, tmp_path):
    data = b"payload" * 1000
    server.files["d.bin"] = data
    md5 = hashlib.md5(data).hexdigest()
    missing, good = f"{server.url}/files/nope.bin", f"{server.url}/files/d.bin"
    path = download.fetch(download.Resource("d.bin", md5, (missing, good)), str(tmp_path))
    assert open(path, "rb").read() == data
    with pytest.raises(download.DownloadError) as e:
        download.fetch(download.Resource("e.bin", md5, (missing, "http://127.0.0.1:9/e.bin")),
                       str(tmp_path), timeout=5)
    assert "nope.bin: HTTP Error 404" in str(e.value) and "127.0.0.1:9/e.bin" in str(e.value)


def test_verified_copy_is_kept_and_a_corrupt_one_replaced(server, tmp_path):
    data = b"good bytes"
    resource = _resource(server, "f.bin", data)
    (tmp_path / "f.bin").write_bytes(data)
    download.fetch(resource, str(tmp_path))
    assert server.requests == []  # nothing downloaded
    (tmp_path / "f.bin").write_bytes(b"half")
    download.fetch(resource, str(tmp_path))
    assert (tmp_path / "f.bin").read_bytes() == data and len(server.requests) == 1


def _load_cli():
    spec = importlib.util.spec_from_file_location("download_cli", os.path.join(REPO, "download.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fake_mnist_files(folder):
    """Tiny IDX stand-ins for the four MNIST files: name -> gzipped bytes."""
    files = {}
    for name in download.MNIST_FILES:
        count = 70 if name.startswith("train") else 10
        shape = (count, 28, 28) if "images" in name else (count,)
        path = os.path.join(folder, name)
        idx.write_idx(path, np.random.default_rng(len(files)).integers(0, 10, shape))
        files[name] = open(path, "rb").read()
    return files


def test_cli_fetches_mnist_from_a_mirror(server, tmp_path, monkeypatch, capsys):
    server.files.update(_fake_mnist_files(str(tmp_path)))
    files = {name: (hashlib.md5(data).hexdigest(), len(data))
             for name, data in server.files.items()}
    monkeypatch.setattr(download, "MNIST_FILES", files)
    cli = _load_cli()
    data_dir = str(tmp_path / "data")
    code = cli.main(["mnist", "--data_dir", data_dir, "--mirror", f"{server.url}/files",
                     "--timeout", "5"])
    assert code == 0 and "mnist: ready in" in capsys.readouterr().out
    assert sorted(os.listdir(os.path.join(data_dir, "mnist"))) == sorted(files)
    assert mnist(data_dir, batch_size=10, with_info=True)[1].num_examples == 70
    # Official sources come after the mirror; offline they fail, clearly.
    server.files.clear()
    os.remove(os.path.join(data_dir, "mnist", "t10k-images-idx3-ubyte.gz"))
    monkeypatch.setattr(download, "MNIST_MIRRORS", ())
    code = cli.main(["mnist", "--data_dir", data_dir, "--mirror", f"{server.url}/files"])
    err = capsys.readouterr().err
    assert code == 1 and "t10k-images-idx3-ubyte.gz" in err and "nothing was written" in err
    assert not os.path.exists(os.path.join(data_dir, "mnist", "t10k-images-idx3-ubyte.gz"))


def test_cli_a_data_dir_where_no_folder_can_be_made_is_one_message(tmp_path, capsys):
    (tmp_path / "a_file").write_text("a file, not a folder\n")
    code = _load_cli().main(["mnist", "--data_dir", str(tmp_path / "a_file")])
    err = capsys.readouterr().err
    assert code == 1 and "Traceback" not in err
    assert f"Cannot make the folder {tmp_path / 'a_file' / 'mnist'}" in err
    assert "--data_dir" in err and os.listdir(tmp_path) == ["a_file"]


@requires_mnist
def test_real_mnist_files_pass_the_published_checksums(server, tmp_path):
    for name in download.MNIST_FILES:
        server.files[name] = (MNIST_DIR / name).read_bytes()
    folder = download.download_mnist(str(tmp_path), mirrors=(f"{server.url}/files/",))
    assert mnist(str(tmp_path), batch_size=1000, with_info=True)[1].num_examples == 60_000
    assert _leftovers(folder) == []


def _celeba_zip(tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for i in range(1, 5):
            save(tmp_path / "tmp.jpg", rgb_pattern(109, 89, seed=i))
            z.write(tmp_path / "tmp.jpg", f"img_align_celeba/{i:06d}.jpg")
    return buffer.getvalue()


def test_celeba_through_a_drive_confirmation_page_unpacks_atomically(server, tmp_path, monkeypatch):
    archive = _celeba_zip(tmp_path)
    server.files["celebA-id"] = archive
    monkeypatch.setattr(download, "CELEBA_MD5", hashlib.md5(archive).hexdigest())
    data_dir = tmp_path / "data"
    folder = download.download_celeba(str(data_dir), urls=(f"{server.url}/gdrive?id=celebA-id",))
    assert folder == str(data_dir / "celebA")
    assert sorted(os.listdir(folder)) == [f"{i:06d}.jpg" for i in range(1, 5)]
    assert os.listdir(data_dir) == ["celebA"]  # archive and temporary folder gone
    assert server.requests == ["/gdrive", "/gdrive"]  # warning page, then the file
    ds = image_folder(str(data_dir), "celebA", crop=True, input_height=54, batch_size=4)
    assert next(iter(ds)).shape == (4, 64, 64, 3)


def test_celeba_failure_leaves_no_folder(server, tmp_path, monkeypatch):
    server.files["celebA-id"] = _celeba_zip(tmp_path)
    monkeypatch.setattr(download, "CELEBA_MD5", "f" * 32)
    data_dir = tmp_path / "data"
    with pytest.raises(download.DownloadError, match="download.py celebA"):
        download.download_celeba(str(data_dir), urls=(f"{server.url}/gdrive?id=celebA-id",))
    assert os.listdir(data_dir) == []
