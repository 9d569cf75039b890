"""Training under `tf.distribute` strategies: batch means, replica noise, statistics every replica shares.

Under a strategy each replica runs the train step on its own slice of the
global batch, and Keras' TensorFlow optimizer sums the replicas' gradients.
Three things follow, each handled once here:

- a loss is the local mean divided by the number of replicas
  (`global_batch_mean`), so the summed gradient is the global batch's;
- random draws of a step are the replica's own (`replica_seed`): the model's
  seed state is a mirrored variable that every replica reads alike, so drawing
  from it directly gives every replica the same latent points;
- state that every replica updates (BEGAN's `k_t`) must be computed from
  statistics of the global batch (`synchronized_mean`), or the replicas' copies
  drift apart.

With one replica (no strategy, or outside `fit`) every function here gives what
the plain computation gives, so single-device results do not depend on this
module. On JAX, `keras.distribution.DataParallel` runs one program over the
global batch: nothing here changes anything there.
"""

import json
import socket

import keras
from keras import ops


def _replica_context():
    """The `tf.distribute` replica context when more than one replica is in sync, else None."""
    if keras.backend.backend() != "tensorflow":
        return None
    import tensorflow as tf

    context = tf.distribute.get_replica_context()  # None in a strategy's cross-replica context
    if context is None or context.num_replicas_in_sync <= 1:
        return None
    return context


def global_batch_mean(per_example):
    """Mean of per-example values, scaled so replica gradients sum correctly.

    Under a `tf.distribute` strategy each replica sees 1/num_replicas of the
    global batch and gradients are summed across replicas, so the local mean is
    divided by the number of replicas (what Keras' own `compute_loss` does).

    Args:
        per_example: `(batch,)` tensor of losses.

    Returns:
        A scalar tensor in float32 (kept in full precision under mixed precision).
    """
    loss = ops.mean(ops.cast(per_example, "float32"))
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            loss = loss / replicas
    return loss


def unscaled(loss):
    """Undoes `global_batch_mean`'s replica scaling, for metrics and logs."""
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        replicas = tf.distribute.get_strategy().num_replicas_in_sync
        if replicas > 1:
            return loss * replicas
    return loss


def synchronized_mean(values):
    """The mean of `values` over the global batch: the same number on every replica.

    For state that every replica updates itself, such as BEGAN's control
    variable `k_t`: computed from each replica's own slice, the replicas' copies
    of the variable would drift apart. Under a strategy the sum and the count
    are summed across replicas (an all-reduce); with one replica this is
    `ops.mean(values)`.

    Args:
        values: a tensor of any shape whose elements are averaged.

    Returns:
        A scalar tensor (float32 under a strategy).
    """
    context = _replica_context()
    if context is None:
        return ops.mean(values)
    import tensorflow as tf

    values = tf.cast(values, "float32")
    local = tf.stack([tf.reduce_sum(values), tf.cast(tf.size(values), "float32")])
    total = context.all_reduce(tf.distribute.ReduceOp.SUM, local)
    return total[0] / total[1]


class ReplicaSeedGenerator(keras.random.SeedGenerator):
    """A view of a `SeedGenerator` whose seeds differ on every replica.

    Each draw advances the wrapped generator, as a draw from it would, and
    turns its seed `(s, c)` into `(s, c * replicas + replica_id)`: a distinct
    seed for every (draw, replica) pair, the same in every run with the same
    seed and number of replicas. It holds no state of its own, so a step may
    make one wherever it draws; see `replica_seed`.

    Args:
        seed_generator: the model's `keras.random.SeedGenerator`.
        replica_id: the replica's index in its sync group (an int or a scalar tensor).
        replicas: the number of replicas in sync.
    """

    def __init__(self, seed_generator, replica_id, replicas):
        # No super().__init__(): that would create a state variable inside the step.
        self.name = seed_generator.name
        self.backend = seed_generator.backend
        self.seed_generator = seed_generator
        self.replica_id = replica_id
        self.replicas = int(replicas)

    @property
    def state(self):
        return self.seed_generator.state

    def next(self, ordered=True):
        seed = self.seed_generator.next(ordered=ordered)
        replica = ops.cast(self.replica_id, seed.dtype)
        return ops.stack([seed[0], seed[1] * self.replicas + replica])


def replica_seed(seed_generator):
    """The seed for a random draw of a train step: `seed_generator` itself, or its per-replica view.

    Under a `tf.distribute` strategy with more than one replica in sync, the
    model's seed state is mirrored and every replica would draw the same
    numbers: two replicas of a half batch would train on the same latent
    points twice. There this returns a `ReplicaSeedGenerator`, which folds the
    replica id into each seed, so replicas draw independent noise, reproducibly.
    With one replica, outside a replica context and on JAX (whose
    `DataParallel` runs one program over the global batch) it returns
    `seed_generator` unchanged, so the random stream is what it always was.

    Args:
        seed_generator: the model's `keras.random.SeedGenerator`.

    Returns:
        What to pass as `seed=` to `keras.random` functions.

    Example:
    >>> z = keras.random.normal((count, latent_dim), seed=replica_seed(self.seed_generator))
    """
    context = _replica_context()
    if context is None:
        return seed_generator
    return ReplicaSeedGenerator(seed_generator, context.replica_id_in_sync_group, context.num_replicas_in_sync)


def local_cluster(workers):
    """`TF_CONFIG` values for `workers` processes of one `MultiWorkerMirroredStrategy` on this machine.

    For trying multi-worker training (and testing it) on one machine: each
    worker listens on a port of 127.0.0.1 that was free when asked (all are
    bound to port 0 together, then released). Start worker `i` with
    `TF_CONFIG=local_cluster(n)[i]` in its environment.

    Args:
        workers: the number of worker processes.

    Returns:
        One JSON string per worker, in worker order.

    Example:
    >>> configs = local_cluster(2)
    >>> json.loads(configs[1])["task"]
    {'type': 'worker', 'index': 1}
    """
    sockets = [socket.socket() for _ in range(int(workers))]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        cluster = {"worker": [f"127.0.0.1:{sock.getsockname()[1]}" for sock in sockets]}
    finally:
        for sock in sockets:
            sock.close()
    return [json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}}) for index in range(len(sockets))]
