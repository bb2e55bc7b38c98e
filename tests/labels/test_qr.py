"""The QR encoder: the symbols a reference encoder makes, and they scan at every version."""

import random
import string

import pytest
import segno
import zxingcpp
from PIL import Image

from labels import qr
from tests.labels.builders import BASE_URL, s10

VERSIONS = range(1, qr.MAX_VERSION + 1)


def longest_payload(version: int, spare_bytes: int = 0) -> int:
    """The most bytes ``version`` holds at level M, less ``spare_bytes``."""
    capacity = qr._layout(version).data_codewords
    return (capacity - spare_bytes) - (2 if version < 10 else 3)


def text(length: int, seed: int) -> str:
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits + "/:?=.-") for _ in range(length))


def scan(rows: tuple[bytes, ...]) -> list[str]:
    size = len(rows) + 8  # with the quiet zone
    image = Image.new("L", (size, size), 255)
    image.paste(Image.frombytes("L", (len(rows),) * 2, bytes(255 - 255 * m for row in rows for m in row)), (4, 4))
    return [found.text for found in zxingcpp.read_barcodes(image.resize((4 * size,) * 2, Image.NEAREST))]


@pytest.mark.parametrize("version", VERSIONS)
def test_the_matrix_is_segnos_module_for_module(version):
    """Patterns, format and version information, Reed-Solomon, interleaving, placement, mask.

    segno 1.6 writes a zero byte after the terminator when the data ends on a byte (in byte mode,
    always); decoders stop at the terminator, so both are the same QR code. The reference is
    given that byte, so the rest can be compared exactly."""
    data = text(longest_payload(version, spare_bytes=4), version)  # segno's byte and 3 pad codewords
    expected = segno.make_qr(data, error="m", mode="byte", version=version, boost_error=False, mask=qr.MASK)
    codewords = qr._with_padding(qr._stream(data.encode(), version) + b"\0", version)
    assert qr._symbol(codewords, version) == tuple(bytes(row) for row in expected.matrix)


@pytest.mark.parametrize("version", VERSIONS)
def test_a_full_symbol_of_every_version_scans(version):
    data = text(longest_payload(version), 100 + version)
    rows = qr.qr_matrix(data)
    assert len(rows) == 17 + 4 * version  # the smallest version that holds it
    assert scan(rows) == [data]


def test_tracking_links_and_vietnamese_text_scan():
    for data in [BASE_URL + s10(12345678), "Nguyễn Thị Hằng, Ấp Phước Lăng"]:
        assert scan(qr.qr_matrix(data)) == [data]


def test_more_than_a_version_40_symbol_holds_is_refused():
    qr.qr_matrix("x" * longest_payload(40))
    with pytest.raises(ValueError, match="QR code"):
        qr.qr_matrix("x" * (longest_payload(40) + 1))
