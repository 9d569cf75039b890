"""A class-conditional 3-D GAN of voxel shapes: chairs, tables and sofas.

Full run on 2 CPU cores with its defaults: 3.9 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.2, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

That run included training the data set's feature network for the metrics,
which is cached on first use; later runs reuse it.

`VoxelGAN` (Wu, Zhang, Xue, Freeman & Tenenbaum, 2016) generates 16^3
occupancy grids with 3-D transposed convolutions; its discriminator learns
only from batches on which its accuracy is at most 0.8 (the paper's rule, so
that it does not overpower the generator). With `num_classes=3` it draws
shapes of the class asked for: `generate(n, labels=...)`.

The data, `voxel_shapes`, are procedural: unions of boxes with jittered
proportions (a chair is a seat, four legs and a back; a table a top and four
longer legs; a sofa a seat block, a back, two arms and a base), each one
26-connected shape.

After training, `keras_gen.evaluation.evaluate` reports the voxel metrics
(docs/voxels.md): voxel FID, the share of connected shapes, how often the
voxel judge labels a sample as the class asked for, and the median IoU of each
sample with its nearest training shape, with the share of near-copies.

Run:
    python examples/voxel_shapes.py --epochs 5 --out runs/example_voxels
    python examples/voxel_shapes.py --smoke   # seconds: 8^3 shapes, a tiny model

Writes into --out: samples.png (a slice montage: one row per sample, its 16
depth slices; one row of each class in turn), samples_3d.png (3-D plots of
four samples), snapshots/ after every epoch and model.keras.
"""

import argparse
import os

import numpy as np

import keras_gen
from keras_gen.callbacks import ImageSnapshot, save_volumes
from keras_gen.evaluation import evaluate, format_table
from keras_gen.models import VoxelGAN


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="passes over the 12,000 training shapes")
    parser.add_argument("--out", default="runs/example_voxels", help="output directory")
    parser.add_argument("--data", default="voxel_shapes", help="a data set of voxel grids with class labels")
    parser.add_argument("--smoke", action="store_true", help="96 shapes of 8^3, 1 epoch, a tiny model")
    args = parser.parse_args(argv)
    classes = keras_gen.data.info(args.data).class_names
    if args.smoke:  # the same shapes on a coarser grid, made directly (the data set has 12,000 of 16^3)
        shapes, labels = keras_gen.data.voxel_shapes(96, size=8, seed=0)
        epochs, width, latent_dim = 1, 4, 8
    else:
        shapes, labels = keras_gen.data.load_numpy(args.data, "train", scale=(0, 1))
        epochs, width, latent_dim = args.epochs, 32, 200
    shapes = shapes.astype("float32")

    gan = VoxelGAN.for_voxels(shapes.shape[1:], latent_dim=latent_dim, width=width, num_classes=len(classes),
                              seed=0)
    gan.compile()  # DCGAN's Adam: 6e-4 for the generator, 4e-4 for the discriminator, beta_1 = 0.5
    gan.fit(shapes, labels, batch_size=64, epochs=epochs, verbose=2,
            callbacks=[ImageSnapshot(os.path.join(args.out, "snapshots"), n=2 * len(classes))])

    # Two shapes of each class in turn: the montage's rows go chair, table, sofa, chair, ...
    asked = np.arange(2 * len(classes)) % len(classes)
    samples = gan.generate(len(asked), labels=asked)
    written = save_volumes(gan, samples, os.path.join(args.out, "samples.png"))
    gan.save(os.path.join(args.out, "model.keras"))
    print("rows of samples.png:", ", ".join(classes[label] for label in asked))

    if args.smoke:  # the data set's shapes are 16^3: the metrics that need no classifier, on 8^3 test shapes
        test, _ = keras_gen.data.voxel_shapes(16, size=8, seed=1)
        drawn = gan.generate(16)
        results = keras_gen.evaluation.voxel_sample_metrics(drawn, test, shapes,
                                                            metrics=("connected_share", "nearest_train_iou"))
    else:
        results = evaluate(gan, args.data, num_samples=3000)
    print(format_table(results, title=f"VoxelGAN against '{args.data}' (test)"))
    print(f"Wrote {' and '.join(written)}, {args.out}/model.keras.")


if __name__ == "__main__":
    main()
