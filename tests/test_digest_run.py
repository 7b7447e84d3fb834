"""The digest orchestrator with stand-in models: batching, de-duplication, failures, resume, cache."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from digest_helpers import (
    AR_SENTENCES,
    FakeTranslator,
    LeadSummarizer,
    ar_article,
    article_page,
    en_article,
)
from tarjama.errors import InputError, ModelNotFoundError
from tarjama.news.cache import ContentCache
from tarjama.news.digest import (
    DigestOptions,
    DigestStats,
    ExtractiveDigestSummarizer,
    detect_language,
    run_digest,
    summary_sentences,
)
from tarjama.news.feeds import Item, SourceFailure
from tarjama.news.fetch import Fetched
from tarjama.news.journal import Journal, read_records
from tarjama.nlp.document import Document


def ar_item(i: int, **kw: Any) -> Item:
    title, text = ar_article(i)
    return Item(**{"id": f"ar-{i}", "source": "feed-ar", "feed": "أخبار", "title": title, "text": text,
                   "url": f"http://news.test/ar/{i}", **kw})


def en_item(i: int, **kw: Any) -> Item:
    title, text = en_article(i)
    return Item(**{"id": f"en-{i}", "source": "feed-en", "feed": "News", "title": title, "text": text,
                   "url": f"http://news.test/en/{i}", **kw})


def digest(tmp_path: Path, entries: list[Any], *, translator: Any = None, summarizer: Any = None,
           cache: bool = False, name: str = "digest.jsonl", **options: Any) -> tuple[DigestStats, list[dict]]:
    out = tmp_path / name
    content_cache = ContentCache(tmp_path / "cache.sqlite") if cache else None
    fake = translator if translator is not None else FakeTranslator()
    fetch = options.pop("fetch", None)
    stop = options.pop("should_stop", lambda: False)
    with Journal.open(out) as journal:
        stats = run_digest(entries, journal, summarizer or LeadSummarizer(2),
                           translator=lambda: fake, options=DigestOptions(**options),
                           cache=content_cache, fetch=fetch, should_stop=stop)
    if content_cache is not None:
        content_cache.close()
    return stats, list(read_records(out))


def test_records_for_arabic_and_english_items(tmp_path: Path) -> None:
    fake = FakeTranslator()
    stats, records = digest(tmp_path, [ar_item(1, published="2026-11-02T08:00:00Z"), en_item(1)],
                            translator=fake)
    assert (stats.done, stats.failed) == (2, 0) and stats.all_ok
    en, ar = records  # English items are written before the batch's Arabic ones are translated
    assert ar["language"] == "ar" and en["language"] == "en"
    assert ar["title"] == ar_article(1)[0] and ar["title_en"].startswith("EN[")
    assert ar["summary"] == " ".join(ar_article(1)[1].split("\n")[:2])
    assert ar["summary_en"].count("EN[") == 2  # two summary sentences, each translated
    assert ar["models"]["translator"]["model"]["model"] == "fake"
    assert ar["models"]["summarizer"] == {"summarizer": "test-lead", "n": 2}
    assert ar["published"] == "2026-11-02T08:00:00Z" and ar["url"] == "http://news.test/ar/1"
    assert set(ar["timings"]) == {"prepare_s", "summarize_s", "translate_s"}
    assert en["title_en"] == en["title"] and en["summary_en"] == en["summary"]
    assert en["models"]["translator"] is None
    assert set(ar) >= {"id", "source", "url", "published", "language", "title", "title_en",
                       "summary_en", "method", "models", "timings", "warnings", "dedupe"}


def test_batches_span_articles(tmp_path: Path) -> None:
    fake = FakeTranslator()
    summarizer = LeadSummarizer(2)
    stats, records = digest(tmp_path, [ar_item(i) for i in range(10)], translator=fake,
                            summarizer=summarizer, batch_size=5)
    assert stats.done == 10
    assert summarizer.calls == [(5, "ar"), (5, "ar")]
    # One model call per batch, holding the title and two summary sentences of five articles.
    assert [len(call) for call in fake.calls] == [15, 15]


def test_english_items_never_open_the_translator(tmp_path: Path) -> None:
    def no_model() -> Any:
        raise AssertionError("the translator was opened for English items")

    out = tmp_path / "d.jsonl"
    with Journal.open(out) as journal:
        stats = run_digest([en_item(i) for i in range(3)], journal, LeadSummarizer(), translator=no_model)
    assert stats.done == 3


def test_model_that_cannot_load_stops_the_run(tmp_path: Path) -> None:
    def missing() -> Any:
        raise ModelNotFoundError("model x: no such directory")

    with Journal.open(tmp_path / "d.jsonl") as journal:
        with pytest.raises(ModelNotFoundError):
            run_digest([en_item(1), ar_item(1)], journal, LeadSummarizer(), translator=missing)
    assert [r["id"] for r in read_records(tmp_path / "d.jsonl")] == ["en-1"]  # kept for the rerun


def test_duplicates_by_guid_url_and_content(tmp_path: Path) -> None:
    base = ar_item(1, guid="g-1")
    same_guid = ar_item(2, guid="g-1", id="other-id")
    same_url = ar_item(3, url="http://NEWS.test/ar/1?utm_source=rss#x")
    same_text = Item(id="copy", source="feed-b", title=base.title, text=base.text, url="http://mirror.test/1")
    respelled = Item(id="copy2", source="feed-b", title=base.title.replace("عن", "عن "),
                     text=base.text.replace("إن", "ان"), url="http://mirror.test/2")
    stats, records = digest(tmp_path, [base, same_guid, same_url, same_text, respelled, ar_item(9)],
                            batch_size=3)
    assert [r["id"] for r in records] == ["ar-1", "ar-9"]
    assert stats.duplicates == 4


def test_failing_items_are_recorded_and_the_run_goes_on(tmp_path: Path) -> None:
    broken_html = Item(id="broken", source="s", title="عنوان", html="<html><body><script>x</script></body></html>")
    no_text = Item(id="link-only", source="s", title="عنوان", url="http://news.test/x")
    bad_json = Item(id="f.jsonl:3", source="f.jsonl", error="line 3: not valid JSON")
    latin_greek = Item(id="greek", source="s", title="Τίτλος", text="Αυτό είναι ένα ελληνικό κείμενο με λέξεις.")
    poison = ar_item(5, title="عنوان مسموم POISON")
    fake = FakeTranslator(fail_on="POISON")
    entries = [ar_item(1), broken_html, no_text, bad_json, latin_greek, poison, ar_item(2),
               SourceFailure("http://news.test/feed.xml", "HTTP 500 Internal Server Error")]
    stats, records = digest(tmp_path, entries, translator=fake, batch_size=10)
    assert [r["id"] for r in records] == ["ar-1", "ar-2"]
    assert (stats.done, stats.failed, stats.sources_failed) == (2, 5, 1) and not stats.all_ok
    errors = {e["id"]: e for e in read_records(tmp_path / "digest.errors.jsonl")}
    assert errors["broken"]["stage"] == "extract"
    assert "--fetch-articles" in errors["link-only"]["error"]
    assert errors["f.jsonl:3"]["stage"] == "input"
    assert "neither mostly Arabic" in errors["greek"]["error"]
    assert errors["ar-5"]["stage"] == "translate" and "model exploded" in errors["ar-5"]["error"]
    assert errors[None]["stage"] == "source"
    # The failed batch was retried item by item, so the good items still got translated.
    assert len(fake.calls) == 1 + 3


def test_a_summarizer_failure_is_isolated_to_its_item(tmp_path: Path) -> None:
    class Picky(LeadSummarizer):
        def summarize_many(self, documents: list[Document], lang: str) -> list[list[str]]:
            if any("رقم 2." in s.text for doc in documents for s in doc.sentences):
                raise ValueError("cannot summarize this one")
            return super().summarize_many(documents, lang)

    stats, records = digest(tmp_path, [ar_item(1), ar_item(2), ar_item(3)], summarizer=Picky())
    assert [r["id"] for r in records] == ["ar-1", "ar-3"] and stats.failed == 1


def test_rerun_skips_finished_items_and_retries_failed_ones(tmp_path: Path) -> None:
    fake = FakeTranslator(fail_on="POISON")
    items = [ar_item(1), ar_item(2, title="عنوان POISON"), ar_item(3)]
    first, _ = digest(tmp_path, items, translator=fake)
    assert (first.done, first.failed) == (2, 1)
    healed = FakeTranslator()
    second, records = digest(tmp_path, items, translator=healed)
    assert (second.done, second.failed, second.skipped) == (1, 0, 2)
    assert sorted(r["id"] for r in records) == ["ar-1", "ar-2", "ar-3"]
    third, records = digest(tmp_path, items, translator=healed)
    assert (third.done, third.skipped) == (0, 3) and len(records) == 3


def test_cache_makes_repeated_content_free(tmp_path: Path) -> None:
    fake = FakeTranslator()
    digest(tmp_path, [ar_item(1), ar_item(2)], translator=fake, cache=True, name="a.jsonl")
    assert fake.calls
    again = FakeTranslator()
    stats, records = digest(tmp_path, [ar_item(1), ar_item(2)], translator=again, cache=True, name="b.jsonl")
    assert again.calls == [] and stats.done == 2 and stats.cache_hits >= 2 + 6
    assert records[0]["summary_en"].startswith("EN[")


def test_identical_segments_are_translated_once_per_batch(tmp_path: Path) -> None:
    fake = FakeTranslator()
    a = ar_item(1)
    b = Item(id="b", source="s", title=a.title, text=ar_article(2)[1])  # same headline, other story
    digest(tmp_path, [a, b], translator=fake)
    (call,) = fake.calls
    assert call.count(a.title) == 1


def test_since_and_limit(tmp_path: Path) -> None:
    items = [ar_item(1, published="2026-10-01T00:00:00Z"), ar_item(2, published="2026-11-05T00:00:00Z"),
             ar_item(3), ar_item(4, published="2026-11-06"), ar_item(5)]
    since = datetime(2026, 11, 1, tzinfo=timezone.utc)
    stats, records = digest(tmp_path, items, since=since, limit=2)
    assert [r["id"] for r in records] == ["ar-2", "ar-3"]
    assert (stats.older, stats.deferred) == (1, 2)
    stats, records = digest(tmp_path, items, since=since, limit=2)
    assert [r["id"] for r in records] == ["ar-2", "ar-3", "ar-4", "ar-5"]


def test_stop_request_is_honoured_between_batches(tmp_path: Path) -> None:
    fake = FakeTranslator()
    stats, records = digest(tmp_path, [ar_item(i) for i in range(9)], translator=fake, batch_size=3,
                            should_stop=lambda: len(fake.calls) >= 1)
    assert stats.interrupted and stats.done == 3 and len(records) == 3


def test_progress_reaches_the_total(tmp_path: Path) -> None:
    events: list[tuple[str, int, int]] = []

    class Sink:
        def start(self, total: int) -> None:
            events.append(("start", total, 0))

        def advance(self, completed: int, failed: int) -> None:
            events.append(("advance", completed, failed))

    items = [ar_item(1), ar_item(1, id="same-text", url=None), Item(id="bad", source="s", error="broken"),
             *[ar_item(i) for i in range(2, 6)]]
    with Journal.open(tmp_path / "d.jsonl") as journal:
        run_digest(items, journal, LeadSummarizer(), translator=FakeTranslator,
                   options=DigestOptions(batch_size=3), progress=Sink())
    # The content duplicate is found in processing: it still counts towards the total.
    assert events == [("start", 7, 0), ("advance", 3, 1), ("advance", 6, 1), ("advance", 7, 1)]


def test_fetch_articles_uses_the_page_and_falls_back_to_the_feed_text(tmp_path: Path) -> None:
    pages = {"http://news.test/p/1": article_page("عنوان الصفحة", AR_SENTENCES)}

    def fetch(url: str) -> Fetched:
        if url not in pages:
            raise InputError(f"{url}: HTTP 404 Not Found")
        return Fetched(url, url, pages[url], "text/html")

    items = [
        Item(id="p1", source="s", url="http://news.test/p/1", title="", text="teaser only."),
        Item(id="p2", source="s", url="http://news.test/p/2", title="عنوان", text=ar_article(2)[1]),
        Item(id="p3", source="s", url="http://news.test/p/3", title="عنوان"),
    ]
    stats, records = digest(tmp_path, items, fetch=fetch, fetch_articles=True, fetch_workers=2)
    by_id = {r["id"]: r for r in records}
    assert by_id["p1"]["title"] == "عنوان الصفحة"
    assert by_id["p1"]["summary"] == " ".join(AR_SENTENCES[:2])  # the page's text, boilerplate gone
    assert any("article page not used" in w for w in by_id["p2"]["warnings"])
    errors = list(read_records(tmp_path / "digest.errors.jsonl"))
    assert [(e["id"], e["stage"]) for e in errors] == [("p3", "fetch")]


def test_folder_items_are_read_when_processed(tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("عنوان الخبر\n" + ar_article(1)[1] + "\n", encoding="utf-8")
    (folder / "b.txt").write_bytes(b"\xff\xfe")
    items = [Item(id=str(p.resolve()), source=str(folder), path=str(p)) for p in sorted(folder.iterdir())]
    stats, records = digest(tmp_path, items)
    assert records[0]["title"] == "عنوان الخبر" and stats.failed == 1


def test_language_detection_and_summary_shapes() -> None:
    assert detect_language("هذا نص عربي طويل فيه كلمة English") == "ar"
    assert detect_language("An English text مع كلمة") == "en"
    assert detect_language("12345 !!!") is None
    assert summary_sentences("one.\ntwo.") == ["one.", "two."]
    assert summary_sentences(["a", " b "]) == ["a", "b"]

    class WithSentences:
        sentences = ("x.", "y.")

    assert summary_sentences(WithSentences()) == ["x.", "y."]
    doc = Document.from_paragraphs([" ".join(AR_SENTENCES)], source_lang="ar")
    assert ExtractiveDigestSummarizer(2).summarize_many([doc], "ar")[0]
