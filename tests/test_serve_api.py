"""The HTTP API in-process (Starlette's TestClient): LibreTranslate's request and answer
shapes as its clients send them, tarjama's own endpoints, and every error path as a JSON body.

The translator is a stand-in with Seq2SeqTranslator's interface (serve_helpers.FakeSeq2Seq:
each word becomes w<length>), so answers are exact; test_serve_live.py runs a tiny real model.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest
from digest_helpers import LocalServer, Route
from serve_helpers import FakeSeq2Seq
from starlette.testclient import TestClient

import tarjama
from tarjama.serve.app import create_app
from tarjama.serve.service import Service, ServeSettings

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "article.ar.txt"
AR = "ذهب الرئيس إلى المدينة."


def client_for(*models: FakeSeq2Seq, summarizers: dict[str, Any] | None = None,
               **settings: Any) -> TestClient:
    service = Service({(m.source_lang, m.target_lang): m for m in (models or (FakeSeq2Seq(),))},
                      ServeSettings(**settings), summarizers=summarizers)
    return TestClient(create_app(service), raise_server_exceptions=False)


@pytest.fixture
def client() -> Iterator[TestClient]:
    with client_for() as c:
        yield c


def error(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error"} and "Traceback" not in body["error"]
    return body["error"]


# --- LibreTranslate: requests as its clients send them --------------------------------------


def test_translate_string_and_list_in_json_and_form(client: TestClient) -> None:
    r = client.post("/translate", json={"q": AR, "source": "ar", "target": "en", "format": "text"})
    assert r.status_code == 200 and r.json() == {"translatedText": "w3 w6 w3 w8"}
    r = client.post("/translate", json={"q": [AR, "", "2026", "قال"], "source": "ar", "target": "en"})
    assert r.json() == {"translatedText": ["w3 w6 w3 w8", "", "2026", "w3"]}
    r = client.post("/translate", data={"q": AR, "source": "ar", "target": "en"})
    assert r.json() == {"translatedText": "w3 w6 w3 w8"}
    r = client.post("/translate", files={"q": (None, AR), "source": (None, "ar"),
                                         "target": (None, "en")})
    assert r.json() == {"translatedText": "w3 w6 w3 w8"}
    r = client.post("/translate", params={"q": AR, "source": "ar", "target": "en"})
    assert r.json() == {"translatedText": "w3 w6 w3 w8"}
    # A form field given twice is a list, as a JSON list is.
    r = client.post("/translate", content="q=%D9%82%D8%A7%D9%84&q=2026&source=ar&target=en",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.json() == {"translatedText": ["w3", "2026"]}


def test_lines_and_blank_lines_are_kept(client: TestClient) -> None:
    text = "سطر أول\n\nسطر ثان طويل\r\n  \n2026\n"
    r = client.post("/translate", json={"q": text, "source": "ar", "target": "en"})
    assert r.json()["translatedText"] == "w3 w3\n\nw3 w3 w4\n  \n2026\n"


def test_auto_source_and_detect(client: TestClient) -> None:
    r = client.post("/translate", json={"q": AR, "source": "auto", "target": "en"})
    assert r.json() == {"translatedText": "w3 w6 w3 w8",
                        "detectedLanguage": {"confidence": 100.0, "language": "ar"}}
    r = client.post("/translate", json={"q": [AR, "قال"], "source": "auto", "target": "en"})
    assert r.json()["detectedLanguage"] == [{"confidence": 100.0, "language": "ar"}] * 2
    # English text to English: as LibreTranslate, the text comes back as it was.
    r = client.post("/translate", json={"q": "Hello there", "source": "auto", "target": "en"})
    assert r.json() == {"translatedText": "Hello there",
                        "detectedLanguage": {"confidence": 100.0, "language": "en"}}
    r = client.post("/detect", data={"q": "قال BBC إن"})
    assert r.json() == [{"confidence": 62.5, "language": "ar"}, {"confidence": 37.5, "language": "en"}]
    assert client.post("/detect", json={"q": "12 345"}).json() == [{"confidence": 0.0, "language": "en"}]


def test_alternatives_are_accepted_and_empty(client: TestClient) -> None:
    r = client.post("/translate", json={"q": AR, "source": "ar", "target": "en", "alternatives": 3})
    assert r.json() == {"translatedText": "w3 w6 w3 w8", "alternatives": []}
    r = client.post("/translate", json={"q": [AR], "source": "ar", "target": "en", "alternatives": "2"})
    assert r.json()["alternatives"] == [[]]


def test_html_keeps_markup_and_translates_sentences_whole(client: TestClient) -> None:
    html = '<p>قال <a href="https://example.org/x?a=1&amp;b=2">الوزير</a> إن <b>المشروع</b> مهم.</p><ul><li>بند <em>أول</em></li></ul>'
    r = client.post("/translate", json={"q": html, "source": "ar", "target": "en", "format": "html"})
    assert r.json()["translatedText"] == ('<p>w3 <a href="https://example.org/x?a=1&amp;b=2">w6</a> '
                                          'w2 <b>w7</b> w4</p><ul><li>w3 <em>w3</em></li></ul>')
    model = client.app.state.service.batchers[("ar", "en")].model
    assert ["w3 w6 w2 w7 w4"] != model.calls[-1] and "قال الوزير إن المشروع مهم." in model.calls[-1]


def test_client_request_shapes_from_their_source(client: TestClient) -> None:
    # SubtitleEdit (src/libse/AutoTranslate/LibreTranslate.cs): a JSON body it writes by hand,
    # string q, no format; reads translatedText. Subtitles keep their two lines.
    body = '{"q": "' + "سطر أول\\nسطر ثان" + '", "source": "ar", "target": "en"}'
    r = client.post("/translate", content=body.encode(), headers={
        "content-type": "application/json", "accept": "application/json"})
    assert r.json() == {"translatedText": "w3 w3\nw3 w3"}
    # i18n-ally (src/translators/engines/libretranslate.ts): axios JSON, source auto.
    r = client.post("/translate", json={"q": "قال", "source": "auto", "target": "en"})
    assert r.json()["translatedText"] == "w3"
    # wagtail-localize (machine_translators/libretranslate.py): json.dumps'd list of HTML
    # strings, format html, api_key None when none is configured.
    body = json.dumps({"q": ["<p>نص <b>قصير</b></p>", "عنوان"], "source": "ar", "target": "en",
                       "api_key": None, "format": "html"})
    r = client.post("/translate", content=body, headers={"Content-Type": "application/json"})
    assert r.json() == {"translatedText": ["<p>w2 <b>w4</b></p>", "w5"]}
    # A browser's fetch() with a string body and no headers sends text/plain.
    r = client.post("/translate", content=json.dumps({"q": "قال", "source": "ar", "target": "en"}),
                    headers={"content-type": "text/plain;charset=UTF-8"})
    assert r.json() == {"translatedText": "w3"}


def test_languages_and_the_other_direction() -> None:
    with client_for(FakeSeq2Seq(), FakeSeq2Seq("en", "ar")) as c:
        assert c.get("/languages").json() == [
            {"code": "ar", "name": "Arabic", "targets": ["ar", "en"]},
            {"code": "en", "name": "English", "targets": ["ar", "en"]}]
        r = c.post("/translate", json={"q": "The plant", "source": "en", "target": "ar"})
        assert r.json() == {"translatedText": "w3 w5"}
    with client_for() as c:
        assert c.get("/languages").json()[1] == {"code": "en", "name": "English", "targets": ["en"]}
        r = c.post("/translate", json={"q": "The plant", "source": "en", "target": "ar"})
        assert error(r, 400) == "Arabic (ar) is not available as a target language from English (en)"
        assert c.get("/health").json() == {"status": "ok"}
        settings = c.get("/frontend/settings").json()
        assert settings["charLimit"] == 100_000 and settings["keyRequired"] is False


# --- LibreTranslate: its errors ------------------------------------------------------------


@pytest.mark.parametrize("body,status,message", [
    ({"source": "ar", "target": "en"}, 400, "Invalid request: missing q parameter"),
    ({"q": "", "source": "ar", "target": "en"}, 400, "Invalid request: missing q parameter"),
    ({"q": "x", "target": "en"}, 400, "Invalid request: missing source parameter"),
    ({"q": "x", "source": "ar"}, 400, "Invalid request: missing target parameter"),
    ({"q": "x", "source": "ar", "target": "zz"}, 400, "zz is not supported"),
    ({"q": "x", "source": "fr", "target": "en"}, 400, "fr is not supported"),
    ({"q": "x", "source": "ar", "target": "en", "format": "xml"}, 400, "xml format is not supported"),
    ({"q": "x", "source": "ar", "target": "en", "alternatives": "many"}, 400,
     "Invalid request: alternatives parameter is not a number"),
    ({"q": 5, "source": "ar", "target": "en"}, 400, "Invalid request: q must be a string or a list of strings"),
    ({"q": ["x", {"a": 1}], "source": "ar", "target": "en"}, 400,
     "Invalid request: q must be a string or a list of strings"),
    ({"q": "x", "source": ["ar"], "target": "en"}, 400, "['ar'] is not supported"),
])
def test_translate_errors_are_libretranslates(client: TestClient, body: dict[str, Any],
                                             status: int, message: str) -> None:
    assert error(client.post("/translate", json=body), status) == message


def test_bad_bodies_and_methods(client: TestClient) -> None:
    for raw in (b"{bad", b"[1, 2]", b'"q"', b"\xff\xfe", b"[" * 100_000):
        r = client.post("/translate", content=raw, headers={"content-type": "application/json"})
        assert error(r, 400) == "Invalid JSON format"
    assert error(client.get("/translate"), 405) == "Method Not Allowed"
    assert error(client.post("/languages"), 405) == "Method Not Allowed"
    assert error(client.get("/detect"), 405) == "Method Not Allowed"
    assert error(client.post("/detect", json={}), 400) == "Invalid request: missing q parameter"
    assert error(client.get("/no/such/page"), 404) == "Not Found"
    r = client.post("/translate", content=b"--x\r\nbroken", headers={
        "content-type": "multipart/form-data; boundary=x"})
    assert r.status_code == 400 and "error" in r.json()


def test_size_limits_are_413() -> None:
    with client_for(max_chars=20) as c:
        r = c.post("/translate", json={"q": ["قال " * 3, "قال " * 3], "source": "ar", "target": "en"})
        assert error(r, 413) == "Invalid request: request (24) exceeds text limit (20)"
        assert c.post("/translate", json={"q": "قال " * 4, "source": "ar", "target": "en"}).status_code == 200
        r = c.post("/v1/translate", json={"text": "قال " * 6})
        assert error(r, 413) == "Invalid request: request (24) exceeds text limit (20)"
        assert error(c.post("/detect", json={"q": "x" * 21}), 413).startswith("Invalid request")
        # The body itself is bounded before it is read: 6 bytes a character, plus 64 KiB.
        big = b'{"q": "' + b"a" * (6 * 20 + 70_000) + b'"}'
        r = c.post("/translate", content=big, headers={"content-type": "application/json"})
        assert error(r, 413).startswith("Invalid request: the body is over")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"q": "'
            for _ in range(40):
                yield b"a" * 4096
            yield b'"}'

        r = c.post("/translate", content=chunks(), headers={"content-type": "application/json"})
        assert error(r, 413).startswith("Invalid request: the body is over")
        metrics = c.get("/metrics").text
        assert 'tarjama_requests_rejected_total{reason="too_large"} 5.0' in metrics


def test_api_keys() -> None:
    with client_for(api_keys=frozenset({"s3cret", "other"})) as c:
        body = {"q": "قال", "source": "ar", "target": "en"}
        assert error(c.post("/translate", json=body), 403).startswith("Invalid request: missing api_key")
        assert error(c.post("/translate", json={**body, "api_key": "nope"}), 403) == "Invalid API key"
        assert error(c.post("/translate", json={**body, "api_key": 42}), 403) == "Invalid API key"
        assert c.post("/translate", json={**body, "api_key": "s3cret"}).status_code == 200
        assert c.post("/translate", data={**body, "api_key": "other"}).status_code == 200
        assert c.post("/translate", json=body, params={"api_key": "s3cret"}).status_code == 200
        assert c.post("/translate", json=body,
                      headers={"Authorization": "Bearer s3cret"}).status_code == 200
        assert error(c.post("/detect", json={"q": "قال"}), 403)
        assert error(c.post("/v1/translate", json={"text": "قال"}), 403)
        assert c.post("/v1/translate", json={"text": "قال", "api_key": "s3cret"}).status_code == 200
        assert error(c.post("/v1/check", json={"sources": [], "translations": []}), 403)
        assert error(c.get("/metrics"), 403)
        assert c.get("/metrics", headers={"Authorization": "Bearer other"}).status_code == 200
        # What a client needs before it has a key stays open.
        assert c.get("/languages").status_code == c.get("/healthz").status_code == 200
        assert c.get("/").status_code == 200 and c.get("/healthz").json()["api_key_required"]


# --- tarjama's own endpoints -------------------------------------------------------------------


def test_v1_translate_is_the_commands_json(client: TestClient) -> None:
    text = SAMPLE.read_text(encoding="utf-8") + "جملة طويل جدا.\n"
    r = client.post("/v1/translate", json={"text": text, "source": "ar", "target": "en"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    expected = tarjama.Translator.from_model(FakeSeq2Seq()).translate_article(text).to_json()
    assert r.json() == expected
    flagged = [s for p in r.json()["paragraphs"] for s in p["sentences"] if s["checks"]]
    assert flagged[-1]["checks"][0]["code"] == "hit_max_length"
    assert r.json()["stats"]["checks"]["hit_max_length"] == 1  # and the text checks' own codes
    auto = client.post("/v1/translate", json={"text": text, "source": "auto"})
    assert auto.json() == expected


def test_v1_translate_streams_window_by_window() -> None:
    model = FakeSeq2Seq()
    with client_for(model, stream_window=2) as c:
        text = "\n".join(f"جملة رقم {i}. وأخرى." for i in range(5))
        with c.stream("POST", "/v1/translate", json={"text": text}) as r:
            chunks = list(r.iter_text())
        record = json.loads("".join(chunks))
        assert len(record["paragraphs"]) == 5 and record["stats"]["sentences"] == 10
        assert len(model.calls) == 5  # one window (2 sentences) after another
        assert len(chunks) > 1


def test_v1_translate_errors() -> None:
    with client_for(FakeSeq2Seq(fail_on="قنبلة"), stream_window=2) as c:
        assert error(c.post("/v1/translate", json={"text": "  \n "}), 400) == "the text is empty"
        assert error(c.post("/v1/translate", json={}), 400) == "give either text or url"
        assert error(c.post("/v1/translate", json={"text": "x", "url": "http://a"}), 400)
        assert error(c.post("/v1/translate", json={"text": "x", "from": "ar"}), 400) == \
            "Invalid request: from: Extra inputs are not permitted"
        assert error(c.post("/v1/translate", json={"text": 5}), 400).startswith("Invalid request: text")
        assert error(c.post("/v1/translate", content=b"{", headers={
            "content-type": "application/json"}), 400) == "Invalid JSON format"
        assert error(c.post("/v1/translate", json={"text": "Hello.", "source": "auto"}), 400) == \
            "the text is in English already; choose the other target"
        assert error(c.post("/v1/translate", json={"text": "x", "source": "fa"}), 400) == "fa is not supported"
        # The model fails before anything was sent: a 500 with one line, and the server lives on.
        message = error(c.post("/v1/translate", json={"text": "قنبلة"}), 500)
        assert message == "internal error: RuntimeError: model exploded"
        assert c.post("/v1/translate", json={"text": "سلام"}).status_code == 200
        # It fails after the first paragraphs went out: the record ends with the error.
        text = "أول. ثان.\nثالث. رابع.\nقنبلة هنا."
        r = c.post("/v1/translate", json={"text": text})
        assert r.status_code == 200
        record = r.json()
        assert record["error"] == "RuntimeError: model exploded" and "stats" not in record
        assert [p["source"] for p in record["paragraphs"]] == ["أول. ثان.", "ثالث. رابع."]


def test_v1_translate_fetches_urls_with_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    page = ("<html><head><title>خبر</title></head><body><article><h1>افتتاح محطة جديدة</h1>"
            + "".join(f"<p>افتتحت الحكومة محطة رقم {i} لتحلية المياه في المدينة الساحلية.</p>"
                      for i in range(6)) + "</article></body></html>").encode()
    server = LocalServer().start()
    try:
        server.routes["/news"] = Route(page, content_type="text/html; charset=utf-8")
        server.routes["/big"] = Route(b"<p>" + b"x" * 4096 + b"</p>", content_type="text/html")
        with client_for() as c:
            r = c.post("/v1/translate", json={"url": server.url("/news")})
            assert r.status_code == 200, r.text
            sources = [p["source"] for p in r.json()["paragraphs"]]
            assert sources[0] == "افتتاح محطة جديدة" and len(sources) == 7
            assert error(c.post("/v1/translate", json={"url": server.url("/missing")}), 400) == \
                f"{server.url('/missing')}: HTTP 404 Not Found"
            assert error(c.post("/v1/translate", json={"url": "file:///etc/passwd"}), 400) == \
                "file:///etc/passwd: only http(s) URLs can be fetched"
            summary = c.post("/v1/summarize", json={"url": server.url("/news"), "sentences": 1})
            assert summary.status_code == 200 and summary.json()["source"] == server.url("/news")
        from tarjama.news.fetch import FetchLimits

        with client_for(fetch_limits=FetchLimits(max_bytes=1024)) as c:
            assert "limit" in error(c.post("/v1/translate", json={"url": server.url("/big")}), 400)
        with client_for(fetch_urls=False) as c:
            assert "does not fetch URLs" in error(c.post("/v1/translate", json={"url": server.url("/news")}), 400)
    finally:
        server.stop()


def test_v1_summarize(client: TestClient) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    r = client.post("/v1/summarize", json={"text": text, "source": "ar", "target": "en", "sentences": 2})
    assert r.status_code == 200
    record = r.json()
    expected = tarjama.summarize(text, method="extractive", sentences=2, target_lang="ar")
    assert [s["source"] for s in record["sentences"]] == expected.sentences
    assert all(re.fullmatch(r"(w\d+ ?)+", s["text"]) for s in record["sentences"])
    assert record["strategy"] == "extractive-then-translate"
    same = client.post("/v1/summarize", json={"text": text, "target": "ar", "method": "lead",
                                              "sentences": 1}).json()
    assert same["method"] == "lead" and len(same["sentences"]) == 1
    assert error(client.post("/v1/summarize", json={"text": text, "method": "abstractive"}), 400) == (
        "this server has no abstractive summarizer for English text (start it with --abstractive); "
        "use method extractive")
    assert error(client.post("/v1/summarize", json={"text": text, "sentences": 0}), 400).startswith(
        "Invalid request: sentences")
    assert error(client.post("/v1/summarize", json={"text": text, "sentences": 2, "ratio": 0.5}),
                 400) == "give only one of --sentences, --ratio and --words"
    assert error(client.post("/v1/summarize", json={"text": text, "method": "magic"}), 400).startswith(
        "Invalid request: method")


def test_v1_summarize_abstractive_with_the_shared_models(tmp_path: Path) -> None:
    from tiny import build_mt5

    from tarjama.models.session import SummarizationRequest, open_summarizer

    summarizer = open_summarizer(SummarizationRequest(lang="en", model=str(build_mt5(tmp_path / "mt5"))))
    model = FakeSeq2Seq()
    with client_for(model, summarizers={"en": summarizer}) as c:
        assert c.get("/healthz").json()["abstractive"] == ["ar-en"]
        text = SAMPLE.read_text(encoding="utf-8")
        r = c.post("/v1/summarize", json={"text": text, "method": "abstractive"})
        assert r.status_code == 200, r.text
        record = r.json()
        assert record["method"] == "abstractive" and record["strategy"] == "translate-then-summarize"
        assert record["models"]["summarizer"]["path"] == str(tmp_path / "mt5")
        assert record["models"]["translator"] == {"model": "fake", "commit": "0" * 8}
        assert model.calls  # the article went through the server's translator


def test_v1_check(client: TestClient) -> None:
    r = client.post("/v1/check", json={"sources": ["ذهب الرئيس.", "قال الوزير", "وأضاف"],
                                       "translations": ["The president went.", "قال the minister", " "]})
    assert r.status_code == 200
    body = r.json()
    assert [[c["code"] for c in s["checks"]] for s in body["sentences"]] == [[], ["untranslated"], ["empty"]]
    assert body["stats"] == {"sentences": 3, "flagged": 2, "checks": {"empty": 1, "untranslated": 1}}
    assert error(client.post("/v1/check", json={"sources": ["a"], "translations": []}), 400) == \
        "1 sources but 0 translations; give one translation per source"
    assert error(client.post("/v1/check", json={"sources": [], "translations": [], "source": "de"}),
                 400) == "de is not supported"


def test_health_metrics_and_openapi(client: TestClient) -> None:
    client.post("/translate", json={"q": [AR, "قال"], "source": "ar", "target": "en"})
    client.post("/translate", json={"q": "x"})
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["directions"] == ["ar-en"]
    assert health["queued"] == {"ar-en": 0}
    metrics = client.get("/metrics")
    assert metrics.headers["content-type"].startswith("text/plain")
    text = metrics.text
    for line in ('tarjama_http_requests_total{endpoint="/translate",method="POST",status="200"} 1.0',
                 'tarjama_http_requests_total{endpoint="/translate",method="POST",status="400"} 1.0',
                 'tarjama_sentences_translated_total{direction="ar-en"} 2.0',
                 'tarjama_batch_segments_count{direction="ar-en"} 1.0',
                 'tarjama_batch_requests_bucket{direction="ar-en",le="1.0"} 1.0',
                 'tarjama_queue_segments{direction="ar-en"} 0.0'):
        assert line in text, line
    assert 'tarjama_http_request_duration_seconds_bucket{endpoint="/translate",le="0.005"}' in text
    client.get("/some/scan/path")
    assert 'endpoint="other"' in client.get("/metrics").text
    spec = client.get("/openapi.json").json()
    assert {"/translate", "/detect", "/languages", "/v1/translate", "/v1/summarize", "/v1/check",
            "/healthz", "/metrics"} <= set(spec["paths"])
    body = spec["paths"]["/translate"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(body)
    assert client.get("/docs").status_code == 404  # its page would load a CDN


def test_the_page_and_its_assets_are_local(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assets = {name: client.get(f"/static/{name}") for name in ("app.js", "style.css")}
    assert assets["app.js"].headers["content-type"].startswith("text/javascript")
    for text in [page.text, *(a.text for a in assets.values())]:
        # Nothing loaded from elsewhere: no absolute URLs, no web fonts.
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text)
        assert "@import" not in text and "@font-face" not in text and "url(" not in text
    assert ".innerHTML" not in assets["app.js"].text  # the server's text is never parsed as markup
    assert error(client.get("/static/../cli.py"), 404)
    assert error(client.get("/static/secret.txt"), 404) == "Not Found"


def test_cors_is_off_unless_asked(client: TestClient) -> None:
    headers = {"Origin": "https://newsroom.example"}
    r = client.post("/translate", json={"q": "قال", "source": "ar", "target": "en"}, headers=headers)
    assert "access-control-allow-origin" not in r.headers
    with client_for(cors=("https://newsroom.example",)) as c:
        r = c.post("/translate", json={"q": "قال", "source": "ar", "target": "en"}, headers=headers)
        assert r.headers["access-control-allow-origin"] == "https://newsroom.example"
        pre = c.options("/translate", headers={**headers, "Access-Control-Request-Method": "POST",
                                               "Access-Control-Request-Headers": "content-type"})
        assert pre.status_code == 200
        other = c.post("/translate", json={"q": "قال", "source": "ar", "target": "en"},
                       headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


# --- limits under concurrency -----------------------------------------------------------------


def test_queue_full_is_503_and_timeouts_504() -> None:
    gate = threading.Event()
    model = FakeSeq2Seq(gate=gate)
    service = Service({("ar", "en"): model}, ServeSettings(max_queue=2, timeout=1.5,
                                                          batch_wait_ms=0))
    app = create_app(service)

    async def scenario() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            body = {"q": "قال", "source": "ar", "target": "en"}
            running = asyncio.ensure_future(c.post("/translate", json=body))
            await asyncio.to_thread(model.started.wait, 5)
            waiting = asyncio.ensure_future(c.post("/translate", json={
                **body, "q": "ذهب الرئيس. وقال الوزير."}))
            for _ in range(500):
                if service.batchers[("ar", "en")].queued == 2:
                    break
                await asyncio.sleep(0.01)
            refused = await c.post("/translate", json=body)
            timed_out = await waiting  # still queued behind the held batch at its deadline
            held = await running  # its batch outlasted its deadline too
            gate.set()
            return [refused, timed_out, held, await c.post("/translate", json=body)]

    refused, timed_out, held, after = asyncio.run(scenario())
    assert error(refused, 503).startswith("the server is busy: 2 sentences are waiting")
    assert refused.headers["retry-after"] == "1"
    assert error(timed_out, 504) == error(held, 504) == "the request ran past the server's time limit"
    assert after.status_code == 200 and after.json() == {"translatedText": "w3"}
    assert service.batchers[("ar", "en")].queued == 0
    # The queued request's sentences never ran: it was withdrawn at its deadline.
    assert model.calls == [["قال"], ["قال"]]
    service.close()


def test_too_many_requests_in_flight_is_503() -> None:
    with client_for(max_in_flight=0) as c:
        assert error(c.get("/languages"), 503).startswith("the server is answering 0 requests")
