"""Train the registered models (trainer/models.py) on MNIST and write their checkpoints and logs.

    python trainer/train.py                     # every model, the recipes that made checkpoints/
    python trainer/train.py --models lenet --epochs 5
    python trainer/train.py --dry-run --out-dir /tmp/smoke
    python trainer/train.py --extra-data drawings/export --init-from checkpoints --epochs 3 --lr 2e-4 --out-dir finetuned

Model / train / evaluate / main, in that order. A parameter-server job is trainer/distributed.py's;
the people's drawings of --extra-data are trainer/extra_data.py's.
"""
import argparse
import platform
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as `python trainer/train.py`: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
from tqdm import tqdm

from trainer import augment, checkpoint, extra_data, mnist, training_log
from trainer.distributed import KVSTORES, SINGLE_PROCESS, Cluster, UsageError, join_cluster, parameter_digest
from trainer.models import MODELS, build_model, count_parameters
from trainer.mxnet_shim import mx

VALIDATION_SIZE = 5000
BATCH_SIZE = 128  # --batch-size's default
SPEED_EVERY = 100  # batches between speed lines, as MXNet's Speedometer
DRY_RUN_BATCHES = 3


@dataclass
class Settings:
    """Everything that decides a training run, stored in the checkpoint metadata and resume state."""

    model: str
    epochs: int
    batch_size: int
    lr: float
    weight_decay: float
    warmup_epochs: float
    seed: int
    augment: bool
    validation_size: int
    dry_run: bool = False
    extra_data: str = None  # folder written by `python demo/drawings.py export`
    init_from: str = None  # checkpoint folder whose weights the run starts from


# ---------------------------------------------------------------------------------------------- model


def hybridized(block):
    """Compile a block into one cached graph with memory planned once (every batch has the same shape)."""
    block.hybridize(static_alloc=True, static_shape=True)
    return block


def create_network(settings, devices):
    """Build, initialise and hybridize a network; run one batch so its graph (and export) exists."""
    mx.random.seed(settings.seed)
    net = build_model(settings.model)
    net.initialize(mx.init.Xavier(magnitude=2.24), ctx=devices)
    hybridized(net)(mx.nd.zeros((1, 1, 28, 28), ctx=devices[0]))
    return net


class TrainingStep(mx.gluon.HybridBlock):
    """Network and loss as one cached graph: (images (B, 1, 28, 28), labels (B,)) -> (losses (B,), logits (B, 10)).

    Wraps the very same network (shared parameters), so exporting `net` is unaffected; one operator
    call per batch instead of two keeps the small MLP's step close to a bare loop's.
    """

    def __init__(self, net):
        super().__init__()
        self.net = net
        self.cross_entropy = mx.gluon.loss.SoftmaxCrossEntropyLoss()

    def hybrid_forward(self, F, images, labels):
        logits = self.net(images)
        return self.cross_entropy(logits, labels), logits


def summed_statistics(batches):
    """[(losses, logits, labels), ...] -> NDArray [correct predictions, summed loss], in a handful of operators."""
    losses, logits, labels = (mx.nd.concat(*parts, dim=0) for parts in zip(*batches))
    correct = (logits.argmax(axis=1) == labels).sum()
    return mx.nd.concat(correct, losses.sum(), dim=0)


def create_trainer(net, settings, steps_per_epoch, kvstore="device"):
    """Adam with linear warm-up then cosine decay to zero, as an MXNet LR scheduler.

    The schedule lives inside the optimizer, so it also runs where the optimizer runs: on the
    parameter servers in distributed training (Trainer.set_learning_rate would only reach workers).
    """
    total_steps = max(1, settings.epochs * steps_per_epoch)
    warmup_steps = min(int(settings.warmup_epochs * steps_per_epoch), total_steps - 1)
    schedule = mx.lr_scheduler.CosineScheduler(max_update=total_steps, base_lr=settings.lr, final_lr=0.0,
                                               warmup_steps=warmup_steps, warmup_begin_lr=0.0)
    return mx.gluon.Trainer(
        net.collect_params(),
        "adam",
        {"learning_rate": settings.lr, "wd": settings.weight_decay, "lr_scheduler": schedule},
        kvstore=kvstore,
    )


# ---------------------------------------------------------------------------------------------- train


