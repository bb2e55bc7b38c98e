"""The bundled Unicode font (DejaVu Sans, full Vietnamese coverage), registered with reportlab once.

The TTF files ship inside the package (labels/fonts/, licence in LICENSE.txt) so a PDF never
depends on what the host has installed. reportlab embeds each font as a subset per document,
with a ToUnicode map, so the text stays extractable.

Reuse: call ``register_fonts()`` before drawing, then use ``FONT_REGULAR`` / ``FONT_BOLD``
(canvas) or ``FONT_FAMILY`` with ``<b>`` (platypus paragraphs).
"""

import threading
from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).with_name("fonts")
FONT_REGULAR = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_FAMILY = FONT_REGULAR

_FILES = {FONT_REGULAR: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}
_lock = threading.Lock()
_registered = False


def register_fonts() -> None:
    """Register the bundled faces and their family mapping; cheap and safe to call every time.

    Parsing a TTF takes tens of milliseconds, so it happens once per process, not per document.
    """
    global _registered
    if _registered:
        return
    with _lock:
        if _registered:
            return
        for name, filename in _FILES.items():
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
        # No italic faces are bundled (size); italic requests fall back to the upright ones.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(FONT_FAMILY, bold, italic, FONT_BOLD if bold else FONT_REGULAR)
        _registered = True
