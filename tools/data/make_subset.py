#!/usr/bin/python3
"""Makes the class-balanced Fashion-MNIST subset embedded in the models module.

Selection rule: from each split, walk the original file in order and keep the first K images of
each class (K = 200 for train, 50 for test), preserving the original order. The result is written
in the original IDX format, gzipped with mtime 0 so reruns give identical bytes.

    /usr/bin/python3 tools/data/make_subset.py \
        [--source /usr/share/datasets/fashion-mnist] [--out models/src/main/resources/fashion-mnist]

The source is the Debian package dataset-fashion-mnist (the original files of
https://github.com/zalandoresearch/fashion-mnist). Standard library only.
"""
import argparse
import gzip
import hashlib
import os
import struct

SPLITS = {"train": ("train", 200), "t10k": ("t10k", 50)}
ROWS = COLS = 28
CLASSES = 10


def read_idx(path, magic):
    with gzip.open(path, "rb") as f:
        blob = f.read()
    (m,) = struct.unpack(">I", blob[:4])
    if m != magic:
        raise ValueError("%s: magic 0x%08x, expected 0x%08x" % (path, m, magic))
    rank = m & 0xFF
    dims = struct.unpack(">" + "I" * rank, blob[4:4 + 4 * rank])
    return dims, blob[4 + 4 * rank:]


def write_idx(path, magic, dims, payload):
    header = struct.pack(">I", magic) + struct.pack(">" + "I" * len(dims), *dims)
    with open(path, "wb") as raw, gzip.GzipFile(filename="", fileobj=raw, mode="wb", compresslevel=9, mtime=0) as f:
        f.write(header + payload)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default="models/src/main/resources/fashion-mnist")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for prefix, (name, per_class) in SPLITS.items():
        (n, rows, cols), images = read_idx(os.path.join(args.source, prefix + "-images-idx3-ubyte.gz"), 0x803)
        (n2,), labels = read_idx(os.path.join(args.source, prefix + "-labels-idx1-ubyte.gz"), 0x801)
        assert (rows, cols) == (ROWS, COLS) and n == n2 == len(labels) and len(images) == n * rows * cols
        taken, keep = [0] * CLASSES, []
        for i, y in enumerate(labels):
            if taken[y] < per_class:
                taken[y] += 1
                keep.append(i)
        assert taken == [per_class] * CLASSES, taken
        size = rows * cols
        sub_images = b"".join(images[i * size:(i + 1) * size] for i in keep)
        sub_labels = bytes(labels[i] for i in keep)
        img_path = os.path.join(args.out, name + "-images-idx3-ubyte.gz")
        lbl_path = os.path.join(args.out, name + "-labels-idx1-ubyte.gz")
        write_idx(img_path, 0x803, (len(keep), rows, cols), sub_images)
        write_idx(lbl_path, 0x801, (len(keep),), sub_labels)
        for p in (img_path, lbl_path):
            print("%s  %7d bytes  sha256 %s" % (p, os.path.getsize(p), hashlib.sha256(open(p, "rb").read()).hexdigest()))
        print("  %s: %d images, last source index %d" % (name, len(keep), keep[-1]))


if __name__ == "__main__":
    main()
