"""The QR codes of labels and receipts (labels/codes.py, encoded by zxing-cpp): level M, the
smallest symbol, one byte a module, and they scan back to what was encoded."""

import pytest
import zxingcpp
from PIL import Image

from labels.codes import qr_matrix
from tests.labels.builders import BASE_URL, s10


def scan(rows: tuple[bytes, ...]) -> list[zxingcpp.Barcode]:
    size = len(rows) + 8  # with the quiet zone
    image = Image.new("L", (size, size), 255)
    image.paste(Image.frombytes("L", (len(rows),) * 2, bytes(255 - 255 * m for row in rows for m in row)), (4, 4))
    return zxingcpp.read_barcodes(image.resize((4 * size,) * 2, Image.NEAREST))


@pytest.mark.parametrize(
    "data",
    [BASE_URL + s10(12345678), "Nguyễn Thị Hằng, Ấp Phước Lăng", "https://dichvucong.gov.vn/" + "x" * 300],
)
def test_a_code_scans_back_at_level_m(data):
    rows = qr_matrix(data)
    assert len({len(row) for row in rows}) == 1 and len(rows[0]) == len(rows)  # square
    assert set(b"".join(rows)) == {0, 1}
    [found] = scan(rows)
    assert found.text == data and found.format == zxingcpp.BarcodeFormat.QRCode
    assert found.ec_level == "M"


def test_a_tracking_link_takes_a_small_symbol():
    assert len(qr_matrix(BASE_URL + s10(12345678))) <= 33  # version 4 at most: big modules on an A6 label


def test_more_than_a_symbol_holds_is_refused():
    with pytest.raises(ValueError, match="QR code of 5000 characters"):
        qr_matrix("x" * 5000)
