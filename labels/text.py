"""Fit free text (names, addresses, procedure names) into a fixed box on a label.

Order of resort: wrap at word boundaries, shrink the font step by step down to a minimum, then
cut the last line with "…". Widths are measured once at unit size and scaled, because reportlab
applies no kerning: a string's width is exactly proportional to the font size.

Measuring is pure Python in reportlab and was a fifth of a label batch's time, though most of it
repeats: the desk's name and address are on every label, procedure names and hamlets come from
short lists, and addresses share their words. Hence the two bounded caches below.
"""

import functools
from dataclasses import dataclass

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from labels.formatting import nfc

ELLIPSIS = "…"
SIZE_STEP = 0.5
LEADING = 1.2
"""Baseline-to-baseline distance per point of size; DejaVu's ascent + descent is 1.164."""


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    font: str
    size: float

    @property
    def leading(self) -> float:
        return self.size * LEADING

    @property
    def height(self) -> float:
        return len(self.lines) * self.leading

    def draw(self, canvas: Canvas, x: float, top: float) -> None:
        """Draw left-aligned with the top of the first line at ``top``."""
        text = canvas.beginText(x, top - self.size * 0.95)
        text.setFont(self.font, self.size, self.leading)
        for line in self.lines:
            text.textLine(line)
        canvas.drawText(text)


@functools.lru_cache(maxsize=2048)
def fit_text(
    text: str,
    font: str,
    width: float,
    height: float,
    max_size: float,
    min_size: float | None = None,
) -> FittedText:
    """The largest size (from ``max_size`` down to ``min_size``, default no shrinking) at which
    ``text`` wraps into ``width`` x ``height``; at the minimum, lines that do not fit are dropped
    and the last one kept ends with "…". At least one line is always kept. The result is shared
    between equal calls (it is frozen)."""
    min_size = max_size if min_size is None else min_size
    words = nfc(text).split()
    single_line = " ".join(words)
    if stringWidth(single_line, font, max_size) <= width and max_size * LEADING <= height:
        return FittedText((single_line,) if words else (), font, max_size)  # most names and phones
    unit_widths = [_unit_width(word, font) for word in words]
    space = _unit_width(" ", font)
    size = max_size
    while True:
        max_lines = max(1, int(height / (size * LEADING) + 1e-9))  # 2 x leading: 2 lines, not 1.999
        lines = _wrap(words, unit_widths, space, width / size, font)
        if len(lines) <= max_lines or size <= min_size:
            break
        size = max(min_size, size - SIZE_STEP)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _with_ellipsis(lines[max_lines - 1], font, width / size)]
    return FittedText(tuple(lines), font, size)


@functools.lru_cache(maxsize=8192)
def _unit_width(word: str, font: str) -> float:
    return stringWidth(word, font, 1)


def _wrap(words: list[str], widths: list[float], space: float, limit: float, font: str) -> list[str]:
    """Greedy word wrap; ``widths`` and ``limit`` are at unit size. Overlong words are split."""
    lines: list[str] = []
    current: list[str] = []
    current_width = 0.0
    for word, word_width in zip(words, widths, strict=True):
        if current and current_width + space + word_width <= limit:
            current.append(word)
            current_width += space + word_width
            continue
        if current:
            lines.append(" ".join(current))
        if word_width <= limit:
            current, current_width = [word], word_width
            continue
        *whole, rest = _split_word(word, font, limit)
        lines.extend(whole)
        current, current_width = [rest], stringWidth(rest, font, 1)
    if current:
        lines.append(" ".join(current))
    return lines


def _split_word(word: str, font: str, limit: float) -> list[str]:
    """Break a word wider than the line (a long number, a run without spaces) between letters."""
    pieces: list[str] = []
    piece = ""
    for char in word:
        if piece and stringWidth(piece + char, font, 1) > limit:
            pieces.append(piece)
            piece = ""
        piece += char
    pieces.append(piece)
    return pieces


def _with_ellipsis(line: str, font: str, limit: float) -> str:
    while line and stringWidth(line + ELLIPSIS, font, 1) > limit:
        line = line[:-1]
    return line.rstrip() + ELLIPSIS
