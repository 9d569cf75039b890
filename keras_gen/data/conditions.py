"""What a conditional model is conditioned on: `Condition`, one example's condition described once.

A class label is one kind of condition. The others that the lectures' conditional
GANs and VAEs draw from are attribute vectors (Yan et al., 2016), sets of words
(multi-hot), sentences (Reed et al., 2016) and scene layouts (Karacan et al.,
2016). Data sets declare their conditions with these descriptions, models report
theirs as `model.condition`, and every array a user passes is checked against it
with `Condition.check`, which names the problem and the fix.
"""

import re

import keras
import numpy as np

KINDS = ("classes", "attributes", "multi_hot", "tokens", "layout")
PADDING_ID = 0
UNKNOWN_ID = 1
RESERVED_TOKENS = ("<pad>", "<unk>")
_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")


def _count(value, name, lowest=1):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < lowest:
        raise ValueError(f"{name} must be an integer >= {lowest}, got {value!r}.")
    return int(value)


def _names(names, what):
    if isinstance(names, str) or names is None:
        raise ValueError(f"{what} takes a list of names, e.g. ['smiling', 'young'], got {names!r}.")
    names = tuple(names)
    if not names or not all(isinstance(name, str) and name for name in names):
        raise ValueError(f"{what} takes a non-empty list of non-empty strings, got {list(names)!r}.")
    if len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise ValueError(f"{what}: names must be unique; {repeated} appear more than once.")
    return names


def condition_rows(values, start, stop):
    """Rows `start:stop` of condition values: an array, a dict of arrays (a condition of several parts), or None.

    Example:
    >>> condition_rows({"size": np.arange(4)}, 1, 3)["size"]
    array([1, 2])
    """
    if values is None:
        return None
    if isinstance(values, dict):
        return {key: value[start:stop] for key, value in values.items()}
    return values[start:stop]


