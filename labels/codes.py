"""Code 128 and QR symbols drawn as vector paths, sized in whole printer dots.

Both symbols are written as raw PDF path operators in one ``q … cm … re … f Q`` block: the
transform scales one module to one unit, so every rectangle has small integer coordinates.
That is both the fastest way through reportlab (no per-shape objects, no float formatting) and
the smallest output: PNG codes make a label ~4x larger, and reportlab's QrCodeWidget (one shape
per module) is ~50x slower. bench/labels_bench.py measures the result.
"""

import functools
import re
from dataclasses import dataclass

import zxingcpp
from barcode import Code128
from reportlab.pdfgen.canvas import Canvas

DOT = 72 / 203
"""One dot of a 203 dpi thermal printer, in points. Modules are whole dots so bars print crisp."""

CODE128_QUIET = 10
"""Light modules required on each side of a Code 128 symbol (ISO/IEC 15417)."""

CODE128_DOTS = (4, 3)
"""Preferred module widths; zxing decodes 3-dot modules at 203 dpi, 4 leave room for wear."""

QR_QUIET = 4
"""Light modules required around a QR symbol (ISO/IEC 18004)."""

QR_MIN_DOTS = 3

_BITS = bytes.maketrans(b"01", b"\x00\x01")
_PIXEL_TO_MODULE = bytes.maketrans(b"\x00\xff", b"\x01\x00")
_DARK_RUN = re.compile(rb"\x01+")


@dataclass(frozen=True)
class Code128Symbol:
    modules: bytes  # one byte per module, 1 = dark, without quiet zones
    module: float  # width of one module, pt

    @property
    def width(self) -> float:
        """Width including both quiet zones."""
        return (len(self.modules) + 2 * CODE128_QUIET) * self.module

    def draw(self, canvas: Canvas, x: float, y: float, height: float) -> None:
        """Draw with the left edge of the quiet zone at ``x`` and the bars' bottom at ``y``."""
        start = _snap(x) + CODE128_QUIET * self.module
        _fill_modules(canvas, (self.modules,), start, y, self.module, height)


@dataclass(frozen=True)
class QrSymbol:
    rows: tuple[bytes, ...]  # one byte per module, 1 = dark, without quiet zone
    module: float  # side of one module, pt

    @property
    def size(self) -> float:
        """Side including the quiet zone."""
        return (len(self.rows) + 2 * QR_QUIET) * self.module

    def draw(self, canvas: Canvas, x: float, y: float) -> None:
        """Draw with the bottom-left corner of the quiet zone at (``x``, ``y``)."""
        quiet = QR_QUIET * self.module
        # Rows count downwards from the top edge of the symbol, hence the negative height.
        _fill_modules(canvas, self.rows, _snap(x) + quiet, _snap(y) + self.size - quiet, self.module, -self.module)


def code128(data: str, max_width: float) -> Code128Symbol:
    """The Code 128 symbol of ``data`` with the widest whole-dot module that fits ``max_width``."""
    modules = Code128(data).build()[0].encode().translate(_BITS)
    for dots in CODE128_DOTS:
        symbol = Code128Symbol(modules, dots * DOT)
        if symbol.width <= max_width:
            return symbol
    raise ValueError(f"Code 128 of {data!r} needs more than {max_width:.0f} pt to print readably")


def qr_matrix(data: str) -> tuple[bytes, ...]:
    """The smallest QR symbol of ``data`` at error correction M, one byte a module (1 = dark) a
    row, without the quiet zone. zxing-cpp encodes it in C++: ~0.2 ms, where segno took ~3 ms,
    most of a label's budget at 300 labels/s."""
    try:
        barcode = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    except ValueError as exc:  # more than a version 40 symbol holds
        raise ValueError(f"QR code of {len(data)} characters: {exc}") from exc
    image = barcode.to_image(scale=1, add_quiet_zones=False)  # one pixel a module, 0 = dark
    side = image.shape[0]
    # The Image has the buffer protocol; zxing-cpp's type stub does not say so.
    pixels = bytes(memoryview(image)).translate(_PIXEL_TO_MODULE)  # type: ignore[arg-type]
    return tuple(pixels[start : start + side] for start in range(0, side * side, side))


def qr_code(data: str, max_size: float) -> QrSymbol:
    """The QR symbol of ``data`` (error correction M) with the largest whole-dot module that fits."""
    rows = qr_matrix(data)
    dots = int(max_size / ((len(rows) + 2 * QR_QUIET) * DOT))
    if dots < QR_MIN_DOTS:
        raise ValueError(f"QR code of a {len(data)}-character link does not fit in {max_size:.0f} pt")
    return QrSymbol(rows, dots * DOT)


def _snap(value: float) -> float:
    """Round to the dot grid, so module edges fall on printer dots when the page origin does."""
    return round(value / DOT) * DOT


def _fill_modules(
    canvas: Canvas, rows: tuple[bytes, ...], x: float, y: float, module: float, row_height: float
) -> None:
    """Fill the dark runs of ``rows`` as one path, one unit = one module wide and one row high."""
    columns = len(rows[0]) + 1  # with the light module that joins one row to the next
    corners, widths = _run_operands(columns, len(rows))
    runs = [corners[run.start()] + widths[run.end() - run.start()] for run in _DARK_RUN.finditer(b"\0".join(rows))]
    canvas.addLiteral("\n".join([f"q 0 g {module:.4f} 0 0 {row_height:.4f} {x:.4f} {y:.4f} cm", *runs, "f Q"]))


@functools.lru_cache(maxsize=16)
def _run_operands(columns: int, rows: int) -> tuple[list[str], list[str]]:
    """``x y `` for each module of the joined rows, and ``w 1 re`` for each run width, written
    out once per symbol size: formatting the numbers was half the time of drawing a QR code."""
    corners = [f"{i % columns} {i // columns} " for i in range(columns * rows)]
    return corners, [f"{width} 1 re" for width in range(columns + 1)]
