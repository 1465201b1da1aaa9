#!/usr/bin/env python3
"""PyTorch peer of `dynaxx train examples/fashion-mlp.dynaxx.yaml --epochs N`: the same training, end to end.

What it copies from the model file and the trainer (trainer/data/load.ts, trainer/engine/*):
- data: Fashion-MNIST IDX files (.gz or not) from $DYNAXX_DATA_DIR (or its fashion-mnist/ folder), else
  /usr/share/datasets/fashion-mnist; pixels / 255; 10% of the training set held out for validation (a seeded
  random split; `--limit N` keeps N training samples first, as data.limit does); the full test set.
- model: 784 -> dense 512 relu -> dropout 0.2 -> dense 256 relu -> dropout 0.2 -> dense 10; He-normal kernels
  N(0, 2/fan_in) before relu, Glorot-uniform logits, zero biases.
- training: batch 128, a new shuffle every epoch, the last partial batch dropped; Adam lr 1e-3, betas 0.9/0.999,
  eps 1e-7; cosine schedule with 200 linear warm-up steps down to 0.05 x lr; the loss read back every 20 steps
  (the CLI's --log-every default); validation and a checkpoint (state dict to a temp file) after every epoch;
  validation and test evaluation at the end, in batches of 512.
- the pipeline: each batch is gathered on the host and copied to the device, as the trainer does.
fp32 only (TF32 off on CUDA). Prints one JSON object (and writes it to --out FILE): seconds (training and
evaluation, the scope of the CLI's `seconds`), wallSeconds (with data loading), samples/s, test accuracy,
torch version, device.

Usage: python3 bench/torch_fashion_mlp.py [--device cpu|cuda] [--epochs 3] [--limit N] [--seed 42] [--out FILE]
"""
import argparse
import gzip
import json
import math
import os
import platform
import sys
import tempfile
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_ref import open_device, sync  # noqa: E402  (the benchmark's PyTorch peer, beside this file)

DEBIAN_DIR = "/usr/share/datasets/fashion-mnist"
FILES = {
    "train_x": "train-images-idx3-ubyte", "train_y": "train-labels-idx1-ubyte",
    "test_x": "t10k-images-idx3-ubyte", "test_y": "t10k-labels-idx1-ubyte",
}
BATCH, LR, EPS, WARMUP, MIN_FACTOR, LOG_EVERY, EVAL_BATCH, VALIDATION = 128, 1e-3, 1e-7, 200, 0.05, 20, 512, 0.1


def data_dir():
    """The first folder holding the training images, as the trainer looks for them (trainer/data/fashion.ts)."""
    dirs = []
    env = os.environ.get("DYNAXX_DATA_DIR")
    if env:
        dirs += [env, os.path.join(env, "fashion-mnist")]
    dirs.append(DEBIAN_DIR)
    for d in dirs:
        if find(d, FILES["train_x"]):
            return d
    raise SystemExit(f"torch_fashion_mlp.py: Fashion-MNIST not found in {', '.join(dirs)} (set DYNAXX_DATA_DIR)")


def find(d, name):
    dotted = name.replace("-idx", ".idx")
    for n in (name, name + ".gz", dotted, dotted + ".gz"):
        p = os.path.join(d, n)
        if os.path.isfile(p):
            return p
    return None


