"""The one way every document of this package starts a reportlab canvas."""

from typing import BinaryIO

from reportlab.pdfbase.pdfdoc import PDFZCompress
from reportlab.pdfgen.canvas import Canvas

from labels.fonts import register_fonts


def new_canvas(out: BinaryIO, pagesize: tuple[float, float], title: str) -> Canvas:
    """A canvas writing to ``out`` with the bundled fonts registered and binary streams."""
    register_fonts()
    canvas = Canvas(out, pagesize=pagesize)
    use_binary_streams(canvas)
    canvas.setTitle(title)
    canvas.setCreator("postal-tracker")
    return canvas


def use_binary_streams(canvas: Canvas) -> None:
    """Flate-compress every stream without reportlab's default ASCII85 layer on top.

    ASCII85 is pure Python here (no rl_accel) and was ~15% of a label batch's time, and it
    makes each stream a quarter larger; 7-bit-safe PDFs have not been needed since PDF 1.2.
    With page compression off, every stream falls back to the document's default filters,
    which is the one per-document switch reportlab has (``rl_config.useA85`` is process-wide).
    """
    canvas.setPageCompression(0)
    canvas._doc.defaultStreamFilters = [PDFZCompress]  # type: ignore[attr-defined]  # private, not in the stubs
