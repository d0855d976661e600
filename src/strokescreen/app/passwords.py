"""The password policy of the web app's accounts, and the common passwords it refuses.

A new password is refused when it is blank, shorter than ``MIN_PASSWORD_CHARS`` unless it
is a passphrase (``MIN_PASSPHRASE_WORDS`` words of 3+ letters), made of fewer than 5
distinct characters, contains the user's name, or is a common password. "Common" is not a
copied leak list: it is generated here from the patterns people actually pick (keyboard
walks, digit runs, repeated characters, a few hundred everyday and workplace words with
years and the usual suffixes, letter-for-digit swaps undone), which covers the top of
every published list without shipping one.
"""

from __future__ import annotations

import re
from functools import lru_cache

from strokescreen.errors import InputError

MIN_PASSWORD_CHARS = 12
MIN_PASSPHRASE_WORDS = 3
MAX_PASSWORD_CHARS = 1024

#: Everyday words that people build passwords from (all lower case).
COMMON_WORDS = tuple("""
password passwd pass word passw0rd secret letmein welcome hello hi admin administrator
root user guest login logon master default changeme change temp temporary test testing
qwerty azerty qwertz abc abcd abcde abcdef iloveyou love lovely loveme trustno1 trust
dragon monkey shadow sunshine princess prince football soccer baseball basketball hockey
tennis golf superman batman spiderman starwars pokemon mustang ferrari porsche harley
freedom whatever nothing something anything computer internet network server system
michael jennifer jessica ashley charlie thomas daniel george william robert david maria
anna andrew joshua matthew jordan hunter ranger buster tigger pepper ginger maggie daisy
bailey sophie lucky cookie chocolate cheese banana orange apple cherry summer winter
spring autumn january february march april may june july august september october
november december monday friday sunday weekend holiday christmas easter birthday
family friend friends happy smile flower flowers angel angels heaven jesus god faith
hope peace money dollar gold silver diamond killer hacker matrix ninja pirate
cowboy rockstar music guitar piano dance party sexy hottie beautiful pretty
blue red green black white yellow purple pink silver orange
london paris berlin madrid rome tokyo newyork chicago toronto boston texas california
canada america england germany france spain italy india china australia
doctor nurse hospital clinic clinical medical medicine patient health care healthcare
stroke strokescreen neuro neurology brain emergency triage ward doctor1 physician
office company work business manager support service security private public
phone mobile samsung iphone apple google yahoo microsoft windows linux facebook
""".split())

_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop",
                  "qwertzuiop", "1qaz2wsx3edc4rfv", "qazwsxedcrfv", "zaq12wsx", "1q2w3e4r5t6y")
_SUFFIXES = ("", "1", "12", "123", "1234", "12345", "123456", "!", "!!", "1!", "01", "007",
             "69", "99", "00", "11", "13", "21", "22", "23", "77", "88", "#", "@", "?", ".")
_LEET = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s",
                       "5": "s", "7": "t", "+": "t", "8": "b", "9": "g", "|": "l"})


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The generated list (lower case, no spaces), about 100,000 entries."""
    out: set[str] = set()
    for row in _KEYBOARD_ROWS:
        for text in (row, row[::-1]):
            for i in range(len(text)):
                for j in range(i + 4, len(text) + 1):
                    out.add(text[i:j])
    for ch in "abcdefghijklmnopqrstuvwxyz0123456789!@#$%*.":
        for n in range(4, 21):
            out.add(ch * n)
    years = [str(y) for y in range(1940, 2041)] + [f"{y % 100:02d}" for y in range(1940, 2041)]
    for word in COMMON_WORDS:
        for base in {word, word.capitalize().lower()}:
            out.update(base + s for s in _SUFFIXES)
            out.update(base + y for y in years)
            out.update(base + y + "!" for y in years)
            out.add(base + base)
    return frozenset(out)


def _strip_affixes(text: str) -> str:
    """``text`` without leading and trailing digits and symbols."""
    return re.sub(r"^[\W\d_]+|[\W\d_]+$", "", text)


def is_common(password: str) -> bool:
    """True when ``password`` is (a light variation of) a common password."""
    flat = re.sub(r"\s+", "", password).lower()
    if not flat:
        return True
    table = common_passwords()
    candidates = {flat, flat.translate(_LEET), _strip_affixes(flat),
                  _strip_affixes(flat).translate(_LEET)}
    if any(c in table or c in COMMON_WORDS for c in candidates if c):
        return True
    # a short chunk repeated (abcabcabcabc, 121212121212) or a run of digits
    if re.fullmatch(r"(.{1,4})\1+.{0,3}", flat) or re.fullmatch(r"[\d\W_]+", flat):
        return True
    # one common word padded with digits/symbols, or two joined (passwordpassword123)
    core = _strip_affixes(flat).translate(_LEET)
    return any(core.startswith(w) and core[len(w):] in COMMON_WORDS for w in COMMON_WORDS
               if len(w) >= 3)


def check_new_password(password: str, *, name: str | None = None) -> None:
    """Raise :class:`InputError` (one line saying what to do) unless ``password`` may be set
    for the user ``name``."""
    advice = ("choose at least 12 characters, or 3 or more words, that are not your name "
              "and not a common password")
    if not password.strip():
        raise InputError(f"the password is blank; {advice}")
    if len(password) > MAX_PASSWORD_CHARS:
        raise InputError(f"the password has {len(password)} characters; use at most "
                         f"{MAX_PASSWORD_CHARS}")
    words = [w for w in re.split(r"\s+", password.strip()) if re.fullmatch(r"[^\W\d_]{3,}", w)]
    passphrase = len({w.lower() for w in words}) >= MIN_PASSPHRASE_WORDS
    if len(password.strip()) < MIN_PASSWORD_CHARS and not passphrase:
        raise InputError(f"the password has {len(password.strip())} characters; use at least "
                         f"{MIN_PASSWORD_CHARS}, or a passphrase of {MIN_PASSPHRASE_WORDS} "
                         "or more words")
    if len(set(password.lower())) < 5:
        raise InputError(f"the password has too few different characters; {advice}")
    if name:
        flat, key = re.sub(r"\s+", "", password).lower(), name.lower()
        if key in flat or key[::-1] in flat or key in flat.translate(_LEET):
            raise InputError(f"the password contains the user name; {advice}")
    if is_common(password):
        raise InputError(f"that is a common password, easily guessed; {advice}")
