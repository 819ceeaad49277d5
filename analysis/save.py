"""Write figures atomically and byte-stably.

Each format is rendered into a temporary file beside its target and renamed into place, so
a failure part-way leaves the previous figure intact; volatile metadata (dates, software
versions) is dropped so the same data gives the same bytes on every run.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from matplotlib.figure import Figure

from analysis.atomic import write_atomic
from analysis.style import house_style

# PNG first: its save lays the figure out (constrained layout at the PNG's resolution); the SVG then
# reuses that layout rather than computing it again.
FORMATS = ("png", "svg")


def _savefig(fig: Figure, fmt: str, metadata: dict[str, str | None], tmp: Path) -> None:
    """Render ``fig`` as ``fmt`` into ``tmp`` (the temporary file :func:`write_atomic` renames)."""
    fig.savefig(tmp, format=fmt, metadata=metadata)


def alt_text(fig: Figure) -> str:
    """The figure's alt text, set by the function that drew it."""
    text = getattr(fig, "alt_text", "")
    if not text:
        raise ValueError("figure has no alt text: set fig.alt_text in the function that draws it")
    return text


def save_figure(fig: Figure, name: str, out_dir: str | Path = "figures") -> list[Path]:
    """Write ``fig`` as ``NAME.svg``, ``NAME.png`` and its alt text as ``NAME.alt.txt``.

    Returns the paths written. ``name`` says what the figure shows, e.g. ``"gaps-to-next-death"``.
    """
    out = Path(out_dir)
    alt = alt_text(fig)
    title = fig.get_suptitle() or name
    metadata = {
        "svg": {"Date": None, "Creator": None, "Title": title, "Description": alt},
        "png": {"Software": None, "Title": title, "Description": alt},
    }
    written = []
    engine = fig.get_layout_engine()
    with house_style():
        try:
            for fmt in FORMATS:
                target = out / f"{name}.{fmt}"
                write_atomic(target, partial(_savefig, fig, fmt, metadata[fmt]))
                written.append(target)
                # No engine (not "none", which still costs a draw) keeps the layout just computed.
                fig.set_layout_engine(None)
        finally:
            fig.set_layout_engine(engine)  # a later draw (or save) lays the figure out again
    alt_path = out / f"{name}.alt.txt"
    write_atomic(alt_path, lambda tmp: tmp.write_text(alt + "\n", encoding="utf-8"))
    return [*written, alt_path]


def save_and_show(fig: Figure, name: str, out_dir: str | Path = "figures"):
    """Save ``fig`` like :func:`save_figure` and return the written PNG for a notebook to display.

    Showing the saved file, rather than the figure, spares a second rendering and means the
    notebook shows exactly the committed image.
    """
    from IPython.display import Image

    paths = save_figure(fig, name, out_dir)
    return Image(filename=str(next(p for p in paths if p.suffix == ".png")), width=900)
