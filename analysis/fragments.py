"""Links that open a page at a quoted passage: URL text fragments (WICG Scroll-to-Text-Fragment).

A text fragment is ``URL#:~:text=[prefix-,]textStart[,textEnd][,-suffix]``: a browser that
supports it (Chromium, Safari, Firefox from 131) scrolls to the first match and highlights it;
one that does not simply opens the page. Each term is percent-encoded: the spec allows only
ASCII letters, digits and ``! $ ' ( ) * + . / : ; = ? @ _ ~`` unencoded, so the three characters
with a meaning in the directive (``-``, ``,`` and ``&``) are encoded, as are spaces and every
non-ASCII character (as UTF-8 bytes: a curly apostrophe is ``%E2%80%99``).

A short passage is given whole as ``textStart``. A long one is given by its first and last few
words (``textStart,textEnd``): the browser highlights everything between them, the link stays
short, and a passage whose middle the page breaks differently (a line break, a link) still matches.
"""

from __future__ import annotations

import re

#: Characters a text directive term may carry unencoded (the spec's TextDirectiveExplicitChar).
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!$'()*+./:;=?@_~")

#: Passages of at most this many words go whole into ``textStart``.
WHOLE_WORDS = 8

#: Words kept at each end of a longer passage (``textStart`` and ``textEnd``).
EDGE_WORDS = 4


def encode_term(text: str) -> str:
    """Percent-encode one term of a text directive, as the spec requires.

    >>> encode_term("the suspect's flat, Testmouth - 3 March & after")
    "the%20suspect's%20flat%2C%20Testmouth%20%2D%203%20March%20%26%20after"
    >>> encode_term("suspect’s")
    'suspect%E2%80%99s'
    """
    return "".join(c if c in _SAFE else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in text)


def text_fragment(url: str, quote: str, whole_words: int = WHOLE_WORDS, edge_words: int = EDGE_WORDS) -> str:
    """``url`` with a text fragment that opens it at ``quote`` (whitespace in the quote is collapsed).

    >>> text_fragment("https://example.org/a", "found dead on March 4")
    'https://example.org/a#:~:text=found%20dead%20on%20March%204'
    >>> text_fragment("https://example.org/a#top", "a b c d e f g h i j")
    'https://example.org/a#top:~:text=a%20b%20c%20d,g%20h%20i%20j'
    >>> text_fragment("https://example.org/a", "")
    'https://example.org/a'
    """
    words = quote.split()
    if not words:
        return url
    if len(words) <= whole_words:
        directive = encode_term(" ".join(words))
    else:
        n = min(edge_words, len(words) // 2)
        directive = f"{encode_term(' '.join(words[:n]))},{encode_term(' '.join(words[-n:]))}"
    joiner = ":~:" if "#" in url else "#:~:"
    return f"{url}{joiner}text={directive}"


def decode_term(term: str) -> str:
    """The text of an encoded term (for tests and for reading links back).

    >>> decode_term("suspect%E2%80%99s%20flat%2C%20Testmouth")
    'suspect’s flat, Testmouth'
    """
    return re.sub(r"(%[0-9A-F]{2})+", lambda m: bytes.fromhex(m.group(0).replace("%", "")).decode("utf-8"), term)
