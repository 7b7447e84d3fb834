"""Text in, text out: normalization, sentences, the document model, the translation and summary
pipelines (models injected), extractive summaries, HTML to text. No I/O, no torch here."""
