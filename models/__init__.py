"""Loading and running pretrained models (MarianMT, mT5) through transformers."""
