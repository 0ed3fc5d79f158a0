"""Cover uploads: JPEG, PNG and WebP are re-encoded as JPEG without EXIF; anything else, a
file over 5 MB, or a decompression bomb is a 400 (never a 500)."""

from __future__ import annotations

import io
import os
import struct
import zlib
from typing import Any

import httpx
from PIL import Image

from reading.lending.tables import Book
from tests.reading.support import code, quick_library, quick_staff


def picture(fmt: str, size: tuple[int, int] = (640, 480), *, exif: bool = False, mode: str = "RGB") -> bytes:
    image = Image.new(mode, size, (200, 120, 40) if mode == "RGB" else (200, 120, 40, 128))
    out = io.BytesIO()
    kwargs: dict[str, Any] = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x0131] = "PhoneEditor 1.0"  # Software
        data[0x0112] = 6  # Orientation: rotated 90°
        gps = data.get_ifd(0x8825)
        gps[1], gps[2] = "N", (39.0, 55.0, 1.0)  # where the photo was taken
        kwargs["exif"] = data.tobytes()
    image.save(out, format=fmt, **kwargs)
    return out.getvalue()


def png_declaring(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims `width` × `height` pixels (a decompression bomb)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * (1 + 3 * min(width, 64)) * 4, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def real_bomb() -> bytes:
    """A valid 10000 × 10000 greyscale PNG of zeros: ~0.4 MB, 100 million pixels to decode."""
    width = height = 10_000
    squeezer = zlib.compressobj(1)
    row = b"\x00" * (1 + width)
    body = b"".join(squeezer.compress(row * 1000) for _ in range(height // 1000)) + squeezer.flush()

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


async def upload(client: httpx.AsyncClient, headers: dict[str, str], book_id: int, body: bytes) -> httpx.Response:
    return await client.put(
        f"/api/v1/books/{book_id}/cover", content=body, headers={**headers, "Content-Type": "application/octet-stream"}
    )


async def test_jpeg_png_webp_become_jpeg_without_exif(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, book_id = lib["librarian"], lib["book"]["id"]
    r = await client.get(f"/api/v1/books/{book_id}/cover.jpg")
    assert r.status_code == 404
    with_exif = picture("JPEG", exif=True)
    assert Image.open(io.BytesIO(with_exif)).getexif()[0x010F] == "SecretCam"  # the test image has EXIF

    for body, size in (
        (with_exif, (480, 640)),  # turned upright by its orientation tag, then the tag goes too
        (picture("PNG", (800, 600), mode="RGBA"), (800, 600)),
        (picture("WEBP", (3000, 1500)), (1200, 600)),  # at most 1200 px
    ):
        r = await upload(client, staff, book_id, body)
        assert r.status_code == 204, r.text
        r = await client.get(f"/api/v1/books/{book_id}/cover.jpg")
        assert r.status_code == 200 and r.headers["content-type"].startswith("image/jpeg")
        stored = Image.open(io.BytesIO(r.content))
        assert stored.format == "JPEG" and stored.size == size
        assert not stored.getexif() and "exif" not in stored.info
        assert b"SecretCam" not in r.content and b"Exif" not in r.content
        thumb = await client.get(f"/api/v1/books/{book_id}/cover.jpg", params={"thumb": "true"})
        small = Image.open(io.BytesIO(thumb.content))
        assert small.format == "JPEG" and max(small.size) <= 240 and not small.getexif()
    assert (await client.get(f"/api/v1/books/{book_id}")).json()["has_cover"] is True


async def test_bad_covers_are_refused_and_the_old_one_kept(client: httpx.AsyncClient) -> None:
    lib = await quick_library(client)
    staff, book_id = lib["librarian"], lib["book"]["id"]
    good = picture("PNG")
    assert (await upload(client, staff, book_id, good)).status_code == 204
    before = (await client.get(f"/api/v1/books/{book_id}/cover.jpg")).content

    noise = Image.frombytes("RGB", (1500, 1200), os.urandom(1500 * 1200 * 3))
    big = io.BytesIO()
    noise.save(big, format="PNG", compress_level=0)
    assert 5 * 1024 * 1024 < len(big.getvalue()) < 10_000_000
    jpeg = picture("JPEG")
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, format="GIF")
    cases = {
        "text": "这不是图片".encode(),
        "empty": b"",
        "pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF",
        "gif": gif.getvalue(),
        "truncated jpeg": jpeg[: len(jpeg) // 2],
        "png header only": good[:40],
        "over 5 MB": big.getvalue(),
        "bomb 50000 x 50000 (header)": png_declaring(50_000, 50_000),
        "bomb 7000 x 7000 (header)": png_declaring(7_000, 7_000),
        "bomb 10000 x 10000 (real)": real_bomb(),
    }
    for name, body in cases.items():
        r = await upload(client, staff, book_id, body)
        assert code(r) == (400, "invalid_image"), (name, r.status_code, r.text[:200])
    r = await upload(client, staff, book_id, big.getvalue())
    assert "5 MB" in r.json()["detail"]
    assert (await client.get(f"/api/v1/books/{book_id}/cover.jpg")).content == before

    # Unknown book, and who may upload.
    assert code(await upload(client, staff, 999_999, good)) == (404, "book_not_found")
    volunteer = await quick_staff("vol", roles=("volunteer",), spaces=(lib["a"],))
    assert (await upload(client, volunteer, book_id, good)).status_code == 403
    assert (await upload(client, {}, book_id, good)).status_code == 401
    assert (await Book.select(Book.has_cover).where(Book.id == book_id).first()) == {"has_cover": True}
