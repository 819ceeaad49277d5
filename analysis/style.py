"""The house style: one place for fonts, colours, markers and sizes used by every figure.

Colours are the Okabe-Ito palette (distinguishable with colour-blindness); every series also
has its own marker shape or hatch so the figures read in black and white.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import matplotlib as mpl

#: One colour per investigation (victim), in the order the deaths happened.
VICTIM_COLOURS = {
    "walgate": "#0072B2",    # blue
    "kovari": "#E69F00",     # orange
    "whitworth": "#009E73",  # bluish green
    "taylor": "#CC79A7",     # reddish purple
}
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
SOURCE_LINE = "Source: Stephen Port police-failings record; every row cites public sources in data/sources.csv"

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
    "svg.hashsalt": "stephen-port-record",  # fixed ids in SVG output: same data, same bytes
    "hatch.linewidth": 0.8,
}


@contextmanager
def house_style() -> Iterator[None]:
    """Apply the house style for the duration of a figure's construction or saving."""
    with mpl.rc_context(RC):
        yield
