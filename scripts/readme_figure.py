"""Composes the README's picture, docs/images/families_grid.png, from sample grids the benchmarks saved.

No model is trained or sampled here: every panel is a grid that a benchmark script
wrote into docs/images/ from a model it trained (the source is named beside each
panel below and in the README's caption). This script only places them side by side
and labels them, so the picture can be rebuilt when a benchmark updates a grid:

    .venv/bin/python scripts/readme_figure.py
"""

from __future__ import annotations

import argparse
import os

from PIL import Image, ImageDraw, ImageFont

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGES = os.path.join(REPO_ROOT, "docs", "images")

# (grid in docs/images, title, what the grid shows), row by row; every grid comes from a model a
# benchmark trained for 15 minutes on the 2-core CPU (docs/benchmarks.md).
PANELS = (
    # benchmarks/latent_figures.py, the DCGAN of benchmarks/latent.py
    ("dcgan_walk_slerp.png", "DCGAN", "samples along latent walks"),
    # benchmarks/latent_figures.py, the default (beta 2) conditional VAE
    ("cvae_classes.png", "Conditional VAE", "samples, one row per class"),
    # benchmarks/autoregressive.py, the default Gated PixelCNN
    ("autoregressive_gated_pixelcnn_mixture_samples.png", "Gated PixelCNN", "samples"),
    # benchmarks/latent_figures.py, the VAE of benchmarks/latent.py
    ("latent_walk.png", "VAE", "walks between test images"),
    # benchmarks/image_to_image.py
    ("image_to_image_pix2pix.png", "pix2pix", "edges | L1 only | pix2pix | real"),
    # benchmarks/image_to_image.py
    ("image_to_image_cyclegan.png", "CycleGAN", "sandal > sneaker > sandal, and back"),
)
COLUMNS = 3
GAP = 16  # pixels between cells and around the figure
TITLE_SIZE, CAPTION_SIZE = 16, 12


def compose(panels=PANELS, columns: int = COLUMNS, images_dir: str = IMAGES) -> Image.Image:
    """The labelled grid of panels: a title and a caption above each panel, `columns` panels a row."""
    title_font = ImageFont.load_default(size=TITLE_SIZE)
    caption_font = ImageFont.load_default(size=CAPTION_SIZE)
    grids = [Image.open(os.path.join(images_dir, name)).convert("L") for name, _, _ in panels]
    label_height = TITLE_SIZE + CAPTION_SIZE + 10
    cell_width = max(grid.width for grid in grids)
    rows = [grids[start : start + columns] for start in range(0, len(grids), columns)]
    row_heights = [label_height + max(grid.height for grid in row) for row in rows]
    width = columns * cell_width + (columns + 1) * GAP
    height = sum(row_heights) + (len(rows) + 1) * GAP
    figure = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(figure)
    top = GAP
    for row_index, row in enumerate(rows):
        for column, grid in enumerate(row):
            _, title, caption = panels[row_index * columns + column]
            left = GAP + column * (cell_width + GAP)
            centre = left + cell_width // 2
            draw.text((centre, top), title, fill=0, font=title_font, anchor="mt")
            draw.text((centre, top + TITLE_SIZE + 4), caption, fill=80, font=caption_font, anchor="mt")
            figure.paste(grid, (centre - grid.width // 2, top + label_height))
        top += row_heights[row_index] + GAP
    return figure


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=os.path.join(IMAGES, "families_grid.png"), help="the PNG to write")
    args = parser.parse_args(argv)
    compose().save(args.out, optimize=True)
    print(f"readme_figure: wrote {args.out}")
    return args.out


if __name__ == "__main__":
    main()
