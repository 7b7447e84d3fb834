"""Evaluation harness: score translations and summaries, run systems on benchmarks, report.

Modules (sacrebleu-style separation of metrics, datasets and presentation):

* :mod:`eval.metrics`      – metric objects (BLEU, chrF, chrF++, TER via sacrebleu), ``Score``
* :mod:`eval.rouge`        – ROUGE-1/2/L/Lsum that works on Arabic, equal to rouge-score on English
* :mod:`eval.significance` – bootstrap confidence intervals, paired bootstrap / randomization
* :mod:`eval.scoring`      – ``score_texts`` / ``score_files`` / ``compare_files``
* :mod:`eval.datasets`     – benchmark registry, download + checksum cache, JSONL/plain files
* :mod:`eval.run`          – ``run_benchmark`` over a ``System``
* :mod:`eval.report`       – rich tables, Markdown and HTML reports
* :mod:`eval.textio`       – UTF-8 line files with precise errors

Nothing is imported here, so ``import eval.metrics`` stays cheap.
"""
