"""Cheap image header sniffing: format, size and colour without decoding.

Reading the first few hundred bytes and the last few of a file is enough to
reject what would otherwise fail mid-epoch (empty files, text files named
`.jpg`, downloads cut short) and to learn each image's size for the crop
check. This keeps start-up fast on 200k-file folders; anything the header
cannot settle is handed to a real decode by `scan.py`.
"""

from __future__ import annotations

import dataclasses
import struct

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# JPEG start-of-frame markers that carry the image size (not DHT/JPG/DAC).
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7,
             0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
# JPEG markers with no length field.
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD9)}
_HEAD_BYTES = 64


class BadImage(Exception):
    """A file that is not a readable image; `str()` is the reason shown."""


@dataclasses.dataclass(frozen=True)
class ImageHeader:
    """What the header says about one image file.

    Attributes:
        format: "jpeg", "png", "gif", "bmp" or "webp".
        height, width: pixel size, or None when the header does not say.
        grayscale: True / False when the header settles it, else None
            (palette formats).
        complete: False when the file's end does not look like the end of an
            image of its format (likely truncated); `scan.py` then decodes it
            to decide.
        needs_pillow: TensorFlow's decoders mishandle this file (palette or
            1/4-bit or compressed BMPs), so the pipeline decodes it with Pillow.
        bit_depth: bits per channel (16 for 16-bit PNGs), else 8.
        cmyk: a 4-component (CMYK or YCCK) JPEG.
    """

    format: str
    height: int | None
    width: int | None
    grayscale: bool | None = None
    complete: bool = True
    needs_pillow: bool = False
    bit_depth: int = 8
    cmyk: bool = False


def read_header(path):
    """Sniffs one file.

    Args:
        path: file path.

    Returns:
        `ImageHeader`.

    Raises:
        BadImage: empty, unknown format, or a header that cannot be parsed.
        OSError: the file cannot be opened or read.
    """
    with open(path, "rb") as f:
        head = f.read(_HEAD_BYTES)
        if not head:
            raise BadImage("empty file")
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 16))
        tail = f.read(16)
        if head.startswith(b"\xff\xd8\xff"):
            return _jpeg(f, tail)
        if head.startswith(_PNG_MAGIC):
            return _png(head, tail)
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return _gif(head, tail)
        if head.startswith(b"BM"):
            return _bmp(f, head, size)
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp(head, size)
    raise BadImage(f"not a JPEG, PNG, GIF, BMP or WebP image (starts with {head[:8]!r})")


def _need(head, n, what):
    if len(head) < n:
        raise BadImage(f"truncated {what} header")


def _jpeg(f, tail):
    f.seek(2)
    while True:
        byte = f.read(1)
        while byte == b"\xff":  # fill bytes before a marker
            byte = f.read(1)
        if not byte:
            raise BadImage("truncated JPEG header (no frame size found)")
        marker = byte[0]
        if marker in _JPEG_STANDALONE:
            continue
        raw_len = f.read(2)
        if len(raw_len) < 2:
            raise BadImage("truncated JPEG header")
        (length,) = struct.unpack(">H", raw_len)
        if marker in _JPEG_SOF:
            frame = f.read(6)
            if len(frame) < 6:
                raise BadImage("truncated JPEG frame header")
            _, height, width, components = struct.unpack(">BHHB", frame)
            # Height 0 means "defined later by a DNL marker": size unknown.
            return ImageHeader(
                "jpeg", height or None, width or None,
                grayscale=components == 1,
                complete=tail.endswith(b"\xff\xd9"),
                cmyk=components == 4)
        if marker == 0xDA or length < 2:  # scan data before any frame header
            raise BadImage("corrupt JPEG header (no frame size before image data)")
        f.seek(length - 2, 1)


def _png(head, tail):
    _need(head, 26, "PNG")
    if head[12:16] != b"IHDR":
        raise BadImage("corrupt PNG header (no IHDR chunk)")
    width, height, depth, colour = struct.unpack(">IIBB", head[16:26])
    return ImageHeader(
        "png", height, width,
        grayscale=colour in (0, 4),  # palette (3) could be grey; undecided
        complete=b"IEND" in tail,
        bit_depth=16 if depth == 16 else 8)


def _gif(head, tail):
    _need(head, 10, "GIF")
    width, height = struct.unpack("<HH", head[6:10])
    # The trailer byte 0x3B ends every complete GIF.
    return ImageHeader("gif", height, width, grayscale=None,
                       complete=tail.endswith(b"\x3b"))


def _bmp(f, head, size):
    _need(head, 30, "BMP")
    declared_size, = struct.unpack("<I", head[2:6])
    pixel_offset, dib_size = struct.unpack("<II", head[10:18])
    if dib_size == 12:  # OS/2 BITMAPCOREHEADER
        width, height, _, bpp = struct.unpack("<HHHH", head[18:26])
        compression = 0
    elif dib_size >= 40:
        _need(head, 34, "BMP")
        width, height, _, bpp, compression = struct.unpack("<iiHHI", head[18:34])
    else:
        raise BadImage(f"corrupt BMP header (DIB header size {dib_size})")
    height = abs(height)  # negative height means rows stored top-down
    # TensorFlow's BMP decoder reads 24/32-bit BI_RGB and BI_BITFIELDS
    # images, and 8-bit ones as raw grey indices: right only when the
    # palette is the identity grey ramp. Everything else goes to Pillow.
    grayscale = None
    if bpp in (24, 32) and compression in (0, 3):
        needs_pillow = False
        grayscale = False
    elif bpp == 8 and compression == 0:
        grayscale = _bmp_palette_is_grey_ramp(f, 14 + dib_size, pixel_offset)
        needs_pillow = not grayscale
        grayscale = grayscale or None
    else:
        needs_pillow = True
    # bfSize of 0 is allowed by the format; only a larger-than-file value
    # says the file was cut short.
    return ImageHeader("bmp", height, width, grayscale=grayscale,
                       complete=declared_size <= size,
                       needs_pillow=needs_pillow)


def _bmp_palette_is_grey_ramp(f, palette_start, pixel_offset):
    f.seek(palette_start)
    palette = f.read(max(0, min(pixel_offset - palette_start, 1024)))
    if len(palette) < 1024:
        return False
    return all(palette[4 * i:4 * i + 3] == bytes((i, i, i)) for i in range(256))


def _webp(head, size):
    riff_size, = struct.unpack("<I", head[4:8])
    chunk = head[12:16]
    height = width = None
    if chunk == b"VP8X" and len(head) >= 30:
        width = int.from_bytes(head[24:27], "little") + 1
        height = int.from_bytes(head[27:30], "little") + 1
    elif chunk == b"VP8L" and len(head) >= 25:
        bits, = struct.unpack("<I", head[21:25])
        width, height = (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    elif chunk == b"VP8 " and len(head) >= 30:
        width, height = (v & 0x3FFF for v in struct.unpack("<HH", head[26:30]))
    return ImageHeader("webp", height, width, grayscale=False,
                       complete=riff_size + 8 <= size)
