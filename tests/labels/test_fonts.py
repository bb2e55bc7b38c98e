from reportlab.pdfbase import pdfmetrics

from labels.fonts import FONT_BOLD, FONT_DIR, FONT_REGULAR, register_fonts


def test_fonts_ship_inside_the_package_with_their_licence():
    assert {p.name for p in FONT_DIR.glob("*.ttf")} == {"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}
    assert "Bitstream Vera" in (FONT_DIR / "LICENSE.txt").read_text()


def test_registration_is_idempotent_and_reuses_the_parsed_font():
    register_fonts()
    font = pdfmetrics.getFont(FONT_REGULAR)
    register_fonts()
    assert pdfmetrics.getFont(FONT_REGULAR) is font
    assert {FONT_REGULAR, FONT_BOLD} <= set(pdfmetrics.getRegisteredFontNames())


def test_every_vietnamese_letter_has_a_glyph():
    register_fonts()
    letters = "ăâđêôơưáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
    for name in (FONT_REGULAR, FONT_BOLD):
        widths = pdfmetrics.getFont(name).face.charWidths
        missing = [c for c in letters + letters.upper() if ord(c) not in widths]
        assert not missing, (name, missing)
