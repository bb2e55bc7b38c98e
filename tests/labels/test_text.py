"""Fitting text into a box: wrap, then shrink, then cut, and never leave the box."""

from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase.pdfmetrics import stringWidth

from labels.fonts import FONT_BOLD, FONT_REGULAR, register_fonts
from labels.text import ELLIPSIS, LEADING, fit_text

register_fonts()

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyáàảãạắằẳẵặấầẩẫậéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ"
words = st.text(alphabet=VIETNAMESE + VIETNAMESE.upper() + "0123456789,./-", min_size=1, max_size=25)
texts = st.lists(words, max_size=60).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(
    text=texts,
    font=st.sampled_from([FONT_REGULAR, FONT_BOLD]),
    width=st.floats(min_value=60, max_value=300),
    height=st.floats(min_value=10, max_value=120),
    max_size=st.sampled_from([8.0, 10.0, 13.0, 28.0]),
)
def test_fitted_text_never_leaves_its_box(text, font, width, height, max_size):
    fitted = fit_text(text, font, width, height, max_size, 6)
    assert 6 <= fitted.size <= max_size
    for line in fitted.lines:
        assert stringWidth(line, font, fitted.size) <= width + 1e-6
    assert len(fitted.lines) <= 1 or len(fitted.lines) * fitted.size * LEADING <= height + 1e-6
    if fitted.lines and fitted.lines[-1].endswith(ELLIPSIS):
        assert fitted.size == 6  # cut only once shrinking is exhausted
    else:
        # Nothing lost (an overlong word may have been broken between letters).
        assert "".join("".join(fitted.lines).split()) == "".join(text.split())


def test_short_text_keeps_its_largest_size_on_one_line():
    fitted = fit_text("Phước Lăng", FONT_BOLD, 260, 40, 28, 12)
    assert fitted.lines == ("Phước Lăng",)
    assert fitted.size == 28


def test_text_shrinks_before_it_is_cut():
    text = "Số 12, tổ 3, Ấp Phước Lăng, xã Tam Phước, huyện Long Điền, tỉnh Bà Rịa - Vũng Tàu"
    fitted = fit_text(text, FONT_REGULAR, 200, 25, 10, 6)
    assert fitted.size < 10
    assert " ".join(fitted.lines) == text


def test_a_word_wider_than_the_box_is_broken_between_letters():
    fitted = fit_text("X" * 80, FONT_REGULAR, 100, 200, 10)
    assert "".join(fitted.lines) == "X" * 80
    assert all(stringWidth(line, FONT_REGULAR, 10) <= 100 for line in fitted.lines)


def test_empty_text_draws_no_line():
    assert fit_text("  ", FONT_REGULAR, 100, 20, 10).lines == ()
