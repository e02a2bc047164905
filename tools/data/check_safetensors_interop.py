#!/usr/bin/python3
"""Proves safetensors interop between diffusion4j's Java reader/writer and PyTorch, both ways.

1. Java writes a file (SafetensorsInterop write); this script parses it with its own reader
   (json + numpy, written from the spec, independent of the Java code) and checks every tensor
   bit for bit against values it computes itself, plus the header layout the spec asks for.
2. This script writes a file from torch tensors in F32, F16 and BF16, with a sidecar JSON of the
   float32 bits torch gets when it widens each one; Java reads it (SafetensorsInterop check) and
   compares its own widening against those bits.

Needs torch (1.13 is enough; the safetensors package is not required) and numpy. Run from the
repository root after building the tensor module's tests:

    mvn -q -Dd4j.target=target-io -pl tensor test-compile
    /usr/bin/python3 tools/data/check_safetensors_interop.py \
        --java /usr/lib/jvm/temurin-25-jdk-amd64/bin/java \
        --classpath tensor/target-io/classes:tensor/target-io/test-classes

Without --java, use the halves by hand: --check-java FILE and --write-for-java FILE.
"""
import argparse
import base64
import json
import os
import struct
import subprocess
import sys
import tempfile

import numpy as np
import torch

MAIN = "diffusion4j.tensor.io.SafetensorsInterop"


def expected_from_java():
    """What SafetensorsInterop.write puts in its file; float32 arithmetic as Java does it."""
    ramp = np.arange(24, dtype=np.float32) * np.float32(0.37) - np.float32(5)
    specials = np.array([np.nan, np.inf, -np.inf, -0.0, np.float32(1.4e-45), np.finfo(np.float32).max], dtype=np.float32)
    return {
        "ramp": ramp.reshape(2, 3, 4),
        "specials": specials,
        "scalar": np.array(3.5, dtype=np.float32),
        "empty": np.zeros((0, 2), dtype=np.float32),
    }, {"writer": "diffusion4j", "note": "\u00e9 \"quoted\""}


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise ValueError("duplicate key in header: %r" % keys)
    return dict(pairs)


def read_safetensors(path):
    """A spec reader: returns (header dict in file order, {name: float32 ndarray}, raw header bytes)."""
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    raw = blob[8:8 + n]
    header = json.loads(raw.decode("utf-8"), object_pairs_hook=no_duplicates)
    data = blob[8 + n:]
    out = {}
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        chunk = data[b:e]
        if info["dtype"] == "F32":
            arr = np.frombuffer(chunk, dtype="<f4")
        elif info["dtype"] == "F16":
            arr = np.frombuffer(chunk, dtype="<f2").astype(np.float32)
        elif info["dtype"] == "BF16":
            arr = (np.frombuffer(chunk, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError("unexpected dtype " + info["dtype"])
        out[name] = arr.reshape(info["shape"])
        end = max(end, e)
    if end != len(data):
        raise ValueError("data buffer has %d bytes, tensors cover %d" % (len(data), end))
    return header, out, raw


def write_safetensors(path, tensors, metadata):
    """A spec writer: tensors is [(name, dtype name, torch tensor)], written in that order."""
    header, buf = {}, bytearray()
    if metadata:
        header["__metadata__"] = metadata
    for name, dtype, t in tensors:
        if dtype == "BF16":  # numpy has no bfloat16: move the raw 16-bit patterns
            raw = t.contiguous().view(torch.int16).numpy().astype("<i2").tobytes()
        else:
            raw = t.contiguous().numpy().astype("<f2" if dtype == "F16" else "<f4").tobytes()
        header[name] = {"dtype": dtype, "shape": list(t.shape), "data_offsets": [len(buf), len(buf) + len(raw)]}
        buf += raw
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + bytes(buf))


def bits(a):
    return np.ascontiguousarray(a, dtype=np.float32).view(np.uint32)


def check_java_file(path):
    header, got, raw = read_safetensors(path)
    want, want_meta = expected_from_java()
    problems = []
    if len(raw) % 8 != 0 or not raw.rstrip(b" ").endswith(b"}"):
        problems.append("header not padded with spaces to a multiple of 8")
    if header.get("__metadata__") != want_meta:
        problems.append("metadata %r != %r" % (header.get("__metadata__"), want_meta))
    if [k for k in header if k != "__metadata__"] != list(want):
        problems.append("tensor order %r != %r" % (list(header), list(want)))
    for name, w in want.items():
        g = got.get(name)
        if g is None or g.shape != w.shape or not np.array_equal(bits(g), bits(w)):
            problems.append("tensor %s: got %r, want %r" % (name, g, w))
    return problems


def torch_tensors():
    g = torch.Generator().manual_seed(1234)
    base = torch.randn(2, 3, generator=g) * 10
    half = torch.tensor([1.0, -2.5, 65504.0, 2.0 ** -24, 1e-3], dtype=torch.float32)
    bf = torch.randn(2, 2, generator=g) * 1e30
    return [
        ("f32", "F32", base),
        ("f16", "F16", half.to(torch.float16)),
        ("bf16", "BF16", bf.to(torch.bfloat16)),
    ], {"framework": "torch " + torch.__version__}


def write_for_java(path):
    tensors, meta = torch_tensors()
    write_safetensors(path, tensors, meta)
    expected = {name: {"shape": list(t.shape), "bits": [int(b) for b in bits(t.to(torch.float32).numpy()).ravel()]}
                for name, _, t in tensors}
    with open(path + ".expected.json", "w") as f:
        json.dump({"metadata": meta, "tensors": expected}, f)
    return path + ".expected.json"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--java", help="a JDK 25 java binary; runs both directions")
    ap.add_argument("--classpath", default="tensor/target-io/classes:tensor/target-io/test-classes")
    ap.add_argument("--check-java", metavar="FILE", help="check a file SafetensorsInterop wrote")
    ap.add_argument("--write-for-java", metavar="FILE", help="write a torch file (and FILE.expected.json)")
    ap.add_argument("--print-fixture", action="store_true", help="print the torch file as base64, for a Java test")
    args = ap.parse_args()

    if args.check_java:
        problems = check_java_file(args.check_java)
        print("\n".join(problems) or "OK: " + args.check_java)
        return 1 if problems else 0
    if args.write_for_java or args.print_fixture:
        path = args.write_for_java or os.path.join(tempfile.mkdtemp(), "torch.safetensors")
        side = write_for_java(path)
        if args.print_fixture:
            print(base64.b64encode(open(path, "rb").read()).decode())
            print(open(side).read())
        return 0
    if not args.java:
        ap.error("give --java (both directions) or one of --check-java / --write-for-java")

    flags = ["--add-modules", "jdk.incubator.vector", "-cp", args.classpath, MAIN]
    with tempfile.TemporaryDirectory() as d:
        jfile, tfile = os.path.join(d, "java.safetensors"), os.path.join(d, "torch.safetensors")
        subprocess.run([args.java] + flags + ["write", jfile], check=True)
        problems = check_java_file(jfile)
        print("Java -> Python:", "OK" if not problems else "FAILED\n  " + "\n  ".join(problems))
        side = write_for_java(tfile)
        r = subprocess.run([args.java] + flags + ["check", tfile, side])
        print("Python -> Java:", "OK" if r.returncode == 0 else "FAILED (exit %d)" % r.returncode)
        return 0 if not problems and r.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
