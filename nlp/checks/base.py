"""What every check is made of: a :class:`Flag` (code, severity, short detail) on a sentence,
and the decoder's own observations as flags of the same shape."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ERROR", "INFO", "SEVERITIES", "WARNING", "Flag", "decoder_flags"]

# How much a flag matters: "info" is worth knowing, "warning" says check this sentence,
# "error" says the output is almost certainly wrong here.
INFO, WARNING, ERROR = "info", "warning", "error"
SEVERITIES = (INFO, WARNING, ERROR)


@dataclass(frozen=True, slots=True)
class Flag:
    """What one check found on one sentence."""

    code: str
    severity: str
    detail: str

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "detail": self.detail}


def decoder_flags(*, split: bool, pieces: int, hit_max_length: bool, repeated: bool
                  ) -> tuple[Flag, ...]:
    """The decoder's observations about one sentence, as flags."""
    flags = []
    if split:
        flags.append(Flag("split", INFO, f"too long for the model: translated in {pieces} pieces "
                                         "cut at clause boundaries"))
    if hit_max_length:
        flags.append(Flag("hit_max_length", WARNING, "decoding stopped at the length bound; the "
                                                     "translation may be cut short"))
    if repeated:
        flags.append(Flag("repeated", WARNING, "the decoder looped; decoded again with repeated "
                                               "3-grams banned"))
    return tuple(flags)
