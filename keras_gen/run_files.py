"""The names of the files a training run writes into its directory.

Shared by `keras-gen train` and `keras_gen.callbacks.RunCheckpoint`; this
module imports nothing, so the command line can use it without TensorFlow.
"""

MODEL_FILE = "model.keras"
CHECKPOINT_FILE = "checkpoint.keras"
CHECKPOINT_STATE_FILE = "checkpoint.json"
HISTORY_FILE = "history.csv"
LOSS_PLOT_FILE = "losses.png"
SAMPLES_FILE = "samples.png"
RECONSTRUCTIONS_FILE = "reconstructions.png"
COMPLETIONS_FILE = "completions.png"
TRANSLATIONS_FILE = "translations.png"
SNAPSHOT_DIR = "snapshots"
RUN_CONFIG_FILE = "run.json"
EVALUATION_FILE = "evaluation.json"
