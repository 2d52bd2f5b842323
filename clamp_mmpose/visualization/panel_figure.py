"""A Matplotlib figure of equal, titled panels under a header, sized in pixels."""
from typing import List, Tuple


def panel_figure(num_panels: int, cols: int, panel_px: int, title_px: int, header_px: int,
                 header: str, header_fontsize: float):
    """A figure of ``num_panels`` square panels of ``panel_px`` in rows of ``cols``, each with
    ``title_px`` above it for its title, under a ``header_px`` header holding ``header``.

    Returns the figure, the panels' axes (row by row) and the size in pixels (width, height)
    the figure has when saved at 100 dpi. Matplotlib's Agg backend: no display needed.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    rows = -(-num_panels // cols)
    width, height = cols * panel_px, header_px + rows * (panel_px + title_px)
    fig = plt.figure(figsize=(width / 100, height / 100), dpi=100)
    fig.text(0.5, 1 - 4 / height, header, ha='center', va='top', fontsize=header_fontsize)
    axes: List = []
    for i in range(num_panels):
        r, c = divmod(i, cols)
        axes.append(fig.add_axes([c * panel_px / width,
                                  1 - (header_px + (r + 1) * (panel_px + title_px)) / height,
                                  panel_px / width, panel_px / height]))
    return fig, axes, (width, height)


def fit_image(ax, size: Tuple[int, int]) -> None:
    """Show exactly an image of ``size`` (width, height), y downwards, without axis lines."""
    ax.set_xlim(0, size[0])
    ax.set_ylim(size[1], 0)
    ax.axis('off')


def save_figure(fig, out_file: str) -> None:
    """Write the figure at 100 dpi (its pixel size) and free it."""
    import matplotlib.pyplot as plt
    fig.savefig(out_file, dpi=100)
    plt.close(fig)
