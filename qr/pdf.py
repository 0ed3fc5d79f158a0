"""PDF documents of full-page images, written a page at a time.

Pillow's PDF writer holds every page image until it saves (370 A4 posters at 200 dpi are
about 4 GB) and encodes RGB pages as JPEG, which blurs the QR modules' edges. Here each page's
pixels are compressed losslessly (Flate) and written out at once, so only one page image is
ever in memory and a code prints exactly as drawn.
"""

from __future__ import annotations

import zlib
from typing import BinaryIO

from PIL import Image


class PdfPages:
    """A PDF of full-page images written as they come: each page's pixels are compressed
    (lossless Flate, which keeps the QR modules' edges sharp) and written out at once, so only
    one page image is ever in memory. `close()` writes the page tree and the cross-reference."""

    def __init__(self, out: BinaryIO, *, dpi: int) -> None:
        self.out = out
        self.dpi = dpi
        self.offsets: dict[int, int] = {}
        self.page_ids: list[int] = []
        self.next_id = 3  # 1 is the catalogue, 2 the page tree (written last)
        self._write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

    def _write(self, data: bytes) -> None:
        self.out.write(data)

    def _object(self, number: int, body: bytes, stream: bytes | None = None) -> None:
        self.offsets[number] = self.out.tell()
        self._write(b"%d 0 obj\n" % number)
        if stream is None:
            self._write(body + b"\nendobj\n")
            return
        self._write(body[:-2] + b" /Length %d >>\nstream\n" % len(stream))
        self._write(stream)
        self._write(b"\nendstream\nendobj\n")

    def add_page(self, image: Image.Image) -> None:
        rgb = image if image.mode == "RGB" else image.convert("RGB")
        width, height = rgb.size
        points = (width * 72 / self.dpi, height * 72 / self.dpi)
        image_id, content_id, page_id = self.next_id, self.next_id + 1, self.next_id + 2
        self.next_id += 3
        pixels = zlib.compress(rgb.tobytes(), 6)
        self._object(
            image_id,
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB"
            b" /BitsPerComponent 8 /Filter /FlateDecode >>" % (width, height),
            pixels,
        )
        del pixels
        self._object(content_id, b"<< >>", b"q %.4f 0 0 %.4f 0 0 cm /P Do Q" % points)
        self._object(
            page_id,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.4f %.4f] /Contents %d 0 R"
            b" /Resources << /XObject << /P %d 0 R >> /ProcSet [/PDF /ImageC] >> >>"
            % (points[0], points[1], content_id, image_id),
        )
        self.page_ids.append(page_id)

    def close(self) -> None:
        kids = b" ".join(b"%d 0 R" % n for n in self.page_ids)
        self._object(2, b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(self.page_ids)))
        self._object(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        start = self.out.tell()
        size = self.next_id
        self._write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for number in range(1, size):
            # Every number below `next_id` is written (pages add three at a time).
            self._write(b"%010d 00000 n \n" % self.offsets[number])
        self._write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, start))
