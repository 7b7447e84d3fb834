"""Arabic and English stop words for sentence ranking (not for display or translation).

The lists hold function words only: particles, prepositions, pronouns, demonstratives, relative
pronouns, auxiliaries and the most common adverbs. Content words that are frequent in news
("said", "government") are left to IDF, which down-weights them by how common they are in the
article itself. Arabic entries are written in normal spelling, including the forms with an
attached conjunction (و, ف) that the stemmer does not strip from particles; they are compared
after :func:`nlp.normalize.fold_for_matching`, so alef, yeh and teh-marbuta variants match too.
"""

from __future__ import annotations

from tarjama.nlp.normalize import fold_for_matching

__all__ = ["ARABIC", "ENGLISH", "is_stop_word"]

_ARABIC_BASE = """
من إلى الى عن على في مع منذ حتى خلال عند لدى لدي بين بعد قبل فوق تحت دون ضد حول نحو عبر لكن
لكنه لكنها ولكن بل أو أم ثم إذا اذا إذ إن أن إنه أنه إنها أنها إنهم أنهم لأن كأن لعل ليت
لا لم لن ما ماذا متى أين كيف كم هل قد لقد سوف كل كلا بعض أي أية غير سوى إلا الا أيضا أيضًا
جدا فقط حيث حين بينما عندما كما مثل مما ممن عما عليه عليها عليهم فيه فيها فيهم منه منها منهم
عنه عنها عنهم إليه إليها إليهم اليه اليها له لها لهم لهما لنا لك لي به بها بهم هو هي هم هما
هن أنا نحن أنت أنتم أنتن هذا هذه هذان هاتان هؤلاء ذلك تلك ذلكم أولئك هنا هناك هنالك الذي التي
اللذان اللتان الذين اللاتي اللواتي اللائي كان كانت كانوا يكون تكون يكونون ليس ليست ليسوا
أصبح أصبحت صار صارت ظل ظلت مازال لايزال يزال تزال زال زالت ولا وقد ولم ولن وما وهو وهي
وهم وفي ومن وعلى وعن وإلى والى ومع وكان وكانت وأن وإن وأنه وإنه وذلك وهذا وهذه وكل وبعد وقبل
وبين ولكن وحتى وهل وكما فإن فقد فلا فهو فهي فما كذلك لذلك بذلك وذلك وهناك عليك يا أي إي بلى نعم
إما أما ألا الا أول عدة أمام وراء خلف أثناء لدى بسبب حوالي نحو تجاه قرب وسط ضمن إزاء
"""

_ENGLISH = """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
i'm i've if in into is isn't it it's its itself just let's may me might more most must
mustn't my myself no nor not now of off on once only or other ought our ours ourselves out
over own same shall shan't she she'd she'll she's should shouldn't so some such than that
that's the their theirs them themselves then there there's these they they'd they'll they're
they've this those through to too under until up upon us very was wasn't we we'd we'll we're
we've were weren't what what's when when's where where's which while who who's whom whose why
why's will with won't would wouldn't yet you you'd you'll you're you've your yours yourself
yourselves s t d ll m re ve also per via among within without however still even though
although whether either neither since onto across around
"""

# Folded once at import: these are constants, the same for every call.
ARABIC: frozenset[str] = frozenset(fold_for_matching(w) for w in _ARABIC_BASE.split())
ENGLISH: frozenset[str] = frozenset(_ENGLISH.split())


def is_stop_word(folded_word: str) -> bool:
    """True for a function word; the word must already be folded (fold_for_matching)."""
    return folded_word in ARABIC or folded_word in ENGLISH
