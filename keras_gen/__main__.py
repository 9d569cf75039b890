"""`python -m keras_gen`: the same as the `keras-gen` command."""

import sys

from keras_gen.cli import main

if __name__ == "__main__":
    sys.exit(main())
