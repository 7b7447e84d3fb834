"""Article text out of HTML, and boilerplate kept out of summaries."""

from __future__ import annotations

from pathlib import Path

import pytest
from digest_helpers import AR_SENTENCES, article_page
from tarjama.errors import InputError
from tarjama.news.sources import read_article_file
from tarjama.nlp.boilerplate import strip_boilerplate
from tarjama.nlp.webtext import extract_html, extract_page, html_fragment_text


def test_fragment_keeps_paragraphs_and_drops_scripts() -> None:
    html = "<p>para one</p><p>para <b>two</b><br>line three</p><script>alert(1)</script>" \
           "<style>p{}</style><nav>menu</nav>tail"
    assert html_fragment_text(html) == "para one\npara two\nline three\ntail"
    assert html_fragment_text("") == "" and html_fragment_text("plain") == "plain"


def test_page_main_text_without_menus_bylines_or_read_also() -> None:
    title = "افتتاح محطة تحلية جديدة"
    page = article_page(title, AR_SENTENCES)
    extracted = extract_page(page, "http://news.test/a")
    assert extracted.title == title
    kept = strip_boilerplate(extracted.paragraphs, extracted.title)
    assert kept == AR_SENTENCES  # no h1 repeat, byline, "read also", share row, footer or menu


@pytest.mark.parametrize("page", [b"", b"<html><body><script>x()</script></body></html>"])
def test_page_without_text_is_an_item_error(page: bytes) -> None:
    with pytest.raises(InputError, match="no main text|HTML extraction failed"):
        extract_page(page)


def test_extract_html_tells_pages_from_fragments() -> None:
    assert extract_html("<p>short fragment</p>").paragraphs == ("short fragment",)
    with pytest.raises(InputError):
        extract_html("<p>  </p>")


def test_boilerplate_filter_both_languages() -> None:
    title = "عنوان الخبر الرئيسي اليوم"
    paragraphs = [
        title,
        "بقلم: أحمد علي",
        "كتب: محمد حسن",
        "اقرأ أيضاً: الجفاف يضرب المنطقة",
        "شاهد أيضا: فيديو الافتتاح",
        "أخبار ذات صلة",
        "النص الحقيقي الأول للخبر.",
        "شارك على فيسبوك تويتر واتساب",
        "جميع الحقوق محفوظة © 2026",
        "الصورة: أرشيفية",
        "By John Smith",
        "By the end of the year, the plant will serve two million people in the region.",
        "Read more: Drought hits the region",
        "Related: other story",
        "Share this article",
        "Advertisement",
        "Reporting by Ali Hassan; Editing by Bob Jones",
        "النص الحقيقي الأول للخبر.",  # repeated paragraph
        "https://news.test/other",
        "كتب الرئيس رسالة طويلة إلى البرلمان يشرح فيها أسباب القرار وتبعاته على الاقتصاد الوطني والمواطنين.",
    ]
    assert strip_boilerplate(paragraphs, title) == [
        "النص الحقيقي الأول للخبر.",
        "By the end of the year, the plant will serve two million people in the region.",
        "كتب الرئيس رسالة طويلة إلى البرلمان يشرح فيها أسباب القرار وتبعاته على الاقتصاد الوطني والمواطنين.",
    ]


def test_title_with_site_name_counts_as_repeat() -> None:
    assert strip_boilerplate(["Plant opens in the coastal city | Example News", "Body text here."],
                             "Plant opens in the coastal city") == ["Body text here."]


def test_article_files(tmp_path: Path) -> None:
    txt = tmp_path / "a.txt"
    txt.write_text("عنوان الخبر\n\nالنص الأول.\nالنص الثاني.\n", encoding="utf-8")
    assert read_article_file(txt).title == "عنوان الخبر"
    assert read_article_file(txt).paragraphs == ("النص الأول.", "النص الثاني.")
    no_title = tmp_path / "b.txt"
    no_title.write_text("A sentence that ends.\nAnother one.\n", encoding="utf-8")
    assert read_article_file(no_title).title == ""
    bad = tmp_path / "c.txt"
    bad.write_bytes(b"caf\xe9\n")
    with pytest.raises(InputError, match="invalid UTF-8 at byte 3"):
        read_article_file(bad)
    page = tmp_path / "d.html"
    page.write_bytes(article_page("عنوان", AR_SENTENCES))
    assert read_article_file(page).title == "عنوان"
