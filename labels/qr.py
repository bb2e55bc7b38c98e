"""QR Code (ISO/IEC 18004) for links: byte mode, error correction level M, one fixed mask.

A general encoder (segno) spent ~3 ms a symbol, most of a label's budget at 300 labels/s: it
rebuilds the finder, timing and alignment patterns and walks the zigzag for every symbol, and
does Reed-Solomon and bit packing one bit at a time. Here everything that depends only on the
version is built once (``_layout``), and a symbol is a few integer operations plus one gather,
~0.15 ms. From the same codewords it makes segno's matrices module for module (tests/labels/
test_qr.py checks every version). segno also writes a zero byte after the terminator, which no
decoder reads: the symbols differ from segno's in their data modules, not in what they say.
"""

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter

MASK = 3
"""Data mask 3, (row + column) % 3 == 0. Scoring all eight masks costs more than the rest of the
encoding; any mask is valid (the format information names it, decoders just read it), and on
sampled tracking links mask 3 scored among the best by segno's penalty score."""

# Error correction level M, versions 1 to 40 (ISO/IEC 18004 table 9): EC codewords per block and
# number of blocks. The codewords a version holds follow from its layout; blocks that do not
# divide them evenly come first and are one data codeword shorter.
_EC_PER_BLOCK = (10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
                 26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28)  # fmt: skip
_BLOCKS = (1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
           17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49)  # fmt: skip
MAX_VERSION = 40

_FORMAT_M = 0b00  # the two bits that name level M in the format information
_MODE_BYTE = 0b0100
_PAD = b"\xec\x11"


@dataclass(frozen=True)
class _Layout:
    """What every symbol of one version shares."""

    size: int  # modules a side
    data_codewords: int
    ec_per_block: int
    blocks: tuple[tuple[int, int], ...]  # start and end of each block in the data codewords
    mask: int  # the data mask over the codewords' bits in stream order, one byte a bit, as an int
    template: bytes  # function patterns, format and version information, remainder bits: all fixed
    gather: Callable[[bytes], tuple[int, ...]]
    """Picks the matrix, row by row, from the codewords' masked bits (data, then error correction,
    block after block, which is where the interleaving happens) followed by ``template``."""


def qr_matrix(data: str) -> tuple[bytes, ...]:
    """The smallest level-M symbol of ``data`` (as UTF-8), one byte per module (1 = dark) per row,
    without the quiet zone."""
    payload = data.encode()
    for version in range(1, MAX_VERSION + 1):
        if _stream_bits(payload, version) <= 8 * _layout(version).data_codewords:
            return _symbol(_with_padding(_stream(payload, version), version), version)
    raise ValueError(f"{len(payload)} bytes are more than a QR code holds at level M")


def _stream_bits(payload: bytes, version: int) -> int:
    """Mode indicator, character count and data, without the terminator."""
    return 4 + _count_bits(version) + 8 * len(payload)


def _count_bits(version: int) -> int:
    return 8 if version < 10 else 16