@dataclass
class Splits:
    """The arrays one run uses: images float32 (N, 1, 28, 28) in [0, 1], labels int (N,)."""

    train_x: np.ndarray  # MNIST's training images less the validation set, plus --extra-data's drawings
    train_y: np.ndarray
    val_x: np.ndarray
    val_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    drawings: int = 0  # --extra-data: how many drawings, and the held-out ones, never trained on
    held_x: np.ndarray = None
    held_y: np.ndarray = None


@dataclass
class Run:
    """One model's training in progress, and the record written after every finished epoch."""

    settings: Settings
    net: object  # the HybridSequential being trained
    trainer: object  # its gluon.Trainer
    devices: list
    cluster: Cluster = SINGLE_PROCESS
    show_progress: bool = False
    log_lines: list = field(default_factory=list)
    history: list = field(default_factory=list)  # per epoch: validation accuracy and loss (and on the drawings)
    seconds: float = 0.0
    epochs_completed: int = 0
    drawings_report: dict = None  # --extra-data: accuracy on the held-out drawings before and after

    @property
    def device(self):
        return self.devices[0]


def split_data(settings, data, extra=None, cluster=SINGLE_PROCESS):
    """(train_x, train_y, test_x, test_y) [+ --extra-data's (images, labels)] -> this worker's Splits."""
    train_x, train_y, test_x, test_y = data
    train_x, train_y, val_x, val_y = mnist.split_validation(train_x, train_y, settings.validation_size, settings.seed)
    drawings, held_x, held_y = 0, None, None
    if extra is not None:
        extra_x, extra_y, held_x, held_y = extra_data.split(*extra, settings.seed)
        train_x, train_y = extra_data.mix_in(train_x, train_y, extra_x, extra_y)
        drawings = len(extra[1])
    train_x, train_y = cluster.shard(train_x, train_y)
    if settings.dry_run:  # a smoke test: a few batches, a slice of the evaluation sets
        val_x, val_y, test_x, test_y = val_x[:200], val_y[:200], test_x[:500], test_y[:500]
    return Splits(train_x, train_y, val_x, val_y, test_x, test_y, drawings, held_x, held_y)


