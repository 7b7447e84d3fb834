// tarjama's reading page: the article and its translation side by side, sentence by sentence.
// Everything the server returns is put in the page as text (textContent), never as markup.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const NAMES = { ar: "العربية (Arabic)", en: "English" };
  const SHORT = { ar: "Arabic", en: "English" };
  const DIR = { ar: "rtl", en: "ltr" };
  let info = { directions: ["ar-en"], abstractive: [], api_key_required: false, url_fetch: true };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function say(message, isError) {
    const status = $("status");
    status.textContent = message;
    status.classList.toggle("error", Boolean(isError));
  }

  async function post(path, body) {
    const key = $("key").value.trim();
    if (key) body.api_key = key;
    const response = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    let data;
    try {
      data = await response.json();
    } catch (err) {
      throw new Error(`the server answered ${response.status} without JSON`);
    }
    if (!response.ok || data.error) throw new Error(data.error || `HTTP ${response.status}`);
    return data;
  }

  function updateSummaryChoices() {
    const abstractive = document.querySelector('#summary option[value="abstractive"]');
    const available = info.abstractive.includes($("direction").value);
    abstractive.disabled = !available;
    abstractive.textContent = available ? "abstractive" : "abstractive (not loaded on this server)";
    if (!available && $("summary").value === "abstractive") $("summary").value = "extractive:3";
  }

  async function init() {
    try {
      const response = await fetch("/healthz");
      if (response.ok) info = await response.json();
    } catch (err) {
      say("The server does not answer.", true);
    }
    const select = $("direction");
    select.textContent = "";
    for (const direction of info.directions) {
      const [source, target] = direction.split("-");
      select.append(el("option", { value: direction }, `${SHORT[source]} → ${SHORT[target]}`));
    }
    $("key-row").hidden = !info.api_key_required;
    $("url").disabled = !info.url_fetch;
    updateSummaryChoices();
  }

  function highlight(event, on) {
    const sentence = event.target.closest && event.target.closest(".s");
    if (!sentence) return;
    for (const twin of document.querySelectorAll(`.s[data-s="${sentence.dataset.s}"]`)) {
      twin.classList.toggle("hl", on);
    }
  }

  function column(cls, lang) {
    return el("div", { class: `cell ${cls}`, lang, dir: DIR[lang] || "auto" });
  }

  function render(article, source, target) {
    const rows = $("rows");
    rows.textContent = "";
    for (const [id, cls, lang] of [["head-src", "src", source], ["head-tgt", "tgt", target]]) {
      const head = $(id);
      head.className = `cell ${cls}`;
      head.lang = lang;
      head.dir = DIR[lang];
      head.textContent = NAMES[lang] || lang;
    }
    let next = 0;
    for (const paragraph of article.paragraphs) {
      const row = el("div", { class: paragraph.kind === "title" ? "row title" : "row" });
      const src = column("src", source);
      const tgt = column("tgt", target);
      const notes = el("ul", { class: "reasons", lang: "en", dir: "ltr" });
      for (const sentence of paragraph.sentences) {
        const id = String(next++);
        const a = el("span", { class: "s", "data-s": id, tabindex: "0" }, sentence.source);
        const b = el("span", { class: "s", "data-s": id, tabindex: "0" }, sentence.translation);
        const checks = sentence.checks || [];
        if (checks.length) {
          const n = notes.children.length + 1;
          const reasons = checks.map((c) => `${c.code} (${c.severity}): ${c.detail}`);
          const noteId = `note-${id}`;
          for (const span of [a, b]) {
            span.classList.add("flagged");
            span.setAttribute("aria-describedby", noteId);
          }
          b.append(el("sup", { class: "flag", title: reasons.join("\n"), "aria-hidden": "true" },
                      `⚑${n}`));
          notes.append(el("li", { id: noteId }, `⚑${n} ${reasons.join("; ")}`));
        }
        src.append(a, " ");
        tgt.append(b, " ");
      }
      row.append(src, tgt);
      if (notes.children.length) row.append(notes);
      rows.append(row);
    }
    const stats = article.stats || {};
    $("stats").textContent = `${stats.sentences || 0} sentences, ${stats.flagged || 0} flagged. ` +
      `Model: ${(article.model && article.model.model) || "?"}.`;
    $("result").hidden = false;
  }

  function renderSummary(summary, target) {
    const list = $("summary-list");
    list.textContent = "";
    list.lang = target;
    list.dir = DIR[target];
    $("summary-box").dir = DIR[target];
    for (const sentence of summary.sentences || []) list.append(el("li", {}, sentence.text));
    const how = [summary.method, summary.strategy].filter(Boolean).join(", ");
    $("summary-note").textContent = how ? `(${how})` : "";
    $("summary-box").hidden = list.children.length === 0;
  }

  async function submit(event) {
    event.preventDefault();
    const text = $("text").value;
    const url = $("url").value.trim();
    if (!text.trim() && !url) {
      say("Paste an article, or give its URL.", true);
      $("text").focus();
      return;
    }
    const [source, target] = $("direction").value.split("-");
    const input = text.trim() ? { text } : { url };
    const choice = $("summary").value;
    $("go").disabled = true;
    $("summary-box").hidden = true;
    $("result").hidden = true;
    say(url && !text.trim() ? "Fetching and translating…" : "Translating…");
    try {
      const article = await post("/v1/translate", { ...input, source, target });
      if (article.error) throw new Error(article.error);
      render(article, source, target);
      const flagged = (article.stats && article.stats.flagged) || 0;
      say(`Translated. ${flagged ? `${flagged} sentences to check are marked ⚑.` : ""}`);
      if (choice) {
        say("Summarizing…");
        const [method, count] = choice.split(":");
        const body = { text: article.paragraphs.map((p) => p.source).join("\n"), source, target, method };
        if (count) body.sentences = Number(count);
        renderSummary(await post("/v1/summarize", body), target);
        say(`Translated and summarized. ${flagged ? `${flagged} sentences to check are marked ⚑.` : ""}`);
      }
    } catch (err) {
      say(`Error: ${err.message}`, true);
    } finally {
      $("go").disabled = false;
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("form").addEventListener("submit", submit);
    $("direction").addEventListener("change", updateSummaryChoices);
    const rows = $("rows");
    rows.addEventListener("mouseover", (e) => highlight(e, true));
    rows.addEventListener("mouseout", (e) => highlight(e, false));
    rows.addEventListener("focusin", (e) => highlight(e, true));
    rows.addEventListener("focusout", (e) => highlight(e, false));
    init();
  });
})();
