"""Messages of the in-step data checks that every backend raises alike."""


def off_grid_message(levels, what, fix=None):
    """The error for pixel values off the grid of `levels` values; `fix` replaces the advice for 8-bit images.

    Example:
    >>> off_grid_message(2, "training images", "binarize them")
    'The training images are not on a grid of 2 pixel values; binarize them'
    """
    if fix is None:
        return (f"The {what} are not on a grid of {levels} pixel values (8-bit images scaled from 0..255); load them "
                "with keras_gen.data.load(...) or scale integers with keras_gen.data.scale_images, without resizing "
                "or adding noise")
    return f"The {what} are not on a grid of {levels} pixel values; {fix}"
