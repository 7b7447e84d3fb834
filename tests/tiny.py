"""Tiny models with random weights and real tokenizers, built at test time.

The sentencepiece model is trained here on a few sentences, and everything is saved and then
loaded through the same `from_pretrained` path users take: only the weights are fake.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CORPUS_AR = [
    "افتتحت الحكومة يوم الاثنين محطة جديدة لتحلية مياه البحر.",
    "وقال وزير الطاقة إن المشروع سيخدم نحو مليوني نسمة في المدن الساحلية.",
    "وأوضح مدير المشروع أن تكلفة الإنتاج انخفضت بنسبة كبيرة.",
    "ويأتي المشروع في إطار خطة وطنية لخفض الانبعاثات.",
    "هل تكفي هذه المحطات لمواجهة الجفاف؟",
    "يقول خبراء إن الحل يتطلب ترشيد الاستهلاك وإصلاح الشبكات.",
    "ذهب الرئيس إلى المدينة وتحدث مع الصحفيين عن الاقتصاد والسياسة.",
]
CORPUS_EN = [
    "The government opened a new desalination plant on Monday.",
    "The energy minister said the project will serve about two million people.",
    "The project manager explained that production costs fell sharply.",
    "The project is part of a national plan to cut emissions.",
    "Are these plants enough to face the drought?",
    "Experts say the solution requires saving water and repairing networks.",
    "The president went to the city and spoke with journalists about the economy.",
]


def train_spm(workdir: Path, vocab_size: int = 160) -> Path:
    import sentencepiece as spm

    workdir.mkdir(parents=True, exist_ok=True)
    prefix = workdir / "spm"
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter((CORPUS_AR + CORPUS_EN) * 4),
        model_prefix=str(prefix),
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        # Marian's layout: </s> = 0, <unk> = 1, <pad> appended last by the vocab file.
        eos_id=0, unk_id=1, bos_id=-1, pad_id=-1,
        minloglevel=2,
    )
    return prefix.with_suffix(".model")


def build_marian(out: Path, *, d_model: int = 16, layers: int = 1, max_positions: int = 128,
                 safetensors: bool = True, source_lang: str = "ar", target_lang: str = "en") -> Path:
    """Save a random-weight MarianMT model with a trained sentencepiece tokenizer to `out`."""
    import sentencepiece as spm
    from transformers import MarianConfig, MarianMTModel, MarianTokenizer

    out.mkdir(parents=True, exist_ok=True)
    sp_path = train_spm(out / "_spm")
    sp = spm.SentencePieceProcessor(model_file=str(sp_path))
    vocab = {sp.id_to_piece(i): i for i in range(sp.get_piece_size())}
    vocab["<pad>"] = len(vocab)
    shutil.copy(sp_path, out / "source.spm")
    shutil.copy(sp_path, out / "target.spm")
    (out / "vocab.json").write_text(json.dumps(vocab, ensure_ascii=False), encoding="utf-8")
    shutil.rmtree(out / "_spm")
    tokenizer = MarianTokenizer(
        source_spm=str(out / "source.spm"), target_spm=str(out / "target.spm"),
        vocab=str(out / "vocab.json"), source_lang=source_lang, target_lang=target_lang,
    )
    config = MarianConfig(
        vocab_size=len(vocab), d_model=d_model, encoder_layers=layers, decoder_layers=layers,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=2 * d_model,
        decoder_ffn_dim=2 * d_model, max_position_embeddings=max_positions,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id, forced_eos_token_id=tokenizer.eos_token_id,
        num_beams=2,
    )
    import torch

    torch.manual_seed(0)
    model = MarianMTModel(config)
    model.generation_config.num_beams = 2
    model.generation_config.bad_words_ids = [[tokenizer.pad_token_id]]
    if safetensors:
        model.save_pretrained(out)
    else:
        torch.save(model.state_dict(), out / "pytorch_model.bin")
        config.save_pretrained(out)
        model.generation_config.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def build_mt5(out: Path, *, d_model: int = 16, layers: int = 1, n_positions: int = 64,
              num_beams: int = 1) -> Path:
    """Save a random-weight mT5 summarizer with a trained sentencepiece tokenizer to `out`.

    T5's vocabulary layout (pad 0, eos 1, unk 2) and no sentinel tokens; `n_positions` is the
    window the summarizer reads from the config, kept small so short test articles overflow it.
    """
    import sentencepiece as spm
    import torch
    from transformers import MT5Config, MT5ForConditionalGeneration, T5Tokenizer

    out.mkdir(parents=True, exist_ok=True)
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter((CORPUS_AR + CORPUS_EN) * 4),
        model_prefix=str(out / "spiece"),
        vocab_size=160,
        model_type="unigram",
        character_coverage=1.0,
        hard_vocab_limit=False,
        pad_id=0, eos_id=1, unk_id=2, bos_id=-1,
        minloglevel=2,
    )
    (out / "spiece.vocab").unlink()
    # Loaded from the folder: T5Tokenizer(vocab_file=...) built directly gets a 4-token vocab
    # in transformers 5.
    tokenizer = T5Tokenizer.from_pretrained(out, extra_ids=0)
    config = MT5Config(
        vocab_size=len(tokenizer), d_model=d_model, d_kv=8, d_ff=2 * d_model,
        num_layers=layers, num_decoder_layers=layers, num_heads=2, n_positions=n_positions,
        pad_token_id=tokenizer.pad_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.pad_token_id,
    )
    torch.manual_seed(0)
    model = MT5ForConditionalGeneration(config)
    model.generation_config.num_beams = num_beams
    model.save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out
