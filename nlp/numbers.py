"""Numbers as values, in Arabic and English news text: the same figure however it is written.

``٢٫٥ مليون``, ``2.5 million``, ``2,500,000`` and ``2500000`` are one value; so are ``٪50``,
``50%`` and ``50 percent``, ``بـ12`` and ``12``, ``خمسة وعشرين`` and ``twenty-five``. What is read:

* digits in Western, Eastern Arabic (٠-٩) and Persian (۰-۹) forms, with the Arabic decimal and
  thousands separators (٫ ٬), thousands written with commas, and a decimal comma in Arabic text
  ("3,5" there is 3.5; "3,500" is 3500 everywhere); digits grouped by spaces stay separate
  numbers (phone numbers are written so far more often than thousands are);
* times (``12:00``, ``1200 GMT``, ``الساعة 4``) as minutes of the day;
* ordinals (``19th``, ``thirteenth``, ``الثالث عشر``, ``الرابعة والثلاثين``) and decades
  (``1930s``, ``his 20s``) as soft numbers (see below);
* numbers glued to Arabic letters (``بـ12``, ``و3``) and to units (``12km``);
* ranges (``10-12``, ``2018–2019``) as both ends; dates written with digits (``24/11/2026``) as
  their day, month and year;
* scale words after a number (thousand, million, billion, trillion, m/bn; ألف, آلاف, مليون,
  ملايين, مليار, مليارات, تريليون), and Arabic duals of them (مليونان, ألفين = two ...);
* spelled-out numbers (one ... ninety-nine, hundred, and Arabic واحد ... تسعين with their
  feminine, accusative and clitic forms, مئة/مائة, مئتان);
* vague quantities (dozens/عشرات, hundreds/مئات, thousands/آلاف, millions/ملايين) as their order
  of magnitude, so "عشرات القتلى" matches "dozens of dead";
* month names (English; Arabic, both the يناير and the كانون الثاني series), so a date written
  "24/11" on one side and "24 November" on the other agrees.

Left out on purpose, because they are ambiguous in one language or the other: fractions,
Hijri dates, roman numerals, and decades written as words (ثلاثينيات, "the thirties").

Some numbers are *soft*: they match a number on the other side, but unmatched on one side alone
they are not evidence of an error. These are spelled-out numbers up to ten (English "one" often
renders the Arabic أحد "one of", and an Arabic dual noun says "two" with no number word at all),
ordinals (الأول is also "the former", "top seeded" renders المصنفة الأولى), decades ("the
1930s" is ثلاثينيات القرن العشرين), Arabic number words with the article (القرن العشرين is the
twentieth century), vague quantities, months, and the few number words that are also common
names or words (ستون is sixty and Stone, ست six and Mrs).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Number", "extract_numbers"]


@dataclass(frozen=True, slots=True)
class Number:
    value: float
    text: str  # as written
    start: int
    end: int
    # number | percent | year | time | month | vague | ordinal | decade | adjectival (an Arabic
    # number word with the article, or one that is also a name: never a figure by itself)
    kind: str = "number"
    soft: bool = False  # matches others, but unmatched is not evidence on its own
    alt: float | None = None  # another reading of the same digits ("20.000": 20000 or 20)

    @property
    def keys(self) -> tuple[str, ...]:
        """Every figure these digits can be read as."""
        if self.alt is None:
            return (self.key,)
        return (self.key, _value_key(self.alt))

    @property
    def key(self) -> str:
        """What two numbers must share to be the same figure."""
        if self.kind == "month":
            return f"month:{int(self.value)}"
        if self.kind == "vague":
            return f"~{int(self.value)}"
        return _value_key(self.value)


def _value_key(value: float) -> str:
    return f"{value:.6g}"


# Digits of all three forms to ASCII, one character for one, so offsets stay valid.
_DIGITS = str.maketrans({**{chr(0x0660 + d): str(d) for d in range(10)},
                         **{chr(0x06F0 + d): str(d) for d in range(10)},
                         "\u066b": ".", "\u066c": ",", "\u00a0": " ", "\u202f": " ",
                         "\u2009": " ", "\u2013": "-", "\u2014": "-", "\u2212": "-"})

_SCALE_EN = {"thousand": 1e3, "thousands": 1e3, "k": 1e3, "million": 1e6, "millions": 1e6,
             "m": 1e6, "mn": 1e6, "billion": 1e9, "billions": 1e9, "bn": 1e9, "b": 1e9,
             "trillion": 1e12, "trillions": 1e12, "tn": 1e12}
# Arabic scale words in their singular, plural, dual and case forms (with clitics stripped).
_SCALE_AR = {
    "الف": 1e3, "الاف": 1e3, "الفا": 1e3, "الفاً": 1e3,
    "مليون": 1e6, "ملايين": 1e6, "مليونا": 1e6, "مليار": 1e9, "مليارات": 1e9, "مليارا": 1e9,
    "بليون": 1e9, "تريليون": 1e12, "ترليون": 1e12,
}
_DUAL_AR = {"الفان": 2e3, "الفين": 2e3, "الفي": 2e3, "مليونان": 2e6, "مليونين": 2e6,
            "مليوني": 2e6, "ملياران": 2e9, "مليارين": 2e9, "ملياري": 2e9,
            "مئتان": 200, "مئتين": 200, "مئتي": 200, "مائتان": 200, "مائتين": 200, "مائتي": 200}
_HUNDRED_AR = {"مئة": 100, "مائة": 100, "مئه": 100, "مائه": 100}

_UNITS_EN = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
             "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
             "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
             "eighteen": 18, "nineteen": 19, "a dozen": 12, "dozen": 12}
_ORDINALS_EN = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
                "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11,
                "twelfth": 12, "thirteenth": 13, "fourteenth": 14, "fifteenth": 15,
                "sixteenth": 16, "seventeenth": 17, "eighteenth": 18, "nineteenth": 19,
                "twentieth": 20, "thirtieth": 30, "fortieth": 40, "fiftieth": 50,
                "hundredth": 100, "thousandth": 1000}
_TENS_EN = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
            "eighty": 80, "ninety": 90}
_VAGUE_EN = {"decade": 10, "decades": 10, "dozens": 10, "scores": 10, "hundreds": 100, "thousands": 1000, "millions": 1e6,
             "billions": 1e9, "tens of thousands": 1e4, "hundreds of thousands": 1e5}
_VAGUE_AR = {"عشرات": 10, "مئات": 100, "مئات الالاف": 1e5, "عشرات الالاف": 1e4,
             "الاف": 1000, "ملايين": 1e6, "مليارات": 1e9}

# Arabic number words, folded (alef forms to ا, ة to ه, ى to ي, no diacritics) and without
# clitics; masculine, feminine and case forms.
_UNITS_AR = {
    "صفر": 0, "واحد": 1, "واحده": 1, "اثنان": 2, "اثنين": 2, "اثنتان": 2, "اثنتين": 2,
    "ثلاثه": 3, "ثلاث": 3, "اربعه": 4, "اربع": 4, "خمسه": 5, "خمس": 5, "سته": 6, "ست": 6,
    "سبعه": 7, "سبع": 7, "ثمانيه": 8, "ثماني": 8, "ثمان": 8, "تسعه": 9, "تسع": 9,
    "عشره": 10, "عشر": 10,
}
_TENS_AR = {"عشرون": 20, "عشرين": 20, "ثلاثون": 30, "ثلاثين": 30, "اربعون": 40, "اربعين": 40,
            "خمسون": 50, "خمسين": 50, "ستون": 60, "ستين": 60, "سبعون": 70, "سبعين": 70,
            "ثمانون": 80, "ثمانين": 80, "تسعون": 90, "تسعين": 90}
_TEEN_AR = {"احد": 1, "احدى": 1, "اثنا": 2, "اثني": 2, "اثنتا": 2, "اثنتي": 2}
# Ordinals (with the article, as they stand after a noun), masculine and feminine.
_ORDINALS_AR = {
    "الاول": 1, "الاولى": 1, "الاولي": 1, "الثاني": 2, "الثانيه": 2, "الثالث": 3, "الثالثه": 3,
    "الرابع": 4, "الرابعه": 4, "الخامس": 5, "الخامسه": 5, "السادس": 6, "السادسه": 6,
    "السابع": 7, "السابعه": 7, "الثامن": 8, "الثامنه": 8, "التاسع": 9, "التاسعه": 9,
    "العاشر": 10, "العاشره": 10, "الحادي": 1, "الحاديه": 1,
}
# Ordinals without the article: اجتماع ثانٍ (a second meeting).
_ORDINALS_AR.update({"اول": 1, "ثان": 2, "ثاني": 2, "ثانيه": 2, "ثالث": 3, "ثالثه": 3, "رابع": 4,
                     "رابعه": 4, "خامس": 5, "خامسه": 5, "اولى": 1, "اولي": 1})
# Number words that are also everyday words or names (ستون: sixty and "Stone").
_AMBIGUOUS_AR = {"ستون", "ست", "سبع", "ستين"}

_MONTHS_EN = {"january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "april": 4,
              "apr": 4, "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8,
              "aug": 8, "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10,
              "november": 11, "nov": 11, "december": 12, "dec": 12}
_MONTHS_AR = {"يناير": 1, "كانون الثاني": 1, "فبراير": 2, "شباط": 2, "مارس": 3, "اذار": 3,
              "ابريل": 4, "نيسان": 4, "مايو": 5, "ايار": 5, "يونيو": 6, "يونيه": 6,
              "حزيران": 6, "يوليو": 7, "يوليه": 7, "تموز": 7, "اغسطس": 8, "اب": 8,
              "سبتمبر": 9, "ايلول": 9, "اكتوبر": 10, "تشرين الاول": 10, "نوفمبر": 11,
              "تشرين الثاني": 11, "ديسمبر": 12, "كانون الاول": 12}
# "May" and "march" are also ordinary English words; a month needs a number or "in" beside it.
_AMBIGUOUS_MONTHS = {"may", "march", "jan", "jun", "jul", "aug", "oct", "dec", "sep", "nov",
                     "feb", "apr", "sept"}

_PERCENT = re.compile(r"\s?(?:%|٪|percent\b|per cent\b|percentage points?\b|في\s?الما[ئي][ةه]|"
                      r"في\s?المئ[ةه]|بالما[ئي][ةه]|بالمئ[ةه]|بالم[ئا]ه)", re.I)
# A digit run with its separators. Thousands: groups of exactly three after a comma or a space;
# decimals after a point (or a comma in Arabic, handled below).
_NUMBER = re.compile(r"(?<!\d)(?<!\d[.,])(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?")
_DATE = re.compile(r"(?<!\d)(\d{1,4})([/.-])(\d{1,2})\2(\d{1,4})(?!\d)")
_ORDINAL_SUFFIX = re.compile(r"(?:st|nd|rd|th)\b", re.I)
_DECIMAL_AR_COMMA = re.compile(r"(?<=\d)\u060c(?=\d)")
_TIME = re.compile(r"(?<![\d.,:])(\d{1,2}):(\d{2})(?![\d:])")
_TIME_AFTER = re.compile(r"\s?(?:gmt|bst|utc|cet|edt|est|pdt|pst|et\b|am\b|pm\b|a\.m\.|p\.m\.|"
                         r"o'clock|local time|صباح|مساء|ظهر|فجر|عصر|بتوقيت|ت\.غ)", re.I)
_TIME_BEFORE = re.compile(r"(?:الساعة|الساعه)\s?$")
_WORD = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)?|[\u0621-\u064a\u0640\u064b-\u0652]+")
_AR_FOLD = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه", "ى": "ي",
                          "ـ": None, **{chr(c): None for c in range(0x064B, 0x0653)}})
_AR_CLITICS = ("وب", "ول", "وك", "فب", "فل", "و", "ف", "ب", "ل", "ك")


def _fold_ar(word: str) -> str:
    return word.translate(_AR_FOLD)


def _strip_clitics(word: str) -> list[str]:
    """The word and what it may be without a leading conjunction/preposition and article."""
    out = [word]
    for prefix in _AR_CLITICS:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            out.append(word[len(prefix):])
    more = []
    for w in out:
        if w.startswith("ال") and len(w) > 3:
            more.append(w[2:])
    return out + more


def extract_numbers(text: str, lang: str) -> list[Number]:
    """Every number of `text` (written in `lang`, "ar" or "en"), in order."""
    # An Arabic comma between digits is a decimal comma there ("15،00"); same length, so
    # offsets into `text` stay valid.
    plain = _DECIMAL_AR_COMMA.sub(",", text.translate(_DIGITS))
    taken = [False] * len(plain)
    found: list[Number] = []

    def take(start: int, end: int) -> None:
        for i in range(start, end):
            taken[i] = True

    for m in _DATE.finditer(plain):
        a, sep, b, c = m.group(1), m.group(2), m.group(3), m.group(4)
        if sep == "." and len(a) <= 2 and len(c) <= 2:
            continue  # 1.5.3 is a version or a section, not a date
        parts = [int(a), int(b), int(c)]
        year_first = len(a) == 4
        day, month, year = (parts[2], parts[1], parts[0]) if year_first else (parts[0], parts[1], parts[2])
        if not (1 <= month <= 12 and 1 <= day <= 31):
            # 11/24/2026: month first.
            if 1 <= day <= 12 and 1 <= month <= 31:
                day, month = month, day
            else:
                continue
        found += [Number(day, m.group(0), m.start(), m.end()),
                  Number(month, m.group(0), m.start(), m.end(), "month"),
                  Number(year, m.group(0), m.start(), m.end(), "year" if year >= 100 else "number")]
        take(m.start(), m.end())

    for m in _TIME.finditer(plain):
        if any(taken[m.start():m.end()]):
            continue
        hours, minutes = int(m.group(1)), int(m.group(2))
        if hours <= 24 and minutes < 60:
            found.append(Number(hours * 60 + minutes, m.group(0), m.start(), m.end(), "time"))
            take(m.start(), m.end())

    for m in _NUMBER.finditer(plain):
        if any(taken[m.start():m.end()]):
            continue
        whole, decimals = m.group(1), m.group(2)
        end = m.end()
        if decimals is None and lang == "ar" and "," not in whole:
            # Arabic writers also use a decimal comma: "3,5 مليون".
            tail = re.match(r",(\d{1,2})(?!\d)", plain[end:])
            if tail:
                decimals, end = tail.group(1), end + tail.end()
        value = float(whole.replace(",", "") + (f".{decimals}" if decimals else ""))
        alt = None
        if lang == "ar" and decimals is not None and len(decimals) == 3 and "," not in whole \
                and len(whole) <= 3:
            # Arabic text often groups thousands with a point: "20.000 تلميذ".
            alt, value = value, float(whole + decimals)
        kind = "number"
        rest = plain[end:]
        currency = plain[max(0, m.start() - 1):m.start()] in ("$", "£", "€", "¥")
        scale, scale_len = _scale_after(rest, lang, currency)
        if scale:
            value *= scale
            end += scale_len
            rest = plain[end:]
        pct = _PERCENT.match(rest)
        before = plain[max(0, m.start() - 1):m.start()]
        soft = False
        if pct:
            kind, end = "percent", end + pct.end()
        elif before in ("%", "٪"):
            kind = "percent"
        elif lang == "en" and _ORDINAL_SUFFIX.match(rest):
            kind, soft = "ordinal", True
            end += _ORDINAL_SUFFIX.match(rest).end()
        elif lang == "en" and re.match(r"'?s\b", rest) and value % 10 == 0 and not decimals:
            kind, soft = "decade", True  # the 1930s, in his 20s
            end += re.match(r"'?s\b", rest).end()
        elif not scale and (not decimals or len(decimals) == 2) and _is_time(plain, m.start(), end, value):
            hours, minutes = (int(whole), int(decimals)) if decimals else (
                (int(value), 0) if value <= 24 else (int(value) // 100, int(value) % 100))
            value, kind = hours * 60 + minutes, "time"
        elif not scale and decimals is None and 1000 <= value <= 2100 and len(whole) == 4:
            kind = "year"
        if alt is not None and scale:
            alt *= scale
        found.append(Number(value, text[m.start():end], m.start(), end, kind, soft, alt))
        take(m.start(), end)

    for m in _PERCENT.finditer(plain):  # "في المئة" is a percent sign, not a hundred
        take(m.start(), m.end())
    found += _words(plain, text, lang, taken)
    found.sort(key=lambda n: (n.start, n.kind))
    return _join_compounds(found, plain, lang)


def _is_time(plain: str, start: int, end: int, value: float) -> bool:
    """A bare number that is a clock time: "1200 GMT", "4 am", "الساعة 4"."""
    if not (value <= 24 or (100 <= value <= 2400 and int(value) % 100 < 60)):
        return False
    if _TIME_AFTER.match(plain[end:end + 12]):
        return True
    return value <= 24 and _TIME_BEFORE.search(plain[max(0, start - 8):start]) is not None


def _scale_after(rest: str, lang: str, currency: bool = False) -> tuple[float, int]:
    if lang == "en":
        m = re.match(r"\s?(thousand|million|billion|trillion|bn|mn|tn)\b", rest, re.I)
        if m:
            return _SCALE_EN[m.group(1).lower()], m.end()
        # £4m, $3bn: a bare m/k/b is a scale only after a currency sign (100m is metres).
        m = re.match(r"(m|k|b)\b", rest)
        if m and currency:
            return _SCALE_EN[m.group(1)], m.end()
        return 0.0, 0
    m = re.match(r"\s?([\u0621-\u064a\u064b-\u0652]+)", rest)
    if m:
        for form in _strip_clitics(_fold_ar(m.group(1))):
            if form in _SCALE_AR:
                return _SCALE_AR[form], m.end()
    return 0.0, 0


def _words(plain: str, text: str, lang: str, taken: list[bool]) -> list[Number]:
    """Spelled-out numbers, vague quantities and months."""
    tokens = [(m.start(), m.end(), m.group(0)) for m in _WORD.finditer(plain)
              if not any(taken[m.start():m.end()])]
    out: list[Number] = []
    i = 0
    while i < len(tokens):
        parsed = (_english_number(tokens, i, plain) if lang == "en"
                  else _arabic_number(tokens, i, plain))
        if parsed is not None:
            number, consumed = parsed
            pct = _PERCENT.match(plain[number.end:number.end + 16])
            if pct and number.kind in ("number", "adjectival"):
                number = Number(number.value, plain[number.start:number.end + pct.end()],
                                number.start, number.end + pct.end(), "percent")
            out.append(number)
            i += consumed
            while i < len(tokens) and tokens[i][0] < number.end:  # its scale word, its % sign
                i += 1
            continue
        i += 1
    return out


def _english_number(tokens: list[tuple[int, int, str]], i: int, plain: str
                    ) -> tuple[Number, int] | None:
    start, end, word = tokens[i]
    low = word.lower()
    nxt = tokens[i + 1][2].lower() if i + 1 < len(tokens) else ""
    pair = f"{low} {nxt}"
    for phrase, span in ((f"{pair} {tokens[i + 2][2].lower()}" if i + 2 < len(tokens) else "", 3),
                         (pair, 2)):
        if phrase in _VAGUE_EN:
            j = i + span - 1
            return Number(_VAGUE_EN[phrase], plain[start:tokens[j][1]], start, tokens[j][1],
                          "vague", soft=True), span
    if low in _VAGUE_EN and nxt in ("of", ""):
        return Number(_VAGUE_EN[low], word, start, end, "vague", soft=True), 1
    if low in _MONTHS_EN:
        near_number = re.search(r"\d", plain[max(0, start - 4):start] + plain[end:end + 5])
        if low not in _AMBIGUOUS_MONTHS or (word[0].isupper() and near_number):
            return Number(_MONTHS_EN[low], word, start, end, "month", soft=True), 1
        return None
    if low in _ORDINALS_EN:
        return Number(_ORDINALS_EN[low], word, start, end, "ordinal", soft=True), 1
    head = low.split("-")[0]
    if head in ("hundred", "thousand", "million", "billion") and i > 0 and \
            tokens[i - 1][2].lower() in ("a", "one"):
        value = {"hundred": 100, "thousand": 1e3, "million": 1e6, "billion": 1e9}[head]
        return Number(value, word, start, end), 1
    value, consumed = _english_value(tokens, i)
    if consumed == 0:
        return None
    last = tokens[i + consumed - 1][1]
    scale_m = re.match(r"\s(thousand|million|billion|trillion)\b", plain[last:], re.I)
    if scale_m:
        value *= _SCALE_EN[scale_m.group(1).lower()]
        last += scale_m.end()
        consumed += 1
    soft = value <= 10 and consumed == 1
    return Number(value, plain[start:last], start, last, soft=soft), consumed


def _english_value(tokens: list[tuple[int, int, str]], i: int) -> tuple[float, int]:
    """one / twenty-five / two hundred and twelve / six-month: the value and the tokens it spans."""
    total = 0.0
    previous = ""  # what the last token was: unit, tens, hundred or and
    j = i
    while j < len(tokens):
        low = tokens[j][2].lower()
        parts = low.split("-")
        head = parts[0]
        if len(parts) == 2 and head in _TENS_EN and parts[1] in _UNITS_EN and previous in ("", "hundred", "and"):
            total += _TENS_EN[head] + _UNITS_EN[parts[1]]
            previous = "unit"
        elif len(parts) == 2 and head in _UNITS_EN and parts[1] == "hundred" and previous == "":
            total += _UNITS_EN[head] * 100
            previous = "hundred"
        elif head in _TENS_EN and previous in ("", "hundred", "and"):
            total += _TENS_EN[head]
            previous = "tens"
        elif head in _UNITS_EN and head not in ("dozen", "a dozen") and (
                previous in ("", "hundred", "and") or (previous == "tens" and _UNITS_EN[head] < 10)):
            total += _UNITS_EN[head]
            previous = "unit"
        elif low == "hundred" and previous in ("unit", "tens") and total < 100:
            total *= 100
            previous = "hundred"
        elif low == "and" and previous == "hundred" and j + 1 < len(tokens) and (
                tokens[j + 1][2].lower().split("-")[0] in _UNITS_EN
                or tokens[j + 1][2].lower().split("-")[0] in _TENS_EN):
            previous = "and"
        else:
            break
        j += 1
        if len(parts) == 2 and previous in ("unit", "tens") and parts[1] not in _UNITS_EN:
            break  # "six-month": the number ends inside the token
    return total, (j - i if previous else 0)


def _arabic_forms(word: str) -> list[str]:
    forms = _strip_clitics(_fold_ar(word))
    # The accusative's alif (واحدًا, ثلاثًا) is not part of the number word.
    return forms + [f[:-1] for f in forms if f.endswith("ا") and len(f) > 3]


def _arabic_number(tokens: list[tuple[int, int, str]], i: int, plain: str
                   ) -> tuple[Number, int] | None:
    start, end, word = tokens[i]
    forms = _arabic_forms(word)
    nxt = _fold_ar(tokens[i + 1][2]) if i + 1 < len(tokens) else ""
    for form in forms:
        if f"{form} {nxt}" in _VAGUE_AR:
            return Number(_VAGUE_AR[f"{form} {nxt}"], plain[start:tokens[i + 1][1]], start,
                          tokens[i + 1][1], "vague", soft=True), 2
        if f"{form} {nxt}" in _MONTHS_AR:
            return Number(_MONTHS_AR[f"{form} {nxt}"], plain[start:tokens[i + 1][1]], start,
                          tokens[i + 1][1], "month", soft=True), 2
    for form in forms:
        if form in _MONTHS_AR and (form not in ("اب",) or re.search(r"\d", plain[end:end + 5])):
            return Number(_MONTHS_AR[form], word, start, end, "month", soft=True), 1
        if form in _ORDINALS_AR:
            return _arabic_ordinal(tokens, i, plain, _ORDINALS_AR[form])
        if form in _DUAL_AR:
            return Number(_DUAL_AR[form], word, start, end), 1
        if form in _VAGUE_AR and form not in ("الاف", "ملايين", "مليارات"):
            return Number(_VAGUE_AR[form], word, start, end, "vague", soft=True), 1
        if form in ("الاف", "ملايين", "مليارات") and not _number_before(plain, start):
            return Number(_VAGUE_AR[form], word, start, end, "vague", soft=True), 1
        if form in _HUNDRED_AR and not _number_before(plain, start):
            return Number(100, word, start, end), 1
        if form in ("مليون", "مليار", "الف") and not _number_before(plain, start):
            return Number(_SCALE_AR[form], word, start, end), 1
    # Teens: أحد عشر, اثنا عشر, ثلاثة عشر ...
    if nxt in ("عشر", "عشره") and i + 1 < len(tokens):
        for form in forms:
            unit = _TEEN_AR.get(form, _UNITS_AR.get(form))
            if unit is not None and 1 <= unit <= 9:
                return Number(10 + unit, plain[start:tokens[i + 1][1]], start,
                              tokens[i + 1][1]), 2
    definite = any(f.startswith("ال") for f in forms[1:]) or _fold_ar(word).startswith("ال")
    for form in forms:
        if form in _UNITS_AR:
            value = float(_UNITS_AR[form])
            consumed = 1
            # خمسة وعشرون: units, then "و" and the tens.
            if i + 1 < len(tokens) and tokens[i + 1][2].startswith("و"):
                tens = next((_TENS_AR[f] for f in _arabic_forms(tokens[i + 1][2])
                             if f in _TENS_AR), None)
                if tens:
                    value += tens
                    consumed = 2
            last = tokens[i + consumed - 1][1]
            scale, scale_len = _scale_after(plain[last:], "ar")
            if scale:
                value *= scale
                last += scale_len
            hundred = re.match(r"\s?(م[ئا]ة|م[ئا]ه)", plain[last:])
            if hundred and value <= 9:
                value *= 100
                last += hundred.end()
            kind = "adjectival" if (definite or form in _AMBIGUOUS_AR) and not scale else "number"
            soft = kind == "adjectival" or (value <= 10 and not scale)
            return Number(value, plain[start:last], start, last, kind, soft), consumed
        if form in _TENS_AR:
            value = float(_TENS_AR[form])
            last = end
            scale, scale_len = _scale_after(plain[last:], "ar")
            if scale:
                value *= scale
                last += scale_len
            kind = "adjectival" if (definite or form in _AMBIGUOUS_AR) and not scale else "number"
            return Number(value, plain[start:last], start, last, kind, kind == "adjectival"), 1
    return None


def _arabic_ordinal(tokens: list[tuple[int, int, str]], i: int, plain: str, unit: int
                    ) -> tuple[Number, int]:
    """الثالث, الثالث عشر, الرابعة والثلاثين: soft numbers."""
    start = tokens[i][0]
    value, consumed = float(unit), 1
    if i + 1 < len(tokens):
        nxt = _fold_ar(tokens[i + 1][2])
        if unit < 10 and nxt in ("عشر", "عشره"):
            value, consumed = 10.0 + unit, 2
        elif nxt.startswith("وال") and nxt[1:] in {f"ال{k}" for k in _TENS_AR}:
            value, consumed = float(unit + _TENS_AR[nxt[3:]]), 2
    last = tokens[i + consumed - 1][1]
    return Number(value, plain[start:last], start, last, "ordinal", soft=True), consumed


def _number_before(plain: str, start: int) -> bool:
    """Whether a scale word at `start` follows a number ("3 ملايين"): then it is part of it."""
    return re.search(r"\d[\d.,]*\s?$", plain[max(0, start - 12):start]) is not None


def _join_compounds(numbers: list[Number], plain: str, lang: str) -> list[Number]:
    """"3 ملايين و500 ألف" and "2 million 300 thousand" are one figure."""
    out: list[Number] = []
    for number in numbers:
        if out and number.kind == "number" and out[-1].kind == "number":
            prev = out[-1]
            gap = plain[prev.end:number.start]
            joiner = gap.strip() in ("و", "and", "") if lang == "ar" else gap.strip() in ("and", "")
            if lang == "ar" and not gap.strip() and plain[number.start:number.start + 1] == "و":
                joiner = True
            magnitude = _magnitude(prev.value)
            if (joiner and len(gap) <= 4 and magnitude >= 1e3 and prev.value % magnitude == 0
                    and number.value < magnitude and number.value >= 1 and not number.soft
                    and _magnitude(number.value) < magnitude and gap != ""):
                out[-1] = Number(prev.value + number.value, plain[prev.start:number.end],
                                 prev.start, number.end)
                continue
        out.append(number)
    return out


def _magnitude(value: float) -> float:
    for scale in (1e12, 1e9, 1e6, 1e3):
        if value >= scale:
            return scale
    return 1.0
