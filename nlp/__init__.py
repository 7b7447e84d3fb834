"""Text in, text out: normalization, segmentation, packing, reading input. No torch here."""