def _stream(payload: bytes, version: int) -> bytes:
    """Mode, count, data and the 4-bit terminator. These are always whole bytes and the
    terminator always fits: the first three end 4 bits short of a byte, capacities are bytes."""
    count_bits = _count_bits(version)
    header = (_MODE_BYTE << count_bits | len(payload)) << 8 * len(payload)
    return ((header | int.from_bytes(payload)) << 4).to_bytes((_stream_bits(payload, version) + 4) // 8)


def _with_padding(stream: bytes, version: int) -> bytes:
    padding = _layout(version).data_codewords - len(stream)
    return stream + _PAD * (padding // 2) + _PAD[: padding % 2]


def _symbol(data_codewords: bytes, version: int) -> tuple[bytes, ...]:
    layout = _layout(version)
    error_correction = [_reed_solomon(data_codewords[start:end], layout.ec_per_block) for start, end in layout.blocks]
    codewords = data_codewords + b"".join(error_correction)
    bits = b"".join(map(_BYTE_BITS.__getitem__, codewords))
    masked = (int.from_bytes(bits) ^ layout.mask).to_bytes(len(bits))
    cells = bytes(layout.gather(masked + layout.template))
    size = layout.size
    return tuple(cells[row : row + size] for row in range(0, size * size, size))


def _reed_solomon(block: bytes, degree: int) -> bytes:
    """The remainder of ``block`` x^degree divided by the generator, as a shift register held in
    one integer: one table look-up and three integer operations per data codeword."""
    products = _generator_products(degree)
    top, width = 8 * (degree - 1), (1 << 8 * degree) - 1
    remainder = 0
    for codeword in block:
        remainder = ((remainder << 8) & width) ^ products[(remainder >> top) ^ codeword]
    return remainder.to_bytes(degree)


def _gf256_tables() -> tuple[list[int], list[int]]:
    """Powers of 2 (twice over, so that sums of two logarithms need no modulo) and logarithms in
    GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1."""
    exp, log = [0] * 510, [0] * 256
    value = 1
    for power in range(255):
        exp[power] = exp[power + 255] = value
        log[value] = power
        value = (value << 1) ^ (0x11D if value & 0x80 else 0)
    return exp, log


_EXP, _LOG = _gf256_tables()


def _multiply(a: int, b: int) -> int:
    return 0 if a == 0 or b == 0 else _EXP[_LOG[a] + _LOG[b]]


@functools.cache
def _generator_products(degree: int) -> tuple[int, ...]:
    """For every byte f, f times the generator's coefficients (leading 1 left out), as one int."""
    generator = [1]  # coefficients, highest power first: (x - a^0)(x - a^1)...(x - a^(degree-1))
    for power in range(degree):
        root = _EXP[power]
        generator = [*generator, 0]
        for i in range(len(generator) - 1, 0, -1):
            generator[i] ^= _multiply(generator[i - 1], root)
    return tuple(int.from_bytes(bytes(_multiply(f, c) for c in generator[1:])) for f in range(256))


_BYTE_BITS = [bytes((byte >> shift) & 1 for shift in range(7, -1, -1)) for byte in range(256)]


def _mask(cell: int, size: int) -> int:
    return 1 if (cell // size + cell % size) % 3 == 0 else 0


@functools.cache
def _layout(version: int) -> _Layout:
    size = 17 + 4 * version
    template, taken = _build(version)
    order = _placement_order(size, taken)
    blocks, ec_per_block = _BLOCKS[version - 1], _EC_PER_BLOCK[version - 1]
    codewords = len(order) // 8
    short_blocks, short_length = blocks - codewords % blocks, codewords // blocks
    data_lengths = [short_length - ec_per_block + (i >= short_blocks) for i in range(blocks)]
    starts = [sum(data_lengths[:i]) for i in range(blocks + 1)]
    data_codewords = starts[-1]

    # The order codewords are placed in: the first data codeword of every block, the second...,
    # then the same for the error correction codewords, which follow the data in stream order.
    interleaved = [starts[b] + i for i in range(max(data_lengths)) for b in range(blocks) if i < data_lengths[b]]
    interleaved += [data_codewords + b * ec_per_block + i for i in range(ec_per_block) for b in range(blocks)]
    bit_cells = [0] * (8 * codewords)  # the cell each bit of the stream goes to
    for placed, codeword in enumerate(interleaved):
        for bit in range(8):
            bit_cells[8 * codeword + bit] = order[8 * placed + bit]
    bit_of_cell = {cell: i for i, cell in enumerate(bit_cells)}
    # Remainder bits (0 to 7 cells after the last codeword) are zeros, masked like the data.
    for cell in order[8 * codewords :]:
        template[cell] = _mask(cell, size)
    return _Layout(
        size=size,
        data_codewords=data_codewords,
        ec_per_block=ec_per_block,
        blocks=tuple(itertools.pairwise(starts)),
        mask=int.from_bytes(bytes(_mask(cell, size) for cell in bit_cells)),
        template=bytes(template),
        gather=itemgetter(*(bit_of_cell.get(cell, len(bit_cells) + cell) for cell in range(size * size))),
    )


def _build(version: int) -> tuple[bytearray, bytearray]:
    """The function patterns, format and version information of ``version`` (dark = 1), and
    which cells they take (1 = taken), both row by row."""
    size = 17 + 4 * version
    dark = bytearray(size * size)
    taken = bytearray(size * size)

    def put(row: int, column: int, is_dark: bool | int) -> None:
        dark[row * size + column] = 1 if is_dark else 0
        taken[row * size + column] = 1

    for i in range(size):  # timing patterns
        put(6, i, i % 2 == 0)
        put(i, 6, i % 2 == 0)
    for row, column in ((3, 3), (3, size - 4), (size - 4, 3)):  # finders with their separators
        for dy in range(-4, 5):
            for dx in range(-4, 5):
                if 0 <= row + dy < size and 0 <= column + dx < size:
                    ring = max(abs(dx), abs(dy))
                    put(row + dy, column + dx, ring not in (2, 4))
    centres = _alignment_centres(version)
    last = len(centres) - 1
    for i, row in enumerate(centres):
        for j, column in enumerate(centres):
            if (i, j) in ((0, 0), (0, last), (last, 0)):
                continue  # where the finders are
            for dy in range(-2, 3):
                for dx in range(-2, 3):
                    put(row + dy, column + dx, max(abs(dx), abs(dy)) != 1)

    format_bits = _bch(_FORMAT_M << 3 | MASK, 0x537, 10) ^ 0x5412
    for i in range(15):
        bit = format_bits >> i & 1
        # Around the top-left finder...
        if i < 6:
            put(i, 8, bit)
        elif i < 8:
            put(i + 1, 8, bit)
        elif i == 8:
            put(8, 7, bit)
        else:
            put(8, 14 - i, bit)
        # ...and split between the other two.
        if i < 8:
            put(8, size - 1 - i, bit)
        else:
            put(size - 15 + i, 8, bit)
    put(size - 8, 8, 1)  # the dark module

    if version >= 7:
        version_bits = _bch(version, 0x1F25, 12)
        for i in range(18):
            bit = version_bits >> i & 1
            near, far = i // 3, size - 11 + i % 3
            put(near, far, bit)
            put(far, near, bit)
    return dark, taken


def _bch(value: int, generator: int, degree: int) -> int:
    """``value`` followed by its BCH check bits."""
    remainder = value
    for _ in range(degree):
        remainder = (remainder << 1) ^ ((remainder >> (degree - 1)) * generator)
    return value << degree | remainder


def _alignment_centres(version: int) -> list[int]:
    if version == 1:
        return []
    count = version // 7 + 2
    step = (version * 8 + count * 3 + 5) // (count * 4 - 4) * 2
    last = 17 + 4 * version - 7
    return [6, *reversed([last - i * step for i in range(count - 1)])]


def _placement_order(size: int, taken: bytearray) -> list[int]:
    """The free cells in codeword order: two-column strips from the right, up then down,
    skipping the vertical timing pattern."""
    order = []
    for right in range(size - 1, 0, -2):
        if right <= 6:
            right -= 1
        upward = (right + 1) & 2 == 0
        for step in range(size):
            row = size - 1 - step if upward else step
            for column in (right, right - 1):
                cell = row * size + column
                if not taken[cell]:
                    order.append(cell)
    return order
