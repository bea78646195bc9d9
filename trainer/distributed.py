"""Training as one worker of a parameter-server job (KVStore dist_sync / dist_async) that trainer/launch.py starts.

A lone process is rank 0 of 1 with a local kvstore ("device"); in a job, each worker trains on its
shard of the training set, the servers hold the weights and the optimiser, and rank 0 alone
evaluates and writes files.
"""
import hashlib
import os
from dataclasses import dataclass

from trainer.mxnet_shim import mx

KVSTORES = ("device", "dist_sync", "dist_async")


class UsageError(RuntimeError):
    """A flag asks for something this machine or job cannot do; the message says why."""


@dataclass(frozen=True)
class Cluster:
    """Where this process sits in a training job."""

    kvstore: object = "device"  # "device", or an mx.kv.KVStore ("dist_sync" / "dist_async") from trainer/launch.py
    rank: int = 0
    workers: int = 1
    servers: int = 0

    @property
    def distributed(self):
        return not isinstance(self.kvstore, str)  # a job from trainer/launch.py always has a KVStore object

    @property
    def kvstore_type(self):
        return self.kvstore.type if self.distributed else self.kvstore

    @property
    def writes_files(self):
        return self.rank == 0  # one writer: logs, metadata and checkpoints come from rank 0 only

    def gradient_batch(self, batch_size):
        """Samples behind one update: dist_sync servers sum every worker's gradient before updating."""
        synchronous = self.distributed and "async" not in self.kvstore.type
        return batch_size * self.workers if synchronous else batch_size

    def shard(self, images, labels):
        """This worker's equal share of the training set (equal, so sync workers take the same number of steps)."""
        size = len(labels) // self.workers
        return images[self.rank::self.workers][:size], labels[self.rank::self.workers][:size]


SINGLE_PROCESS = Cluster()


def join_cluster(kvstore):
    """'device' -> this process alone; 'dist_*' -> this worker's place in the job trainer/launch.py started."""
    if kvstore == "device":
        return SINGLE_PROCESS
    if os.environ.get("DMLC_ROLE") != "worker":
        raise UsageError(f"--kvstore {kvstore} runs as a worker of a distributed job; start it with "
                         f"`python trainer/launch.py --local --workers 2 -- python trainer/train.py --kvstore {kvstore}`")
    store = mx.kv.create(kvstore)  # connects to the scheduler named by DMLC_PS_ROOT_URI / DMLC_PS_ROOT_PORT
    return Cluster(store, store.rank, store.num_workers, int(os.environ.get("DMLC_NUM_SERVER", "0")))


def parameter_digest(net):
    """SHA-256 over every parameter's bytes: equal digests mean bit-identical weights (workers print it)."""
    digest = hashlib.sha256()
    for name, param in sorted(net.collect_params().items()):
        digest.update(name.encode())
        digest.update(param.data().asnumpy().tobytes())
    return digest.hexdigest()