def read_idx(path):
    """An IDX file (magic 0x0000 0x08 rank, big-endian dims, uint8 data) as a numpy array."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as f:
        raw = f.read()
    if raw[0] != 0 or raw[1] != 0 or raw[2] != 8:
        raise SystemExit(f"{path}: not an unsigned-byte IDX file")
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(limit, seed):
    d = data_dir()
    x = read_idx(find(d, FILES["train_x"])).reshape(-1, 784).astype(np.float32) / 255.0
    y = read_idx(find(d, FILES["train_y"])).astype(np.int64)
    tx = read_idx(find(d, FILES["test_x"])).reshape(-1, 784).astype(np.float32) / 255.0
    ty = read_idx(find(d, FILES["test_y"])).astype(np.int64)
    order = np.random.default_rng(seed).permutation(len(x))
    pool = order[: min(limit, len(x))] if limit else order
    n_val = max(1, round(len(pool) * VALIDATION))
    val, train = np.sort(pool[:n_val]), np.sort(pool[n_val:])
    return (x[train], y[train]), (x[val], y[val]), (tx, ty), d


def build(seed):
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Linear(784, 512), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.2),
        nn.Linear(256, 10),
    )
    with torch.no_grad():
        for layer, relu in ((model[0], True), (model[3], True), (model[6], False)):
            fan_in, fan_out = layer.in_features, layer.out_features
            if relu:
                layer.weight.normal_(0, math.sqrt(2 / fan_in))
            else:
                bound = math.sqrt(6 / (fan_in + fan_out))
                layer.weight.uniform_(-bound, bound)
            layer.bias.zero_()
    return model


def lr_at(step, total):
    """trainer/engine/lr-schedules.ts `cosine`: warm-up (s+1)/W, then cosine from lr to lr·minFactor."""
    if step < WARMUP:
        return LR * (step + 1) / WARMUP
    span = max(1, total - WARMUP - 1)
    p = min(1.0, (step - WARMUP) / span)
    low = LR * MIN_FACTOR
    return low + (LR - low) * 0.5 * (1 + math.cos(math.pi * p))


def evaluate(model, x, y, device):
    model.eval()
    loss, correct = torch.zeros((), device=device), torch.zeros((), device=device)
    with torch.no_grad():
        for i in range(0, len(x), EVAL_BATCH):
            xb = torch.from_numpy(x[i:i + EVAL_BATCH]).to(device)
            yb = torch.from_numpy(y[i:i + EVAL_BATCH]).to(device)
            logits = model(xb)
            loss += F.cross_entropy(logits, yb, reduction="sum")
            correct += (logits.argmax(1) == yb).sum()
    model.train()
    return {"loss": loss.item() / len(x), "accuracy": correct.item() / len(x)}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--limit", type=int, default=0, help="training samples kept before the split (0: all)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--out", help="also write the JSON here")
    a = ap.parse_args()

    wall0 = time.perf_counter()
    device, name = open_device(a.device, "torch_fashion_mlp.py")
    (x, y), (vx, vy), (tx, ty), folder = load(a.limit, a.seed)
    model = build(a.seed).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=EPS)
    spe = max(1, len(x) // BATCH)
    total = a.epochs * spe
    ckpt = tempfile.mkdtemp(prefix="torch-fashion-mlp-")
    rng = np.random.default_rng(a.seed + 1)
    sync(device)
    t0 = time.perf_counter()

    step, last_loss = 0, float("nan")
    loss_sum = torch.zeros((), device=device)
    for epoch in range(a.epochs):
        perm = rng.permutation(len(x))
        for b in range(spe):
            idx = perm[b * BATCH:(b + 1) * BATCH]
            xb = torch.from_numpy(x[idx]).to(device)
            yb = torch.from_numpy(y[idx]).to(device)
            for g in opt.param_groups:
                g["lr"] = lr_at(step, total)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
            loss_sum += loss.detach()
            step += 1
            if step % LOG_EVERY == 0 or step == total:
                last_loss = loss_sum.item() / (LOG_EVERY if step % LOG_EVERY == 0 else step % LOG_EVERY)
                loss_sum.zero_()
                if not math.isfinite(last_loss):
                    raise SystemExit(f"torch_fashion_mlp.py: non-finite loss ({last_loss}) at step {step}")
        val = evaluate(model, vx, vy, device)
        torch.save({"model": model.state_dict(), "opt": opt.state_dict()}, os.path.join(ckpt, "checkpoint.pt"))
        print(f"torch {a.device} epoch {epoch + 1}/{a.epochs}: loss {last_loss:.4f}, val {val['accuracy']:.4f}", file=sys.stderr)
    val = evaluate(model, vx, vy, device)
    test = evaluate(model, tx, ty, device)
    sync(device)
    seconds = time.perf_counter() - t0
    for f in os.listdir(ckpt):
        os.remove(os.path.join(ckpt, f))
    os.rmdir(ckpt)

    report = {
        "model": "fashion-mlp", "epochs": a.epochs, "steps": total, "batch": BATCH, "trainSamples": len(x),
        "seconds": seconds, "wallSeconds": time.perf_counter() - wall0, "samplesPerSec": total * BATCH / seconds,
        "loss": last_loss, "valAccuracy": val["accuracy"], "testAccuracy": test["accuracy"], "testLoss": test["loss"],
        "torch": torch.__version__, "python": platform.python_version(), "device": name, "deviceType": a.device,
        "threads": torch.get_num_threads(), "tf32": False, "data": folder,
    }
    if a.out:
        with open(a.out + ".tmp", "w") as f:
            json.dump(report, f)
        os.replace(a.out + ".tmp", a.out)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