def steps_per_epoch(sample_count, settings):
    """Full batches per epoch (the last partial batch is dropped so every batch has the same shape)."""
    batches = max(1, sample_count // settings.batch_size)
    return min(batches, DRY_RUN_BATCHES) if settings.dry_run else batches


def train_epoch(run, images, labels, epoch):
    """One pass over the (shuffled, augmented) training arrays. Returns (accuracy, loss, samples/s).

    images: float32 numpy (N, 1, 28, 28) in [0, 1]; labels: int numpy (N,). Speed lines go to run.log_lines.
    Batches are gathered and given their writing styles in numpy, so that work never waits for the
    device: it overlaps with the previous batch's step, which MXNet's engine is still running.
    """
    settings, devices = run.settings, run.devices
    step = hybridized(TrainingStep(run.net))
    rng = np.random.default_rng([settings.seed, epoch])  # per-epoch stream: resuming replays it exactly
    batches = steps_per_epoch(len(labels), settings)
    order = rng.permutation(len(labels))
    strength = augment.affine_strength(epoch, settings.epochs)
    totals = mx.nd.zeros(2, ctx=run.device)  # [correct predictions, summed loss], kept on the device
    pending = []  # (losses, logits, labels) of batches not yet counted: counted in bulk, not per batch
    progress = tqdm(total=batches, desc=f"{settings.model} epoch {epoch}/{settings.epochs}", unit="batch",
                    leave=False, disable=not run.show_progress, dynamic_ncols=True, file=sys.stderr)
    started = window_started = time.time()
    for batch in range(batches):
        index = order[batch * settings.batch_size:(batch + 1) * settings.batch_size]
        batch_images, batch_labels = images[index], labels[index]  # numpy (B, 1, 28, 28), (B,)
        y = mx.nd.array(batch_labels, ctx=run.device, dtype="float32")
        if settings.augment:
            x = augment.augment_batch(batch_images, rng, batch_labels, run.device, strength)
        else:
            x = mx.nd.array(batch_images, ctx=run.device)
        x_parts = mx.gluon.utils.split_and_load(x, devices, even_split=False)
        y_parts = mx.gluon.utils.split_and_load(y, devices, even_split=False)
        with mx.autograd.record():
            losses, logits = zip(*(step(x_part, y_part) for x_part, y_part in zip(x_parts, y_parts)))
        mx.autograd.backward(list(losses))
        run.trainer.step(run.cluster.gradient_batch(settings.batch_size))
        pending += [(loss.as_in_context(run.device), output.as_in_context(run.device), part.as_in_context(run.device))
                    for loss, output, part in zip(losses, logits, y_parts)]
        if (batch + 1) % SPEED_EVERY == 0 or batch + 1 == batches:
            totals += summed_statistics(pending)  # stays on the device: no stall until a number is read
            pending = []
        if (batch + 1) % SPEED_EVERY == 0:
            speed = SPEED_EVERY * settings.batch_size / (time.time() - window_started)
            running_accuracy = totals[0].asscalar() / ((batch + 1) * settings.batch_size)
            run.log_lines.append(training_log.format_speed_line(epoch, batch + 1, speed, running_accuracy))
            progress.set_postfix(acc=f"{running_accuracy:.4f}", speed=f"{speed:,.0f}/s")
            window_started = time.time()
        progress.update(1)
    progress.close()
    seen = max(1, batches * settings.batch_size)
    correct, loss_sum = totals.asnumpy()
    return correct / seen, loss_sum / seen, seen / (time.time() - started)


# ------------------------------------------------------------------------------------------- evaluate


def evaluate(net, images, labels, device, batch_size=1000):
    """Mean accuracy and cross-entropy over numpy arrays, plus the class probabilities (N, 10)."""
    loss_fn = hybridized(mx.gluon.loss.SoftmaxCrossEntropyLoss())
    probabilities, totals = [], np.zeros(2)
    for start in range(0, len(labels), batch_size):
        x = mx.nd.array(images[start:start + batch_size], ctx=device)
        y = mx.nd.array(labels[start:start + batch_size], ctx=device)
        logits = net(x)
        totals += summed_statistics([(loss_fn(logits, y), logits, y)]).asnumpy()
        probabilities.append(mx.nd.softmax(logits).asnumpy())
    count = max(1, len(labels))
    probabilities = np.concatenate(probabilities) if probabilities else np.zeros((0, mnist.NUM_CLASSES), np.float32)
    return float(totals[0] / count), float(totals[1] / count), probabilities


def confusion_matrix(labels, predicted, classes=mnist.NUM_CLASSES):
    """matrix[true][predicted] counts."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


def test_report(net, images, labels, device):
    """The test-set part of the metadata, and the mistakes (for the demo's gallery)."""
    accuracy, loss, probabilities = evaluate(net, images, labels, device)
    predicted = probabilities.argmax(axis=1)
    matrix = confusion_matrix(labels, predicted)
    per_class = matrix.diagonal() / np.maximum(1, matrix.sum(axis=1))
    return {
        "test_images": int(len(labels)),
        "test_accuracy": round(accuracy, 6),
        "test_loss": round(loss, 6),
        "test_errors": int((predicted != labels).sum()),
        "test_per_class_accuracy": [round(float(value), 6) for value in per_class],
        "test_confusion_matrix": matrix.tolist(),
    }, find_mistakes(images, labels, probabilities)


def find_mistakes(images, labels, probabilities):
    """The wrongly classified ones of float (N, 1, 28, 28) [0, 1] images, back in MNIST's uint8 form."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != labels)
    return checkpoint.Mistakes(
        images=(images[wrong, 0] * 255).round().astype(np.uint8),
        labels=labels[wrong].astype(np.int64),
        predicted=predicted[wrong].astype(np.int64),
        confidence=probabilities[wrong, predicted[wrong]].astype(np.float32),
        indices=wrong.astype(np.int64),
    )


# ----------------------------------------------------------------------------------------------- main


def describe_run(run):
    """The self-description stored as NAME.json next to the exported network."""
    settings, paths = run.settings, checkpoint.checkpoint_paths(".", run.settings.model)
    metadata = {
        "format": checkpoint.FORMAT,
        "name": settings.model,
        "architecture": [str(layer) for layer in run.net],
        "parameters": count_parameters(run.net),
        "files": {"symbol": paths.symbol.name, "params": paths.params.name, "log": paths.log.name},
        "input": {
            "name": checkpoint.INPUT_NAME,
            "shape": [None, 1, mnist.IMAGE_SIZE, mnist.IMAGE_SIZE],
            "dtype": "float32",
            "range": [0.0, 1.0],
            "layout": "white digit on black, fitted into a 20x20 box, centre of mass at the centre of 28x28",
            "normalisation": f"inside the network: (x - {mnist.PIXEL_MEAN}) / {mnist.PIXEL_STD}",
        },
        "output": "10 logits (softmax gives class probabilities)",
        "training": {
            **asdict(settings),
            "optimizer": "adam",
            "schedule": "linear warm-up, cosine decay to 0",
            "augmentation": augment.describe() if settings.augment else None,
            "epochs_completed": run.epochs_completed,
            "finished": run.epochs_completed >= settings.epochs,
            "devices": [str(device) for device in run.devices],
            "kvstore": run.cluster.kvstore_type,
            "workers": run.cluster.workers,
            "servers": run.cluster.servers,
            "seconds": round(run.seconds, 1),
            "saved_at": time.strftime("%Y-%m-%d %H:%M:%S"),
            "mxnet_version": mx.__version__,
            "numpy_version": np.__version__,
            "python_version": platform.python_version(),
            "command": "python trainer/train.py " + " ".join(sys.argv[1:]),
        },
        "evaluation": {
            "validation_accuracy": run.history[-1]["validation_accuracy"] if run.history else None,
            "validation_loss": run.history[-1]["validation_loss"] if run.history else None,
        },
    }
    if run.drawings_report is not None:
        metadata["evaluation"]["extra_data"] = run.drawings_report
    return metadata


def start_run(settings, splits, out_dir, devices, resume, show_progress, cluster):
    """A fresh (or --init-from) network and its optimiser; with resume, the interrupted run's state instead."""
    net = create_network(settings, devices)
    if settings.init_from:
        checkpoint.load_weights(net, settings.init_from, settings.model)
    trainer = create_trainer(net, settings, steps_per_epoch(len(splits.train_y), settings), cluster.kvstore)
    run = Run(settings, net, trainer, devices, cluster, show_progress)
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    if splits.held_y is not None:  # measured before training or resuming: the initial weights are the same either way
        run.drawings_report = {"folder": settings.extra_data, "drawings": splits.drawings,
                               "trained_on": splits.drawings - len(splits.held_y), "held_out": len(splits.held_y),
                               "share_of_epoch": extra_data.SHARE, "accuracy_after": None,
                               "accuracy_before": round(evaluate(net, splits.held_x, splits.held_y, run.device)[0], 6)}
    if resume and checkpoint.checkpoint_paths(out_dir, settings.model).resume.is_file():
        resume_run(run, out_dir)
    elif resume:
        print(f"{settings.model}: no unfinished run in {out_dir}; starting from scratch")
    if run.epochs_completed == 0:
        run.log_lines.append(f"{stamp} Start training {settings.model}: {asdict(settings)}")
        if run.drawings_report is not None:
            report = run.drawings_report
            run.log_lines.append(f"{stamp} Drawings from {settings.extra_data}: {report['trained_on']} trained on, "
                                 f"{report['held_out']} held out; held-out accuracy before training "
                                 f"{report['accuracy_before']:.6f}")
    return run


def resume_run(run, out_dir):
    """Restore weights, optimiser state and the record of an interrupted run (its settings win)."""
    progress = checkpoint.load_resume_state(out_dir, run.settings.model, run.net, run.trainer)
    saved_settings = Settings(**progress["settings"])
    if saved_settings != run.settings:
        print(f"{run.settings.model}: resuming with the interrupted run's settings {asdict(saved_settings)}")
    run.settings = saved_settings
    run.log_lines, run.history, run.seconds = progress["log_lines"], progress["history"], progress["seconds"]
    run.epochs_completed = progress["epochs_completed"]
    print(f"{run.settings.model}: resuming after epoch {run.epochs_completed}/{run.settings.epochs}")


def who(run):
    cluster = run.cluster
    return (f"{run.settings.model} (rank {cluster.rank} of {cluster.workers} workers)" if cluster.distributed
            else run.settings.model)


def run_epoch(run, splits, epoch, out_dir):
    """Train one epoch; on the writing rank, evaluate it and rewrite every file of the checkpoint."""
    started = time.time()
    train_accuracy, train_loss, speed = train_epoch(run, splits.train_x, splits.train_y, epoch)
    progress = (f"{who(run)} epoch {epoch:>2}/{run.settings.epochs}: train acc {train_accuracy:.4f} "
                f"loss {train_loss:.4f}")
    if not run.cluster.writes_files:  # the others train in lockstep; rank 0 evaluates and writes
        print(f"{progress} | {time.time() - started:.1f} s, {speed:,.0f} samples/s", flush=True)
        return
    val_accuracy, val_loss, _ = evaluate(run.net, splits.val_x, splits.val_y, run.device)
    elapsed = time.time() - started
    run.seconds += elapsed
    run.log_lines += training_log.format_epoch_lines(epoch, train_accuracy, train_loss, val_accuracy, val_loss, elapsed)
    run.history.append({"epoch": epoch, "validation_accuracy": round(val_accuracy, 6),
                        "validation_loss": round(val_loss, 6)})
    if run.drawings_report is not None:
        accuracy = round(evaluate(run.net, splits.held_x, splits.held_y, run.device)[0], 6)
        run.drawings_report["accuracy_after"] = run.history[-1]["drawings_accuracy"] = accuracy
        run.log_lines.append(training_log.format_drawings_accuracy_line(epoch, accuracy))
    print(f"{progress} | val acc {val_accuracy:.4f} loss {val_loss:.4f} | {elapsed:.1f} s, {speed:,.0f} samples/s",
          flush=True)
    run.epochs_completed = epoch
    save_epoch(run, out_dir)


def save_epoch(run, out_dir):
    """Rewrite the checkpoint's files atomically, the resume state first: it is the source of truth."""
    name = run.settings.model
    if not run.cluster.distributed:  # optimiser state lives on the parameter servers in a distributed job
        checkpoint.save_resume_state(out_dir, name, run.net, run.trainer, {
            "settings": asdict(run.settings), "epochs_completed": run.epochs_completed, "seconds": run.seconds,
            "history": run.history, "log_lines": run.log_lines,
        })
    checkpoint.export_network(run.net, out_dir, name)
    checkpoint.atomic_write(checkpoint.checkpoint_paths(out_dir, name).log, "\n".join(run.log_lines) + "\n")
    checkpoint.write_metadata(out_dir, name, describe_run(run))


def finish_run(run, splits, out_dir):
    """The test-set report and the mistakes file, written by rank 0; the resume state is no longer needed."""
    if run.cluster.distributed:
        print(f"{who(run)}: final parameters sha256 {parameter_digest(run.net)}", flush=True)
    if not run.cluster.writes_files:
        return None
    paths = checkpoint.checkpoint_paths(out_dir, run.settings.model)
    report, mistakes = test_report(run.net, splits.test_x, splits.test_y, run.device)
    metadata = describe_run(run)
    metadata["evaluation"].update(report)
    checkpoint.write_mistakes(out_dir, run.settings.model, mistakes)
    checkpoint.write_metadata(out_dir, run.settings.model, metadata)
    paths.resume.unlink(missing_ok=True)
    print(f"{run.settings.model}: test accuracy {report['test_accuracy']:.4f} ({report['test_errors']} errors"
          f" in {report['test_images']}), {run.seconds / 60:.1f} min; wrote {paths.symbol.parent}/{run.settings.model}-*")
    return metadata


def train_model(settings, data, out_dir, devices, resume=False, show_progress=True, cluster=SINGLE_PROCESS, extra=None):
    """Train one model on `data` = (train_x, train_y, test_x, test_y) numpy arrays; write its checkpoint files.

    extra: (images, labels) of people's drawings (settings.extra_data), mixed into training but for a
    held-out share, on which accuracy is measured with the initial weights and after every epoch.
    settings.init_from: a checkpoint folder whose weights replace the fresh initialisation.

    After every finished epoch the resume state, exported network, log and metadata are
    rewritten atomically, so an interrupted run keeps its last epoch and continues with resume=True.
    In a distributed job each worker trains on its shard and only rank 0 writes files.
    Returns the final metadata dict (None on workers other than rank 0).
    """
    out_dir = Path(out_dir)
    splits = split_data(settings, data, extra, cluster)
    replaced = None
    if cluster.writes_files:
        out_dir.mkdir(parents=True, exist_ok=True)
        replaced = keep_replaced_model(out_dir, settings.model)
    run = start_run(settings, splits, out_dir, devices, resume, show_progress, cluster)
    for epoch in range(run.epochs_completed + 1, run.settings.epochs + 1):
        run_epoch(run, splits, epoch, out_dir)
    metadata = finish_run(run, splits, out_dir)
    if replaced is not None and metadata is not None:
        compare_with_replaced(out_dir, settings.model, metadata, replaced)
    return metadata


def test_accuracy_of(metadata):
    return metadata.get("evaluation", {}).get("test_accuracy")


def keep_replaced_model(out_dir, name):
    """A finished model already in out_dir is kept in out_dir/replaced/ before this run overwrites it; say so."""
    replaced = checkpoint.keep_aside(out_dir, name)
    if replaced is not None:
        accuracy = test_accuracy_of(replaced)
        print(f"{name}: {out_dir} held a finished {name}"
              + (f" ({100 * accuracy:.2f} % on MNIST test)" if accuracy is not None else "")
              + f"; this run replaces it, and keeps it in {out_dir / checkpoint.REPLACED_FOLDER}/", flush=True)
    return replaced


def compare_with_replaced(out_dir, name, metadata, replaced):
    """After the run: when the model it replaced read MNIST better, say how to bring that one back."""
    new, old = test_accuracy_of(metadata), test_accuracy_of(replaced)
    if new is not None and old is not None and new < old:
        aside = out_dir / checkpoint.REPLACED_FOLDER
        print(f"{name}: the model this run replaced read MNIST test better ({100 * old:.2f} % against {100 * new:.2f} %);"
              f" to bring it back: cp {aside}/{name}[-.]* {out_dir}/ (for the shipped ones in a clone of the "
              "repository: git checkout -- checkpoints/)", flush=True)


def pick_devices(gpus_flag):
    """--gpus '0,1' -> those GPUs; 'cpu' -> CPU; None -> every GPU present, else the CPU."""
    available = mx.context.num_gpus()
    if gpus_flag is None:
        return [mx.gpu(index) for index in range(available)] or [mx.cpu()]
    if gpus_flag.strip().lower() in ("cpu", "none", ""):
        return [mx.cpu()]
    try:
        wanted = [int(part) for part in gpus_flag.split(",")]
    except ValueError:
        raise UsageError(f"--gpus {gpus_flag!r}: expected GPU numbers such as 0 or 0,1, or 'cpu'") from None
    missing = [index for index in wanted if not 0 <= index < available]
    if missing:
        hint = " (this MXNet build sees no GPU; on a CUDA machine install e.g. mxnet-cu112)" if available == 0 else ""
        raise UsageError(f"--gpus {gpus_flag}: GPU {missing[0]} is not present; MXNet sees {available} GPU(s){hint}")
    return [mx.gpu(index) for index in wanted]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    recipe = ", ".join(f"{name} {spec.epochs}" for name, spec in MODELS.items())
    peak = ", ".join(f"{name} {spec.lr}" for name, spec in MODELS.items())
    parser.add_argument("--models", default=",".join(MODELS), help=f"comma-separated, from: {', '.join(MODELS)} (default: all)")
    parser.add_argument("--epochs", type=int, default=None, help=f"epochs (default per model: {recipe})")
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE,
                        help=f"images per step, split across devices (default: {BATCH_SIZE})")
    parser.add_argument("--lr", type=float, default=None, help=f"peak learning rate (default per model: {peak})")
    parser.add_argument("--weight-decay", type=float, default=0.0, help="L2 penalty (default: 0)")
    parser.add_argument("--warmup-epochs", type=float, default=1.0, help="linear learning-rate warm-up (default: 1)")
    parser.add_argument("--no-augment", dest="augment", action="store_false",
                        help="train on the plain images (default: augment)")
    parser.add_argument("--seed", type=int, default=42,
                        help="seeds weights, validation split, shuffling, augmentation (default: 42)")
    parser.add_argument("--validation-size", type=int, default=VALIDATION_SIZE,
                        help=f"training images held out for validation (default: {VALIDATION_SIZE})")
    parser.add_argument("--data-dir", default=None, help="folder with the four MNIST IDX files (default: $MNIST_DIR, "
                        "else Gluon's download folder)")
    parser.add_argument("--out-dir", default=str(checkpoint.DEFAULT_FOLDER),
                        help="where checkpoints and logs go (default: checkpoints/)")
    parser.add_argument("--gpus", default=None, help="e.g. 0 or 0,1, or 'cpu' (default: every GPU present, else CPU)")
    parser.add_argument("--resume", action="store_true", help="continue an interrupted run from its last finished epoch")
    parser.add_argument("--kvstore", default="device", choices=KVSTORES,
                        help="dist_* trains as one worker of a parameter-server job started by trainer/launch.py "
                             "(default: device, a single process)")
    parser.add_argument("--dry-run", action="store_true", help=f"smoke test: 1 epoch of {DRY_RUN_BATCHES} batches")
    parser.add_argument("--extra-data", default=None,
                        help="folder from `python demo/drawings.py export`: the drawings join training as "  # %% for argparse
                             f"{100 * extra_data.SHARE:.0f} %% of every epoch, {100 * extra_data.HELD_OUT:.0f} %% of them held out to "
                             "measure accuracy before and after (a short fine-tune: --init-from checkpoints --epochs 3 --lr 2e-4)")
    parser.add_argument("--init-from", default=None,
                        help="checkpoint folder (e.g. checkpoints) whose NAME-0000.params the run starts from")
    args = parser.parse_args(argv)
    args.models = [name.strip() for name in args.models.split(",") if name.strip()]
    unknown = [name for name in args.models if name not in MODELS]
    if unknown or not args.models:
        parser.error(f"--models: unknown model {unknown[0] if unknown else '(none)'!r}; valid names: {', '.join(MODELS)}")
    for flag in ("epochs", "batch_size", "validation_size"):  # 0 validation images: no curve, and nothing to export from
        if getattr(args, flag) is not None and getattr(args, flag) < 1:
            parser.error(f"--{flag.replace('_', '-')} must be at least 1")
    return args


def settings_for(name, args):
    spec = MODELS[name]
    return Settings(
        model=name,
        epochs=1 if args.dry_run else (args.epochs or spec.epochs),
        batch_size=args.batch_size,
        lr=args.lr or spec.lr,
        weight_decay=args.weight_decay,
        warmup_epochs=args.warmup_epochs,
        seed=args.seed,
        augment=args.augment,
        validation_size=args.validation_size,
        dry_run=args.dry_run,
        extra_data=args.extra_data,
        init_from=args.init_from,
    )


def check_init_from(folder, names):
    """--init-from must hold every model's exported weights; say which file is missing before any training."""
    for name in names if folder else ():
        params = checkpoint.checkpoint_paths(folder, name).params
        if not params.is_file():
            raise UsageError(f"--init-from {folder}: {params.name} is missing (a folder written by trainer/train.py, "
                             "e.g. checkpoints)")


def interrupt_on_sigterm():
    """`kill` and trainer/launch.py stop a run with SIGTERM: handle it like Ctrl-C, so that an atomic write
    in progress removes its temporary file instead of leaving it behind."""
    def interrupt(signal_number, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def load_inputs(args):
    """Devices, drawings, job and MNIST, each checked before any training: (devices, extra, cluster, data)."""
    if args.resume and args.kvstore != "device":
        raise UsageError("--resume works for single-process training only: in a distributed job the optimiser"
                         " state lives on the parameter servers")
    devices = pick_devices(args.gpus)
    extra = extra_data.load(args.extra_data) if args.extra_data else None  # before MNIST: fail fast
    check_init_from(args.init_from, args.models)
    cluster = join_cluster(args.kvstore)
    data = mnist.load_mnist(mnist.resolve_data_dir(args.data_dir))
    if args.validation_size >= len(data[1]):
        raise UsageError(f"--validation-size {args.validation_size}: MNIST has {len(data[1])} training images;"
                         " leave some to train on")
    return devices, extra, cluster, data


def main(argv=None):
    args = parse_args(argv)
    interrupt_on_sigterm()
    try:
        devices, extra, cluster, data = load_inputs(args)
    except (UsageError, mnist.DataError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if cluster.writes_files:
        print(f"training {', '.join(args.models)} on {', '.join(str(device) for device in devices)}"
              + (f" as {cluster.workers} workers with {cluster.servers} servers ({args.kvstore})" if cluster.distributed else "")
              + f"; writing to {args.out_dir}", flush=True)
    for name in args.models:
        try:
            train_model(settings_for(name, args), data, args.out_dir, devices, resume=args.resume,
                        show_progress=sys.stderr.isatty(), cluster=cluster, extra=extra)
        except KeyboardInterrupt:
            resume_hint = "" if cluster.distributed else "; continue with the same command plus --resume"
            print(f"\ninterrupted: {name}'s last finished epoch is saved in {args.out_dir}{resume_hint}",
                  file=sys.stderr)
            return 130
        except checkpoint.CheckpointError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
