"""Video generation and frame prediction on moving Fashion-MNIST.

Full run on 2 CPU cores with its defaults: 7.2 minutes (measured 2026-12-04 on
an AMD EPYC, load 2.1, by benchmarks/example_times.py); `--smoke` finishes in
seconds.

That run included training the data set's feature network for the metrics,
which is cached on first use; later runs reuse it.

Two families of clips train on `moving_fashion_mnist` (8 frames of 32x32, one
Fashion-MNIST item bouncing at 1-3 px/frame):

- `VideoGAN` (Vondrick, Pirsiavash & Torralba, 2016) generates whole clips
  from noise: a 3-D stream gives a moving foreground and its mask, a 2-D
  stream a static background, and the clip is m * f + (1 - m) * b. Its parts
  are written as GIFs of their own.
- `CrossConvCVAE` (Xue, Wu, Bouman & Freeman, 2016) predicts possible next
  frames of a given frame: its motion code z becomes convolution kernels, so
  different draws of z move the item in different directions. Its
  predictions are written beside the real clips.

Both are then scored with `keras_gen.evaluation.evaluate`, which reports the
metrics of the model's kind: frame FID, class consistency and motion for
VideoGAN; the share of predicted frames that move the item 1-3 px, their
direction entropy, class agreement and best-of-k MSE for CrossConvCVAE
(docs/video.md).

On 2 CPU cores an epoch of VideoGAN over 60,000 clips takes tens of minutes;
`--limit` trains on fewer clips.

Run:
    python examples/video_moving_fashion.py --epochs 1 --limit 6000 --out runs/example_video
    python examples/video_moving_fashion.py --smoke   # seconds: 4 frames of 16x16 digits, tiny models

`--data` is a data set of clips (`moving_fashion_mnist`) or of images, whose
images are set moving with `keras_gen.data.moving_sprites` (the smoke run
moves the 8x8 digits on 16x16 canvases).

Writes into --out: samples.gif, foreground.gif, mask.gif, background.gif,
predictions.gif (each row: a real clip, then 3 continuations of its first
frame), video_gan.keras and cross_conv.keras.
"""

import argparse
import os

import numpy as np

import keras_gen
from keras_gen.callbacks import save_predictions, save_video_grid
from keras_gen.evaluation import evaluate, format_table
from keras_gen.models import CrossConvCVAE, VideoGAN


def load_clips(name, split, limit, smoke):
    """`(clips, labels)` in [-1, 1]: a data set of clips, or clips made from an image data set's images."""
    if keras_gen.data.info(name).kind == "videos":
        return keras_gen.data.load_numpy(name, split, scale=(-1, 1), limit=limit)
    images, labels = keras_gen.data.load_numpy(name, split, scale=(0, 255), limit=limit)
    frames, canvas = (4, 16) if smoke else (8, 32)
    clips, _ = keras_gen.data.moving_sprites(np.round(images).astype("uint8"), frames=frames, canvas=canvas,
                                             sprite_size=canvas // 2, seed=0 if split == "train" else 1)
    return clips.astype("float32"), labels


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=1, help="passes over the training clips")
    parser.add_argument("--limit", type=int, default=6000, help="training clips (the data set has 60,000)")
    parser.add_argument("--out", default="runs/example_video", help="output directory")
    parser.add_argument("--data", default="moving_fashion_mnist",
                        help="a data set of clips, or of images to set moving")
    parser.add_argument("--smoke", action="store_true", help="64 tiny clips, 1 epoch, tiny models: checks the script runs")
    args = parser.parse_args(argv)
    limit, width, latent_dim, evaluated = args.limit, 32, 100, 500
    if args.smoke:
        limit, width, latent_dim, evaluated = 64, 4, 8, 16
    train, _ = load_clips(args.data, "train", limit, args.smoke)
    test, _ = load_clips(args.data, "test", evaluated, args.smoke)
    clip_shape = train.shape[1:]
    os.makedirs(args.out, exist_ok=True)

    # VideoGAN: whole clips from noise, a moving foreground over a static background.
    video_gan = VideoGAN.for_videos(clip_shape, latent_dim=latent_dim, width=width, seed=0)
    video_gan.compile()  # Adam(2e-4, beta_1 = 0.5) for both players, as in the paper
    video_gan.fit(train, batch_size=32, epochs=args.epochs, verbose=2)
    save_video_grid(video_gan.generate(16), os.path.join(args.out, "samples.gif"), video_gan.data_scale)
    z = np.random.default_rng(0).standard_normal((16, latent_dim)).astype("float32")
    parts = video_gan.generate_layers(latent_points=z)
    save_video_grid(parts["foreground"], os.path.join(args.out, "foreground.gif"), video_gan.data_scale)
    save_video_grid(parts["mask"], os.path.join(args.out, "mask.gif"), (0, 1))
    still = np.repeat(parts["background"][:, None], clip_shape[0], axis=1)  # the background has no time axis
    save_video_grid(still, os.path.join(args.out, "background.gif"), video_gan.data_scale)
    video_gan.save(os.path.join(args.out, "video_gan.keras"))

    # CrossConvCVAE: possible next frames of a given frame, one per motion code z.
    options = {"num_scales": 2, "hidden_units": 16, "latent_dim": 4, "num_kernels": 4} if args.smoke else {}
    cross_conv = CrossConvCVAE.for_videos(clip_shape, width=width, seed=0, **options)
    cross_conv.compile()  # Adam(1e-3)
    cross_conv.fit(train, batch_size=32, epochs=args.epochs, verbose=2)
    save_predictions(cross_conv, test[:4], os.path.join(args.out, "predictions.gif"))
    cross_conv.save(os.path.join(args.out, "cross_conv.keras"))

    # The metrics of each model's kind, on held-out clips (docs/video.md explains each one).
    if keras_gen.data.info(args.data).kind == "videos":
        for name, model in (("VideoGAN", video_gan), ("CrossConvCVAE", cross_conv)):
            results = evaluate(model, args.data, num_samples=evaluated, num_predictions=10)
            print(format_table(results, title=f"{name} against '{args.data}' (test)"))
    else:  # no registered clips to evaluate against: the metrics that need no classifier
        motion = keras_gen.evaluation.motion_statistics(video_gan.generate(len(test)))
        print(f"VideoGAN: still clips {motion['still_share']:.2f}, speed {motion['speed']:.2f} px/frame")
        predicted = cross_conv.predict_next(test[:, 0], num_samples=10)
        found = keras_gen.evaluation.prediction_metrics(test[:, 0], test[:, 1], predicted,
                                                        metrics=("displacement", "best_of_k_mse"))
        print(f"CrossConvCVAE: moving share {found['moving_share']:.2f}, best-of-10 MSE {found['best_of_k_mse']:.4f}")
    print(f"Wrote {args.out}/samples.gif, foreground.gif, mask.gif, background.gif, predictions.gif and the models.")


if __name__ == "__main__":
    main()
