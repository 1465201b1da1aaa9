#!/usr/bin/env python3
"""PyTorch peer of bench/bench.ts: the same reference models (bench/models.ts), Adam lr 1e-3, trained by a
hand-written loop over random data preloaded on the device. Prints one JSON object on stdout; with --out FILE it
also rewrites FILE after every case, so what was measured survives a crash or a timeout of a later case.

Usage: python3 bench/torch_ref.py --device cpu|cuda [--cases mlp:64,cnn:256] [--steps N] [--warmup N] [--out FILE]
Defaults: every model at its batch sizes (mlp-big on cuda only); cpu 10 steps after 3, cuda 50 after 5.
Runs with torch 1.13 (Debian python3-torch) and torch 2.x; fp32 only (TF32 disabled on CUDA).
"""
import argparse
import json
import math
import os
import platform
import re
import sys
import time

import torch
from torch import nn
import torch.nn.functional as F

DEFAULT_BATCHES = {"mlp": [64, 256, 1024], "mlp-big": [256, 1024, 4096], "cnn": [64, 256]}
GPU_ONLY = {"mlp-big"}
# steps, warm-up steps
DEFAULT_STEPS = {"cpu": (10, 3), "cuda": (50, 5)}


def build(name):
    """The model and the shape of one sample (NCHW for the CNN: the same math as tfjs's [28, 28, 1])."""
    if name == "mlp":
        return nn.Sequential(nn.Linear(784, 1024), nn.ReLU(), nn.Linear(1024, 1024), nn.ReLU(), nn.Linear(1024, 10)), (784,)
    if name == "mlp-big":
        return nn.Sequential(nn.Linear(1024, 4096), nn.ReLU(), nn.Linear(4096, 4096), nn.ReLU(), nn.Linear(4096, 10)), (1024,)
    if name == "cnn":
        return nn.Sequential(
            nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(7 * 7 * 64, 128), nn.ReLU(), nn.Linear(128, 10),
        ), (1, 28, 28)
    raise SystemExit(f"unknown model '{name}': use one of {', '.join(DEFAULT_BATCHES)}")


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure(name, batch, steps, warmup, device):
    torch.manual_seed(1)
    model, shape = build(name)
    model = model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    nb = 4  # distinct preloaded batches, used in turn
    xs = (torch.rand(nb, batch, *shape, device=device) * 2 - 1).unbind(0)
    ys = torch.randint(0, 10, (nb, batch), device=device).unbind(0)

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(xs[i % nb]), ys[i % nb])
        loss.backward()
        opt.step()
        return loss

    for i in range(warmup):
        step(i)
    sync(device)
    t0 = time.perf_counter()
    for i in range(steps):
        loss = step(warmup + i)
    last = loss.item()  # one host read at the end, as the tfjs loop does
    sync(device)
    seconds = time.perf_counter() - t0
    if not math.isfinite(last):
        raise ValueError(f"non-finite loss ({last}) after {warmup + steps} steps")
    return {"model": name, "batch": batch, "warmup": warmup, "steps": steps, "seconds": seconds,
            "samplesPerSec": steps * batch / seconds}


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "CPU"


def open_device(kind, script):
    """The torch device for `cpu` or `cuda` and its name: fp32 without TF32 on CUDA, every core on the CPU."""
    device = torch.device(kind)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise SystemExit(f"{script}: --device cuda but torch.cuda.is_available() is False")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        return device, torch.cuda.get_device_name(0)
    torch.set_num_threads(os.cpu_count() or 1)
    return device, f"{cpu_name()} ({os.cpu_count()} cores)"


def blas_info():
    """BLAS_INFO of the build: `mkl`, `open`, or `generic` (Debian: whatever the system libblas.so.3 is)."""
    m = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
    return m.group(1) if m else "unknown"


def blas_library():
    """The BLAS library this process loaded (Linux), e.g. openblas-pthread/libblas.so.3 or blas/libblas.so.3 (the
    reference BLAS, slow); None when it cannot be told."""
    torch.mm(torch.ones(2, 2), torch.ones(2, 2))
    try:
        with open("/proc/self/maps") as f:
            paths = {line.split()[-1] for line in f if "blas" in line.split()[-1]}
    except OSError:
        return None
    libs = sorted("/".join(p.split("/")[-2:]) for p in paths if "libblas" in p or "mkl_rt" in p)
    return ", ".join(libs) or None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    ap.add_argument("--cases", help="model:batch list, e.g. mlp:64,cnn:256 (default: every model at its batch sizes)")
    ap.add_argument("--steps", type=int)
    ap.add_argument("--warmup", type=int)
    ap.add_argument("--out", help="also write the JSON here, after every case")
    a = ap.parse_args()

    device, name = open_device(a.device, "torch_ref.py")
    if device.type == "cuda":
        torch.backends.cudnn.benchmark = True
    steps = a.steps or DEFAULT_STEPS[a.device][0]
    warmup = a.warmup if a.warmup is not None else DEFAULT_STEPS[a.device][1]

    if a.cases:
        cases = [(c.split(":")[0], int(c.split(":")[1])) for c in a.cases.split(",") if c]
    else:
        cases = [(m, b) for m, bs in DEFAULT_BATCHES.items() if device.type == "cuda" or m not in GPU_ONLY for b in bs]

    results, failures = [], []
    report = {
        "torch": torch.__version__, "python": platform.python_version(), "device": name, "deviceType": a.device,
        "threads": torch.get_num_threads(), "tf32": False, "blas": blas_info(),
        "blasLibrary": blas_library(), "results": results, "failures": failures,
    }
    write(a.out, report)
    for model, batch in cases:
        try:
            r = measure(model, batch, steps, warmup, device)
            results.append(r)
            print(f"torch {a.device} {model} b={batch}: {r['samplesPerSec']:.0f} samples/s", file=sys.stderr)
        except Exception as e:  # out of memory, a non-finite loss and the like: report, go on
            failures.append({"model": model, "batch": batch, "error": (str(e).splitlines() or [type(e).__name__])[0]})
            print(f"torch {a.device} {model} b={batch}: failed: {failures[-1]['error']}", file=sys.stderr)
            if device.type == "cuda":
                torch.cuda.empty_cache()
        write(a.out, report)
    print(json.dumps(report))


def write(path, report):
    """Atomically: a killed run leaves the previous complete file."""
    if not path:
        return
    with open(path + ".tmp", "w") as f:
        json.dump(report, f)
    os.replace(path + ".tmp", path)


if __name__ == "__main__":
    main()
