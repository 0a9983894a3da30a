"""Thai marks mended on scanned prose (``parsers.thaispell``): the misreadings Tesseract makes
of the form's free text are mended, text that is already Thai words is left alone, and names
and abbreviations are not "corrected" into commoner words."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parsers import thaispell

MISREAD = {
    "ต้นรวงผึ่ง ต้นอินทนิล": "ต้นรวงผึ้ง ต้นอินทนิล",  # mai ek for mai tho
    "ขอให้มีกำรอบรมรุกขกรให้เจ้าหน้าทีท้องถิน": "ขอให้มีการอบรมรุกขกรให้เจ้าหน้าที่ท้องถิ่น",
    "ต้นไม้ทีปลูกตายบางส่วน": "ต้นไม้ที่ปลูกตายบางส่วน",  # a tone mark lost
    "ม่ะฮอกกานี": "มะฮอกกานี",  # a tone mark added
    "ท้องถินสีเขียว ร่วมใจปลูกต้นไม้": "ท้องถิ่นสีเขียว ร่วมใจปลูกต้นไม้",
    "อบรมการดูแลรักษาต้นไม้ใหญ่๋": "อบรมการดูแลรักษาต้นไม้ใหญ่",
}

CORRECT = [
    "ควรสนับสนุนกล้าไม้และงบประมาณ",  # ไม้ must not become the commoner ไม่
    "และจัดทำคู่มือการจัดเก็บข้อมูล",
    "การระบาดของโรคโควิด-19 ทำให้จัดกิจกรรมไม่ได้",
    "ปรับปรุงภูมิทัศน์ริมถนนสายหลัก",
    "ยางนา ตะแบก",
    "ประดู่ ราชพฤกษ์",
    "ปลัดองค์การบริหารส่วนตำบล",
    "นักวิเคราะห์นโยบายและแผน",
    "ขอให้ อบต. และ ทต. จัดอบรม",  # abbreviations before their full stop
    "พื้นที่ 2 ไร่ 3 งาน 40 ตร.ว.",
]


def test_misread_marks_are_mended() -> None:
    for read, meant in MISREAD.items():
        assert thaispell.mended(read) == meant


def test_correct_text_is_left_alone() -> None:
    for text in CORRECT:
        assert thaispell.mended(text) == text


COMMON = sorted(word for word, cost in thaispell.lexicon()[0].items() if cost < 9)
MARKS = "ัิีึื็ุู่้๊๋์"


def letters(text: str) -> str:
    return "".join(char for char in text if char not in MARKS).replace("ำ", "า")


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(COMMON), min_size=1, max_size=4),
    st.lists(st.tuples(st.integers(0, 40), st.sampled_from(MARKS)), max_size=3),
)
def test_only_marks_are_mended(words: list[str], noise: list[tuple[int, str]]) -> None:
    """Whatever the text (common words, marks lost or added at random), mending puts marks
    in or takes them out and may take sara am for sara aa: the letters stay as OCR read them.
    (It is a unigram model: about 1 % of random runs of common words are changed into
    commoner ones - ม้า into มา - which is why it mends OCR'd prose only, never names.)"""
    text = "".join(words)
    for at, mark in noise:
        at = at % (len(text) + 1)
        text = text[:at] + mark + text[at:]
    assert letters(thaispell.mended(text)) == letters(text)


def test_the_split_explains_every_letter() -> None:
    cost, words = thaispell.split_cost("ขาดแคลนน้ำในฤดูแล้ง")
    assert "".join(words) == "ขาดแคลนน้ำในฤดูแล้ง"
    assert words[:2] == ("ขาดแคลน", "น้ำ")
    assert cost < thaispell.split_cost("ขาดแคลนนำในฤดูแล้งก")[0]
