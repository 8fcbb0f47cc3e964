"""Reading a drawn figure back: its artists by id, its texts, the pixels of a saved image."""

import matplotlib.image
import matplotlib.text
import numpy as np


def artists(figure, prefix: str) -> dict:
    """The artists of ``figure`` whose id starts with ``prefix``, by id."""
    return {artist.get_gid(): artist for artist in figure.findobj(lambda a: str(a.get_gid()).startswith(prefix))}


def all_with(figure, gid: str) -> list:
    """The artists of ``figure`` with id ``gid``, in drawing order."""
    return figure.findobj(lambda a: a.get_gid() == gid)


def texts(figure) -> str:
    """Every text of ``figure`` (titles, labels, legends, annotations), one per line."""
    return "\n".join(text.get_text() for text in figure.findobj(matplotlib.text.Text))


def decoded(path) -> np.ndarray:
    """The pixels of the image file at ``path`` (rows, columns, channels)."""
    return matplotlib.image.imread(path)
