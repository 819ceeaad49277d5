"""The house style: one place for fonts, colours, markers and sizes used by every figure.

Colours are the Okabe-Ito palette (distinguishable with colour-blindness); every series also
has its own marker shape or hatch so the figures read in black and white.
"""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator, Sequence

import matplotlib as mpl

#: The investigations' colours, given out in the order the deaths happened (Okabe-Ito; black is
#: kept for marks that belong to no investigation, yellow for the band of the series' end).
PALETTE = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#D55E00",  # vermillion
    "#56B4E9",  # sky blue
)
NEUTRAL = "#4D4D4D"
LIGHT = "#BBBBBB"

#: Marker per kind of mark, chosen to differ in shape as well as colour.
MARKERS = {
    "found": "X",
    "opportunity": "v",
    "arrest": "s",
    "court": "D",
    "release": "^",
}
DEATH_HATCH = "////"

WIDTH_IN = 9.0

RC = {
    "font.family": "DejaVu Sans",  # ships with matplotlib, so every machine draws the same glyphs
    "font.size": 9,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "legend.frameon": False,
    "figure.dpi": 100,
    "savefig.dpi": 150,
    # Text stays text in SVG: searchable, copyable and read by screen readers, and six times
    # smaller and quicker to write than glyph outlines. Viewers without DejaVu Sans substitute
    # another sans-serif font; the PNG is drawn with the bundled font either way.
    "svg.fonttype": "none",
    "svg.hashsalt": "sourced-record",  # fixed ids in SVG output: same data, same bytes
    "hatch.linewidth": 0.8,
}


def investigation_colours(investigations: Sequence[str]) -> dict[str, str]:
    """A colour for each investigation id, by its place in ``investigations`` (the order of the deaths).

    More investigations than :data:`PALETTE` holds reuse it from the start; the figures label every
    lane and mark, so colour is never the only carrier of meaning.

    >>> investigation_colours(["b", "a"])
    {'b': '#0072B2', 'a': '#E69F00'}
    """
    return {v: PALETTE[i % len(PALETTE)] for i, v in enumerate(investigations)}


@contextmanager
def house_style() -> Iterator[None]:
    """Apply the house style for the duration of a figure's construction or saving."""
    with mpl.rc_context(RC):  # type: ignore[arg-type]  # the stubs list every rc key as a Literal
        yield
