"""Saving is atomic and loading never returns partial data: interrupted saves leave the previous file
intact, and truncated or corrupted files raise a RuntimeError that names the file."""
import os
import pickle
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import pytest
import torch

import ember
import ember.serialization as S
from tests.serialization.conftest import pair, assert_tree_same


def good_checkpoint(path):
    e, _ = pair("float32", (4, 6))
    obj = {"w": e, "row": e[1], "b": ember.arange(5), "epoch": 3}
    ember.save(obj, path)
    return obj


def leftovers(directory):
    return [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]


def test_failure_while_pickling_keeps_previous_file(ckpt):
    old = good_checkpoint(ckpt)
    bad = ember.ones(3)
    bad.callback = lambda: None  # a tensor whose serialization fails: its attributes cannot be pickled
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        ember.save({"w": ember.zeros(2), "bad": bad}, ckpt)
    assert_tree_same(ember.load(ckpt), old)
    assert leftovers(ckpt.parent) == []


def test_failure_while_writing_keeps_previous_file(ckpt, monkeypatch):
    old = good_checkpoint(ckpt)
    before = ckpt.read_bytes()
    write_record = S._write_record
    written = []

    def failing(zf, name, data):  # the disk fills up after the first storage is on it
        write_record(zf, name, data)
        written.append(name)
        if name.endswith("data/0"):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(S, "_write_record", failing)
    with pytest.raises(OSError, match="No space left"):
        ember.save({"w": ember.zeros(1000), "v": ember.ones(1000)}, ckpt)
    assert "archive/data/0" in written  # the failure really came mid-file
    assert ckpt.read_bytes() == before
    assert_tree_same(ember.load(ckpt), old)
    assert leftovers(ckpt.parent) == []


def test_save_over_existing_file_keeps_its_mode(ckpt):
    good_checkpoint(ckpt)
    os.chmod(ckpt, 0o640)
    good_checkpoint(ckpt)
    assert (os.stat(ckpt).st_mode & 0o777) == 0o640


_SAVER = textwrap.dedent("""
    import sys
    import ember
    path = sys.argv[1]
    x = ember.zeros(4_000_000)  # 16 MB: most of each save is spent writing
    ember.save({"v": x, "i": 0}, path)
    print("ready", flush=True)
    i = 1
    while True:
        x.fill_(i)
        ember.save({"v": x, "i": i}, path)
        i += 1
""")


@pytest.mark.parametrize("delay", [0.15, 0.4, 0.7])
def test_sigkill_mid_save_leaves_a_whole_file(delay, ckpt):
    proc = subprocess.Popen([sys.executable, "-c", _SAVER, str(ckpt)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(delay)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    d = ember.load(ckpt)  # whichever save finished last, complete
    assert d["v"].numel() == 4_000_000
    assert d["v"].min().item() == d["v"].max().item() == d["i"]
    t = torch.load(ckpt, weights_only=True)
    assert t["i"] == d["i"] and t["v"][-1].item() == d["i"]


@pytest.mark.parametrize("keep", [0, 1, 30, 100, 0.5, 0.9, -22, -1])
def test_truncated_file_raises_naming_it(keep, ckpt):
    good_checkpoint(ckpt)
    data = ckpt.read_bytes()
    n = keep if isinstance(keep, int) and keep >= 0 else (int(len(data) * keep) if keep > 0 else len(data) + keep)
    ckpt.write_bytes(data[:n])
    with pytest.raises(RuntimeError, match=str(ckpt)):
        ember.load(ckpt)


def test_every_single_byte_flip_raises_or_loads_exactly(ckpt, tmp_path):
    obj = good_checkpoint(ckpt)
    data = ckpt.read_bytes()
    z = zipfile.ZipFile(ckpt)
    payload = set()  # byte positions of data.pkl and the storages: a flip there must be caught
    for info in z.infolist():
        if info.filename.endswith("data.pkl") or "/data/" in info.filename:
            start = info.header_offset + 30 + int.from_bytes(data[info.header_offset + 26:info.header_offset + 28],
                                                              "little") \
                + int.from_bytes(data[info.header_offset + 28:info.header_offset + 30], "little")
            payload.update(range(start, start + info.file_size))
    bad = tmp_path / "flipped.pt"
    raised = 0
    for i in range(len(data)):
        flipped = bytearray(data)
        flipped[i] ^= 0x5A
        bad.write_bytes(bytes(flipped))
        try:
            loaded = ember.load(bad)
        except RuntimeError as e:
            assert str(bad) in str(e)
            raised += 1
            continue
        assert i not in payload, f"a flip at byte {i} of the payload went unnoticed"
        assert_tree_same(loaded, obj)  # a flip in padding or unused header fields changes nothing
    assert raised >= len(payload)


@pytest.mark.parametrize("junk", [b"", b"not a checkpoint", b"PK\x03\x04garbage"])
def test_garbage_files_raise_naming_them(junk, ckpt):
    ckpt.write_bytes(junk)
    with pytest.raises(RuntimeError, match=str(ckpt)):
        ember.load(ckpt)
