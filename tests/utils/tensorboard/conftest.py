"""Run the same SummaryWriter calls through torch.utils.tensorboard and through Ember, read both logs
back with TensorBoard's own EventAccumulator, and compare what TensorBoard would show."""
import io
import os

import numpy as np
import pytest
import torch
from PIL import Image
from tensorboard.backend.event_processing.event_accumulator import STORE_EVERYTHING_SIZE_GUIDANCE, EventAccumulator
from tensorboard.util.tensor_util import make_ndarray
from torch.utils.tensorboard import SummaryWriter as TorchWriter

import ember
from ember.utils.tensorboard import SummaryWriter as EmberWriter

WRITERS = {torch: TorchWriter, ember: EmberWriter}


def load(run_dir):
    """The EventAccumulator of one run folder, everything kept."""
    acc = EventAccumulator(str(run_dir), size_guidance=STORE_EVERYTHING_SIZE_GUIDANCE)
    acc.Reload()
    return acc


def runs(log_dir):
    """Folders under log_dir holding event files, relative to it ('.' for log_dir itself)."""
    return sorted(os.path.relpath(root, log_dir) for root, _, files in os.walk(log_dir)
                  if any(f.startswith("events.out.tfevents.") for f in files))


def write_both(tmp_path, calls, **writer_kwargs):
    """calls(lib, writer) through torch's writer into tmp/torch and Ember's into tmp/ember; the two log dirs."""
    dirs = {}
    for lib, name in ((torch, "torch"), (ember, "ember")):
        dirs[lib] = tmp_path / name
        with WRITERS[lib](str(dirs[lib]), **writer_kwargs) as writer:
            calls(lib, writer)
    return dirs[torch], dirs[ember]


def decode(encoded):
    """An encoded image (PNG/GIF) as (format, pixel array) of its first frame."""
    with Image.open(io.BytesIO(encoded)) as picture:
        return picture.format, np.asarray(picture.convert("RGB"))


def assert_same_run(t_dir, e_dir, walltime=False):
    """Both run folders hold the same tags, steps and values, kind by kind."""
    t, e = load(t_dir), load(e_dir)
    t_tags, e_tags = t.Tags(), e.Tags()
    assert e_tags == t_tags
    for tag in t_tags["scalars"]:
        assert [(s.step, s.value) for s in e.Scalars(tag)] == [(s.step, s.value) for s in t.Scalars(tag)], tag
        if walltime:
            assert [s.wall_time for s in e.Scalars(tag)] == [s.wall_time for s in t.Scalars(tag)], tag
    for tag in t_tags["histograms"]:
        pairs = list(zip(e.Histograms(tag), t.Histograms(tag), strict=True))
        for he, ht in pairs:
            he, ht, = (he.step, he.histogram_value), (ht.step, ht.histogram_value)
            assert he[0] == ht[0]
            assert (he[1].min, he[1].max, he[1].num) == (ht[1].min, ht[1].max, ht[1].num), tag
            assert he[1].sum == pytest.approx(ht[1].sum) and he[1].sum_squares == pytest.approx(ht[1].sum_squares)
            assert list(he[1].bucket_limit) == list(ht[1].bucket_limit), tag
            assert list(he[1].bucket) == list(ht[1].bucket), tag
    for tag in t_tags["images"]:
        for ie, it in zip(e.Images(tag), t.Images(tag), strict=True):
            assert (ie.step, ie.width, ie.height) == (it.step, it.width, it.height), tag
            fe, pe = decode(ie.encoded_image_string)
            ft, pt = decode(it.encoded_image_string)
            assert fe == ft and pe.shape == pt.shape, tag
            np.testing.assert_array_equal(pe, pt, err_msg=tag)
    for tag in t_tags["audio"]:
        for ae, at in zip(e.Audio(tag), t.Audio(tag), strict=True):
            assert (ae.step, ae.encoded_audio_string, ae.content_type, ae.sample_rate, ae.length_frames) == \
                   (at.step, at.encoded_audio_string, at.content_type, at.sample_rate, at.length_frames), tag
    for tag in t_tags["tensors"]:
        me, mt = e.SummaryMetadata(tag), t.SummaryMetadata(tag)
        assert me.plugin_data.plugin_name == mt.plugin_data.plugin_name, tag
        assert me.plugin_data.content == mt.plugin_data.content, tag
        for te, tt in zip(e.Tensors(tag), t.Tensors(tag), strict=True):
            assert te.step == tt.step, tag
            ae, at = make_ndarray(te.tensor_proto), make_ndarray(tt.tensor_proto)
            assert ae.shape == at.shape and ae.dtype == at.dtype, tag
            np.testing.assert_allclose(ae, at, rtol=1e-6, err_msg=tag) if ae.dtype.kind == "f" else \
                np.testing.assert_array_equal(ae, at, err_msg=tag)
    return t, e


def assert_same_logs(t_dir, e_dir, walltime=False):
    """The same run folders, each holding the same records."""
    assert runs(e_dir) == runs(t_dir)
    for run in runs(t_dir):
        assert_same_run(t_dir / run, e_dir / run, walltime)
