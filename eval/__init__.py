"""Evaluation harness: score translations and summaries, run systems on benchmarks, report.

Modules (sacrebleu-style separation of metrics, datasets and presentation):

* :mod:`eval.metrics`      – metrics by name: ``base`` (Score, Metric), ``translation``
  (BLEU, chrF, chrF++, TER via sacrebleu), ``rouge`` (ROUGE under named protocols) and
  ``rouge_xlsum`` (the official XL-Sum scorer's tokenizer)
* :mod:`eval.significance` – bootstrap confidence intervals, paired bootstrap / randomization
* :mod:`eval.scoring`      – ``score_texts`` / ``score_files`` / ``compare_files``
* :mod:`eval.datasets`     – benchmark registry, download + checksum cache, JSONL/plain files
* :mod:`eval.records`      – the summarization sets' official record formats (JSONL, archives, Parquet)
* :mod:`eval.systems`      – the translation and summary pipelines as runnable systems
* :mod:`eval.run`          – ``run_benchmark`` over a ``System``
* :mod:`eval.report`       – rich tables, Markdown and HTML reports
* :mod:`eval.bench`        – ``tarjama bench``: speed side by side with naive transformers
"""