@keras.saving.register_keras_serializable(package="keras_gen")
class Condition:
    """What one example is conditioned on: its kind, shape and dtype, and a checker for arrays of it.

    Build one with a constructor of its kind:

    - `Condition.classes(num_classes, names=None)`: an integer in `[0, num_classes)`, batch `(n,)`;
    - `Condition.attributes(names, low=0.0, high=1.0)`: floats in `[low, high]`, batch `(n, A)`;
    - `Condition.multi_hot(names)`: 0/1 per name, batch `(n, A)`;
    - `Condition.tokens(vocabulary, max_length)`: word ids, batch `(n, max_length)`; id 0 is
      padding and 1 an unknown word, so `vocabulary` (the words) starts at id 2. `tokenize(texts)`
      and `detokenize(ids)` convert; `check` takes strings as well as ids;
    - `Condition.layout(shape, num_regions)`: a region id in `[0, num_regions)` per cell,
      batch `(n, h, w)`.

    `check(values, count=None)` returns the checked array (float32 or int32) or raises a
    ValueError that names the problem and the fix. Nothing is coerced silently: floats are not
    rounded into classes, and values out of range are rejected, not clipped.

    Args:
        kind: one of `"classes"`, `"attributes"`, `"multi_hot"`, `"tokens"`, `"layout"`.
        names: the class, attribute or word names (`classes`: optional, `num_classes` of them).
        num_classes: `classes` only.
        low, high: `attributes` only, the range of every attribute.
        vocabulary: `tokens` only, the words (without the two reserved ids).
        max_length: `tokens` only, the length every caption is padded or cut to.
        shape: `layout` only, `(h, w)` of the map.
        num_regions: `layout` only.

    Example:
    >>> from keras_gen.data import Condition
    >>> captions = Condition.tokens(["a", "dark", "small", "sandal"], max_length=6)
    >>> captions.tokenize(["a small dark sandal"])
    array([[2, 4, 3, 5, 0, 0]], dtype=int32)
    >>> captions.detokenize([[2, 4, 3, 5, 0, 0]])
    ['a small dark sandal']
    >>> Condition.attributes(["brightness", "size"]).check([[0.2, 0.9]]).shape
    (1, 2)
    """

    def __init__(self, kind, names=None, *, num_classes=None, low=None, high=None, vocabulary=None,
                 max_length=None, shape=None, num_regions=None):
        if kind not in KINDS:
            raise ValueError(f"Unknown condition kind {kind!r}; choose one of {list(KINDS)}.")
        given = {"num_classes": num_classes, "low": low, "high": high, "vocabulary": vocabulary,
                 "max_length": max_length, "shape": shape, "num_regions": num_regions}
        allowed = {"classes": {"num_classes"}, "attributes": {"low", "high"}, "multi_hot": set(),
                   "tokens": {"vocabulary", "max_length"}, "layout": {"shape", "num_regions"}}[kind]
        stray = sorted(key for key, value in given.items() if value is not None and key not in allowed)
        if stray:
            raise ValueError(f"A {kind!r} condition takes no {', '.join(stray)}; use Condition.{kind}(...).")
        self.kind = kind
        self.num_classes = self.low = self.high = self.vocabulary = self.max_length = self.num_regions = None
        self.layout_shape = None
        if kind == "classes":
            self.num_classes = _count(num_classes, "num_classes", 2)
            self.names = None if names is None else _names(names, "Condition.classes")
            if self.names is not None and len(self.names) != self.num_classes:
                raise ValueError(f"Condition.classes: {self.num_classes} classes but {len(self.names)} names; "
                                 "pass one name per class or none.")
            self.shape, self.dtype = (), "int32"
        elif kind == "attributes":
            self.names = _names(names, "Condition.attributes")
            low, high = (0.0 if low is None else low), (1.0 if high is None else high)
            if not (np.isfinite(low) and np.isfinite(high) and low < high):
                raise ValueError(f"Condition.attributes needs finite low < high, got low={low}, high={high}.")
            self.low, self.high = float(low), float(high)
            self.shape, self.dtype = (len(self.names),), "float32"
        elif kind == "multi_hot":
            self.names = _names(names, "Condition.multi_hot")
            self.shape, self.dtype = (len(self.names),), "float32"
        elif kind == "tokens":
            self.vocabulary = _names(vocabulary, "Condition.tokens' vocabulary")
            reserved = [word for word in self.vocabulary if word in RESERVED_TOKENS]
            if reserved:
                raise ValueError(f"Condition.tokens: {reserved} are reserved (ids 0 and 1); leave them out.")
            self.max_length = _count(max_length, "max_length")
            self.names = RESERVED_TOKENS + self.vocabulary
            self._ids = {word: i for i, word in enumerate(self.names)}
            self.shape, self.dtype = (self.max_length,), "int32"
        else:
            if names is not None:
                raise ValueError("Condition.layout takes no names.")
            shape = tuple(shape) if shape is not None and not isinstance(shape, str) else shape
            if not (isinstance(shape, tuple) and len(shape) == 2):
                raise ValueError(f"Condition.layout takes shape=(height, width), got {shape!r}.")
            self.layout_shape = tuple(_count(side, "each side of a layout's shape") for side in shape)
            self.num_regions = _count(num_regions, "num_regions", 2)
            self.names = None
            self.shape, self.dtype = self.layout_shape, "int32"

    # --- the five kinds -------------------------------------------------------------
    @classmethod
    def classes(cls, num_classes, names=None):
        """One integer class in `[0, num_classes)` per example."""
        return cls("classes", names, num_classes=num_classes)

    @classmethod
    def attributes(cls, names, low=0.0, high=1.0):
        """One float per named attribute, each in `[low, high]`."""
        return cls("attributes", names, low=low, high=high)

    @classmethod
    def multi_hot(cls, names):
        """One 0/1 per name: which of the names hold for the example."""
        return cls("multi_hot", names)

    @classmethod
    def tokens(cls, vocabulary, max_length):
        """A caption: `max_length` word ids, 0 padding and 1 an unknown word, the vocabulary from 2."""
        return cls("tokens", vocabulary=vocabulary, max_length=max_length)

    @classmethod
    def layout(cls, shape, num_regions):
        """A map of `shape` cells, each a region id in `[0, num_regions)`."""
        return cls("layout", shape=shape, num_regions=num_regions)

    @property
    def num_ids(self):
        """How many ids an integer condition has (classes, words with the two reserved ids, regions); None
        for float conditions."""
        if self.kind == "tokens":
            return len(self.names)
        return self.num_classes if self.kind == "classes" else self.num_regions

    def describe(self):
        """A short description for messages, e.g. "a 12-attribute condition, shape (n, 12) of float32"."""
        return f"a {self._description()} condition, {self._expected(None)}"

    # --- words ----------------------------------------------------------------------
    def _require_tokens(self, what):
        if self.kind != "tokens":
            raise ValueError(f"{what} belongs to token conditions; this condition is {self.kind!r}.")

    def tokenize(self, texts):
        """Word ids `(len(texts), max_length)` int32 of lower-cased texts: words out of the vocabulary
        become 1 (the unknown word), short captions are padded with 0; a caption longer than
        `max_length` words is a ValueError (nothing is cut silently)."""
        self._require_tokens("tokenize")
        if isinstance(texts, str):
            raise ValueError("tokenize takes a list of texts, e.g. ['a dark sandal']; wrap one text in a list.")  # noqa: TRY004
        texts = list(texts)
        ids = np.zeros((len(texts), self.max_length), "int32")
        for row, text in enumerate(texts):
            if not isinstance(text, str):
                raise ValueError(f"tokenize takes strings; text {row} is {type(text).__name__}: {text!r}.")  # noqa: TRY004
            words = _WORD.findall(text.lower())
            if len(words) > self.max_length:
                raise ValueError(
                    f"Caption {row} has {len(words)} words, more than this condition's max_length={self.max_length}: "
                    f"{text!r}. Shorten it, or build the condition with Condition.tokens(vocabulary, "
                    f"max_length={len(words)})."
                )
            ids[row, : len(words)] = [self._ids.get(word, UNKNOWN_ID) for word in words]
        return ids

    def detokenize(self, ids):
        """The texts of word ids `(n, max_length)`: padding dropped, unknown words as `<unk>`."""
        self._require_tokens("detokenize")
        ids = self._checked_ids(np.asarray(ids), None)
        return [" ".join(self.names[i] for i in row if i != PADDING_ID) for row in ids]

    # --- checks ---------------------------------------------------------------------
    def check(self, values, count=None):
        """`values` as a checked array `(n, *shape)` of `dtype`; a ValueError naming the fix otherwise.

        `count`, when given, is the number of examples expected. Token conditions also
        take a list of strings, tokenized with `tokenize`.
        """
        if values is None:
            raise ValueError(f"Pass the {self._description()} condition: {self._expected(count)}.")
        if self.kind == "tokens":
            if isinstance(values, str):
                raise ValueError("Pass a list of captions, one per example, e.g. ['a dark sandal'].")
            if isinstance(values, np.ndarray) and values.dtype.kind in "US":
                values = values.tolist()
            if isinstance(values, (list, tuple)) and values and all(isinstance(value, str) for value in values):
                values = self.tokenize(values)
        array = np.asarray(values)
        if array.dtype == object:
            raise ValueError(f"The {self._description()} condition must be a numeric array: {self._expected(count)}.")
        if array.shape[1:] != self.shape or array.ndim != 1 + len(self.shape):
            raise ValueError(f"The {self._description()} condition has shape {array.shape}; expected "
                             f"{self._expected(count)}.{self._shape_hint(array)}")
        if count is not None and len(array) != count:
            raise ValueError(f"Pass one condition per example: {self._expected(count)}, got {len(array)}.")
        if self.kind == "tokens":
            array = self._checked_ids(array, count)
            empty = np.flatnonzero(~array.any(axis=1)) if array.size else []
            if len(empty):
                raise ValueError(f"Caption {empty[0]} is empty (padding only, or no word in the text); every "
                                 "caption needs at least one word.")
            return array
        if self.kind in ("classes", "layout"):
            return self._checked_ids(array, count)
        if array.dtype.kind not in "iufb":
            raise ValueError(f"The {self._description()} condition must be numbers, got dtype {array.dtype}.")
        array = array.astype("float32")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"The {self._description()} condition contains NaN or inf; fix or drop those rows.")
        if self.kind == "multi_hot":
            if not np.all((array == 0) | (array == 1)):
                raise ValueError(f"A multi_hot condition holds only 0 and 1; got values such as "
                                 f"{array[(array != 0) & (array != 1)][0]:g}. Threshold them yourself.")
        elif array.size and (array.min() < self.low or array.max() > self.high):
            raise ValueError(f"Attributes must lie in [{self.low:g}, {self.high:g}]; got [{array.min():g}, "
                             f"{array.max():g}]. Rescale them, or declare the range with "
                             "Condition.attributes(names, low=..., high=...).")
        return array

    def _checked_ids(self, array, count):
        limit = self.num_ids
        if array.dtype.kind not in "iu":
            hint = " Class ids must be integers, not one-hot rows: pass y.argmax(-1)." if (
                self.kind == "classes" and array.ndim == 2) else ""
            raise ValueError(f"The {self._description()} condition must be integer ids, got dtype "
                             f"{array.dtype}; cast it with .astype('int32') if it holds whole numbers.{hint}")
        if array.size and (array.min() < 0 or array.max() >= limit):
            raise ValueError(f"The {self._description()} condition's ids must lie in [0, {limit}); got "
                             f"[{array.min()}, {array.max()}].")
        return array.astype("int32")

    def _description(self):
        if self.kind == "classes":
            return f"{self.num_classes}-class"
        if self.kind == "tokens":
            return f"caption (max_length {self.max_length})"
        if self.kind == "layout":
            return f"{self.layout_shape[0]}x{self.layout_shape[1]} layout"
        return f"{len(self.names)}-{'attribute' if self.kind == 'attributes' else 'name multi_hot'}"

    def _expected(self, count):
        shape = ", ".join(["n" if count is None else str(count), *map(str, self.shape)])
        return f"an array of shape ({shape}{',' if not self.shape else ''}) of {self.dtype}" + (
            " or a list of strings" if self.kind == "tokens" else "")

    def _shape_hint(self, array):
        if self.kind == "classes" and array.ndim == 2:
            return " Pass integer ids, not one-hot rows: y.argmax(-1)."
        if self.kind in ("attributes", "multi_hot") and array.ndim == 1:
            return " One example's values? Add the batch axis: values[None]."
        return ""

    # --- serialization --------------------------------------------------------------
    def get_config(self):
        """The constructor's arguments: `Condition(**config)` rebuilds it."""
        config = {"kind": self.kind}
        if self.kind == "classes":
            config.update(num_classes=self.num_classes, names=None if self.names is None else list(self.names))
        elif self.kind == "attributes":
            config.update(names=list(self.names), low=self.low, high=self.high)
        elif self.kind == "multi_hot":
            config.update(names=list(self.names))
        elif self.kind == "tokens":
            config.update(vocabulary=list(self.vocabulary), max_length=self.max_length)
        else:
            config.update(shape=list(self.layout_shape), num_regions=self.num_regions)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        return isinstance(other, Condition) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash(repr(self))

    def __repr__(self):
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items() if key != "kind")
        return f"Condition.{self.kind}({arguments})"
