"""SummaryWriter against torch.utils.tensorboard: the same calls, read back by TensorBoard's EventAccumulator."""
import inspect
import os
import re
import socket
import subprocess
import sys

import numpy as np
import pytest
import torch
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.summary.writer.record_writer import RecordWriter  # noqa: F401 (the framing under test)
from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

import ember
from ember.utils.tensorboard import SummaryWriter

from tests.utils.tensorboard.conftest import WRITERS, assert_same_logs, assert_same_run, load, runs, write_both


def rng(seed=0):
    return np.random.default_rng(seed)


def t(lib, array):
    """The same values as a torch or Ember tensor."""
    return lib.tensor(np.asarray(array))


# ---------------------------------------------------------------------- one harness, many calls
def scalars(lib, w):
    for step in range(5):
        w.add_scalar("loss/train", 1.0 / (step + 1), step)
        w.add_scalar("count", step * 3, step)                       # a Python int
        w.add_scalar("tensor0d", t(lib, np.float32(step) / 7), step)
        w.add_scalar("tensor1elem", t(lib, [[step * 0.25]]), step)  # one element, any shape
        w.add_scalar("numpy", np.float64(step) ** 0.5, step)
        w.add_scalar("dtype_int", t(lib, np.int64(step)), global_step=step, walltime=1000.0 + step)
    w.add_scalar("nostep", 2.5)
    w.add_scalar("requires_grad", t(lib, np.float32(0.75)).requires_grad_() * 2, 9)  # a loss, as logged


def scalars_new_style(lib, w):
    for step in range(3):
        w.add_scalar("new", 0.1 * step, step, new_style=True)
        w.add_scalar("double", 1 / 3 + step, step, new_style=True, double_precision=True)


def add_scalars(lib, w):
    for step in range(4):
        w.add_scalars("run/14h", {"xsinx": step * np.sin(step), "xcosx": step * np.cos(step)}, step,
                      walltime=10.0 + step)
        w.add_scalars("other", {"a": step}, step, walltime=50.0 + step)
    w.add_scalar("plain", 1.0, 0, walltime=5.0)


def images(lib, w):
    r = rng(1)
    w.add_image("chw_float", t(lib, r.random((3, 9, 7), dtype=np.float32)), 0)
    w.add_image("chw_gray", t(lib, r.random((1, 8, 8), dtype=np.float32)), 1)
    w.add_image("hwc_uint8", t(lib, r.integers(0, 256, (6, 5, 3), dtype=np.uint8)), 2, dataformats="HWC")
    w.add_image("hw_float64", t(lib, r.random((4, 6))), 3, dataformats="HW")
    w.add_image("wh_numpy", r.random((5, 3)), 4, dataformats="WH")
    w.add_image("out_of_range", t(lib, r.normal(0.5, 1, (3, 4, 4)).astype(np.float32)), 5)
    w.add_images("nchw_batch", t(lib, r.random((10, 3, 4, 5), dtype=np.float32)), 6)
    w.add_images("nhwc_uint8", t(lib, r.integers(0, 256, (3, 4, 4, 1), dtype=np.uint8)), 7, dataformats="NHWC")
    w.add_images("batch_of_one", t(lib, r.random((1, 1, 3, 3), dtype=np.float32)), 8)
    w.add_image("walltime", t(lib, r.random((3, 2, 2), dtype=np.float32)), 9, walltime=123.0)


def image_with_boxes(lib, w):
    image = np.zeros((3, 40, 50), dtype=np.float32)
    image[1] = 0.5
    boxes = t(lib, np.array([[2, 3, 20, 30], [10, 5, 45, 35]], dtype=np.float32))
    w.add_image_with_boxes("boxes", t(lib, image), boxes, 0, labels=["cat", "dog"])
    w.add_image_with_boxes("unlabelled", t(lib, image), boxes, 1, rescale=2)


def figures(lib, w):
    from matplotlib.figure import Figure

    def figure(k):
        fig = Figure(figsize=(2, 1.5), dpi=40)
        fig.add_subplot().plot([0, 1, 2], [k, 0, 2 * k])
        return fig

    w.add_figure("one", figure(1), 0)
    w.add_figure("list", [figure(1), figure(2), figure(3)], 1, close=False)


def histograms(lib, w):
    r = rng(2)
    values = r.normal(0, 1, 1000).astype(np.float32)
    for step in range(3):
        w.add_histogram("tensorflow", t(lib, values + step), step)
    w.add_histogram("auto", t(lib, values), 0, bins="auto")
    w.add_histogram("fd", values, 0, bins="fd")
    w.add_histogram("ten", t(lib, values), 0, bins=10)
    w.add_histogram("edges", t(lib, values), 0, bins=np.linspace(-5, 5, 21))
    w.add_histogram("max_bins", t(lib, values), 0, bins=100, max_bins=7)
    w.add_histogram("ints", t(lib, r.integers(-3, 40, (5, 7))), 0)
    w.add_histogram("one_value", t(lib, np.full(4, 0.25)), 0)
    w.add_histogram("tensorflow_max_bins", t(lib, values), 0, max_bins=30)
    w.add_histogram_raw("raw", min=0.0, max=3.0, num=6, sum=9.0, sum_squares=19.0, bucket_limits=[1.0, 2.0, 3.0],
                        bucket_counts=[1, 2, 3], global_step=4)


def text(lib, w):
    w.add_text("lstm", "This is an lstm", 0)
    w.add_text("rnn", "**markdown** and unicode: é ü 数字", 10)
    w.add_text("lstm", "second entry", 1)


def pr_curves(lib, w):
    r = rng(3)
    labels, predictions = r.integers(0, 2, 100), r.random(100)
    w.add_pr_curve("pr", t(lib, labels), t(lib, predictions), 0)
    w.add_pr_curve("pr_numpy_10", labels, predictions.astype(np.float32), 1, num_thresholds=10)
    w.add_pr_curve("pr_weights", t(lib, labels), t(lib, predictions), 2, num_thresholds=500, weights=r.random(100))
    counts = [np.array([10.0, 8, 3]), np.array([20.0, 5, 0]), np.array([0.0, 15, 20]), np.array([0.0, 2, 7]),
              np.array([1 / 3, 8 / 13, 1.0]), np.array([1.0, 0.8, 0.3])]
    w.add_pr_curve_raw("raw", *counts, global_step=3, num_thresholds=3)


def custom_scalars(lib, w):
    w.add_custom_scalars({"Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
                          "USA": {"dow": ["Margin", ["dow/aaa", "dow/bbb", "dow/ccc"]],
                                  "nasdaq": ["Margin", ["nasdaq/aaa", "nasdaq/bbb", "nasdaq/ccc"]]}})


def custom_multiline(lib, w):
    w.add_custom_scalars_multilinechart(["a", "b"], category="cat", title="lines")


def custom_margin(lib, w):
    w.add_custom_scalars_marginchart(["v", "lo", "hi"])


def audio(lib, w):
    wave = np.sin(np.linspace(0, 40, 800)).astype(np.float32)
    w.add_audio("sine", t(lib, wave[None]), 0, sample_rate=8000)
    w.add_audio("numpy", wave * 0.5, 1)


def mesh(lib, w):
    vertices = t(lib, np.array([[[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]], dtype=np.float32))
    colors = t(lib, np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255]]], dtype=np.int32))
    faces = t(lib, np.array([[[0, 2, 3], [0, 3, 1], [0, 1, 2], [1, 3, 2]]], dtype=np.int32))
    w.add_mesh("mesh", vertices=vertices, colors=colors, faces=faces, config_dict={"camera": {"fov": 75}}, global_step=0)
    w.add_mesh("points", vertices=vertices, global_step=1)


def tensors(lib, w):
    w.add_tensor("float", t(lib, np.arange(6, dtype=np.float32).reshape(2, 3) / 4), 0)
    w.add_tensor("int", t(lib, np.arange(4, dtype=np.int64)), 1)
    w.add_tensor("double", t(lib, np.array([1 / 3, 2 / 3])), 2)


CASES = [scalars, scalars_new_style, add_scalars, images, image_with_boxes, figures, histograms, text, pr_curves,
         custom_scalars, custom_multiline, custom_margin, audio, mesh, tensors]


@pytest.mark.parametrize("calls", CASES, ids=[c.__name__ for c in CASES])
def test_same_records_as_pytorch(calls, tmp_path):
    t_dir, e_dir = write_both(tmp_path, calls)
    assert_same_logs(t_dir, e_dir, walltime=calls in (add_scalars,))


def test_add_scalars_writes_one_run_folder_per_series_named_as_pytorch(tmp_path):
    t_dir, e_dir = write_both(tmp_path, add_scalars)
    assert runs(e_dir) == [".", "other_a", "run_14h_xcosx", "run_14h_xsinx"] == runs(t_dir)
    assert load(e_dir / "run_14h_xsinx").Tags()["scalars"] == ["run/14h"]
    with SummaryWriter(str(tmp_path / "now")) as w:  # without walltime: one time.time() for all the series
        w.add_scalars("m", {"a": 1.0, "b": 2.0, "c": 3.0}, 0)
    assert len({load(tmp_path / "now" / f"m_{k}").Scalars("m")[0].wall_time for k in "abc"}) == 1


def test_images_decode_to_the_pixels_given(tmp_path):
    pixels = rng(4).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    with SummaryWriter(str(tmp_path)) as w:
        w.add_image("uint8", ember.tensor(pixels), 0, dataformats="HWC")
        w.add_image("float", ember.tensor(pixels.transpose(2, 0, 1) / 255.0), 0)
    from tests.utils.tensorboard.conftest import decode
    acc = load(tmp_path)
    for tag in ("uint8", "float"):
        (image,) = acc.Images(tag)
        fmt, decoded = decode(image.encoded_image_string)
        assert fmt == "PNG" and (image.width, image.height) == (6, 5)
        np.testing.assert_allclose(decoded.astype(int), pixels.astype(int), atol=1 if tag == "float" else 0)


def test_add_figure_closes_the_figure_unless_told_not_to(tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    with SummaryWriter(str(tmp_path)) as w:
        kept, closed = plt.figure(), plt.figure()
        w.add_figure("kept", kept, close=False)
        w.add_figure("closed", closed)
    assert plt.fignum_exists(kept.number) and not plt.fignum_exists(closed.number)
    plt.close(kept)


def test_add_video_is_an_animated_gif_of_the_clips_in_a_grid(tmp_path):
    from PIL import Image, ImageSequence
    import io
    video = np.zeros((2, 3, 3, 4, 5), dtype=np.uint8)   # 2 clips of 3 frames, 4x5 RGB
    video[0, :, 0] = 255                                # clip 0 red throughout
    video[1, 1, 2] = 255                                # clip 1 blue in its second frame
    with SummaryWriter(str(tmp_path)) as w:
        w.add_video("clip", ember.tensor(video), 0, fps=10)
    (image,) = load(tmp_path).Images("clip")
    assert (image.width, image.height) == (10, 4)       # 2 clips side by side
    with Image.open(io.BytesIO(image.encoded_image_string)) as gif:
        assert gif.format == "GIF"
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]
    assert len(frames) == 3
    for k, frame in enumerate(frames):
        assert frame.shape == (4, 10, 3)
        np.testing.assert_array_equal(frame[:, :5], np.broadcast_to([255, 0, 0], (4, 5, 3)))
        np.testing.assert_array_equal(frame[:, 5:], np.broadcast_to([0, 0, 255 if k == 1 else 0], (4, 5, 3)))


# ---------------------------------------------------------------------- hparams
def hparams(lib, w):
    for i in range(2):
        w.add_hparams({"lr": 0.1 * i, "bsize": i, "opt": "adam", "nesterov": True, "none": None,
                       "t": t(lib, [0.5 + i])},
                      {"hparam/accuracy": 10.0 * i, "hparam/loss": t(lib, np.float32(1 / (i + 1)))},
                      hparam_domain_discrete={"opt": ["adam", "sgd"], "bsize": [0, 1, 2]},
                      run_name=f"trial{i}", global_step=i)
    w.add_scalar("main", 1.0, 0)


def test_add_hparams_writes_a_sub_run_with_the_plugin_records_as_pytorch(tmp_path):
    t_dir, e_dir = write_both(tmp_path, hparams)
    assert runs(e_dir) == [".", "trial0", "trial1"] == runs(t_dir)
    assert_same_logs(t_dir, e_dir)
    from tensorboard.backend.event_processing.plugin_event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams.metadata import parse_experiment_plugin_data
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData
    contents = []
    for d in (t_dir, e_dir):
        acc = EventAccumulator(str(d / "trial1"))
        acc.Reload()
        contents.append(acc.PluginTagToContent("hparams"))
    assert list(contents[1]) == list(contents[0])
    for tag in contents[0]:  # the plugin's records, field by field (a map's bytes come in any order)
        assert HParamsPluginData.FromString(contents[1][tag]) == HParamsPluginData.FromString(contents[0][tag]), tag
    assert list(contents[1]) == ["_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"]
    experiment = parse_experiment_plugin_data(contents[1]["_hparams_/experiment"])
    assert [h.name for h in experiment.hparam_infos] == ["lr", "bsize", "opt", "nesterov", "t"]
    assert [m.name.tag for m in experiment.metric_infos] == ["hparam/accuracy", "hparam/loss"]
    assert load(e_dir / "trial1").Tags()["scalars"] == ["hparam/accuracy", "hparam/loss"]


def test_add_hparams_default_run_name_is_the_time(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_hparams({"lr": 0.1}, {"m": 1.0})
    (sub,) = [r for r in runs(tmp_path) if r != "."]
    assert re.fullmatch(r"\d{10}\.\d+", sub)


@pytest.mark.parametrize("args", [([1], {}), ({}, [1]), ({"lr": [0.1]}, {}), ({"lr": 0.1}, {}, {"lr": [1, "a"]})],
                         ids=["hparam_list", "metric_list", "bad_value", "bad_domain"])
def test_add_hparams_bad_input_raises_as_pytorch(args, tmp_path):
    raised = []
    for lib in (torch, ember):
        with WRITERS[lib](str(tmp_path / lib.__name__)) as w, pytest.raises(Exception) as info:
            w.add_hparams(*args)
        raised.append(info.value)
    assert type(raised[1]) is type(raised[0]) and str(raised[1]) == str(raised[0])


# ---------------------------------------------------------------------- embeddings
def embeddings(lib, w):
    r = rng(5)
    meta = [f"word{i}" for i in range(12)]
    w.add_embedding(t(lib, r.normal(size=(12, 5)).astype(np.float32)), metadata=meta,
                    label_img=t(lib, r.random((12, 3, 4, 6), dtype=np.float32)))
    w.add_embedding(t(lib, r.normal(size=(12, 3))), metadata=[[m, i % 3] for i, m in enumerate(meta)],
                    metadata_header=["word", "class"], global_step=7, tag="with/header")
    w.add_embedding(r.normal(size=(4, 2)), label_img=t(lib, r.random((4, 1, 5, 5), dtype=np.float32)),
                    global_step=2, tag="gray")


def test_add_embedding_writes_the_projector_files_as_pytorch(tmp_path):
    t_dir, e_dir = write_both(tmp_path, embeddings)
    files = sorted(os.path.relpath(os.path.join(root, f), t_dir) for root, _, fs in os.walk(t_dir) for f in fs
                   if not f.startswith("events."))
    assert files == ["00000/default/metadata.tsv", "00000/default/sprite.png", "00000/default/tensors.tsv",
                     "00002/gray/sprite.png", "00002/gray/tensors.tsv", "00007/with%2fheader/metadata.tsv",
                     "00007/with%2fheader/tensors.tsv", "projector_config.pbtxt"]
    from tests.utils.tensorboard.conftest import decode
    for name in files:
        mine, theirs = (e_dir / name).read_bytes(), (t_dir / name).read_bytes()
        if name.endswith(".png"):
            np.testing.assert_array_equal(decode(mine)[1], decode(theirs)[1], err_msg=name)
        else:
            assert mine.decode() == theirs.decode(), name


def test_add_embedding_bad_input_raises_as_pytorch(tmp_path):
    for lib in (torch, ember):
        with WRITERS[lib](str(tmp_path / lib.__name__)) as w:
            with pytest.raises(AssertionError, match="#labels should equal with #data points"):
                w.add_embedding(t(lib, np.zeros((3, 2))), metadata=["a", "b"])
            with pytest.raises(AssertionError, match="mat should be 2D"):
                w.add_embedding(t(lib, np.zeros(3)), global_step=1)


# ---------------------------------------------------------------------- errors
@pytest.mark.parametrize("call", [
    lambda lib, w: w.add_scalar("two", t(lib, [1.0, 2.0])),
    lambda lib, w: w.add_image("bad_format", t(lib, np.zeros((3, 4, 4))), dataformats="HW"),
    lambda lib, w: w.add_image("twice", t(lib, np.zeros((3, 4, 4))), dataformats="CHH"),
    lambda lib, w: w.add_images("grid_channels", t(lib, np.zeros((2, 2, 4, 4)))),
    lambda lib, w: w.add_histogram("empty", t(lib, np.zeros(0))),
    lambda lib, w: w.add_histogram_raw("raw", 0, 1, 1, 1, 1, [1.0, 2.0], [1]),
    lambda lib, w: w.add_custom_scalars_marginchart(["a", "b"]),
    lambda lib, w: w.add_scalar("list", [1.0]),
], ids=["scalar_two_elements", "format_rank", "format_repeat", "grid_channels", "histogram_empty", "raw_lengths",
        "margin_tags", "scalar_list"])
def test_bad_input_raises_the_exception_type_pytorch_raises(call, tmp_path):
    raised = []
    for lib in (torch, ember):
        with WRITERS[lib](str(tmp_path / lib.__name__)) as w, pytest.raises(Exception) as info:
            call(lib, w)
        raised.append(info.value)
    assert type(raised[1]) is type(raised[0]), f"{raised[1]!r} != {raised[0]!r}"


# ---------------------------------------------------------------------- the writer itself
def test_signatures_match_pytorch():
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    public = sorted(n for n in dir(TorchWriter) if not n.startswith("_"))
    assert sorted(n for n in dir(SummaryWriter) if not n.startswith("_")) == public
    for name in public + ["__init__"]:
        mine = inspect.signature(getattr(SummaryWriter, name))
        theirs = inspect.signature(getattr(TorchWriter, name))
        assert [(p.name, p.kind, p.default) for p in mine.parameters.values()] == \
               [(p.name, p.kind, p.default) for p in theirs.parameters.values()], name


def test_default_log_dir_is_runs_date_host_comment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    pattern = r"runs/[A-Z][a-z]{2}\d{2}_\d{2}-\d{2}-\d{2}_" + re.escape(socket.gethostname()) + "_lr0.1"
    for lib in (torch, ember):
        w = WRITERS[lib](comment="_lr0.1")
        assert re.fullmatch(pattern, w.get_logdir()) and w.log_dir == w.get_logdir()
        assert os.path.isdir(w.get_logdir())
        w.close()
    w = SummaryWriter(str(tmp_path / "given"), comment="ignored")
    assert w.get_logdir() == str(tmp_path / "given")
    w.close()


def test_event_file_names_and_suffix_as_pytorch(tmp_path):
    t_dir, e_dir = write_both(tmp_path, lambda lib, w: w.add_scalar("a", 1.0, 0), filename_suffix=".v2")
    pattern = r"events\.out\.tfevents\.\d{10}\." + re.escape(socket.gethostname()) + r"\.(\d+)\.\d+\.v2"
    for d in (t_dir, e_dir):
        (name,) = os.listdir(d)
        match = re.fullmatch(pattern, name)
        assert match and match[1] == str(os.getpid()), name


def test_close_then_write_opens_a_new_event_file(tmp_path):
    w = SummaryWriter(str(tmp_path))
    w.add_scalar("a", 1.0, 0)
    w.close()
    w.close()  # twice is fine
    w.add_scalar("a", 2.0, 1)
    w.flush()
    w.close()
    assert len(os.listdir(tmp_path)) == 2
    assert [(s.step, s.value) for s in load(tmp_path).Scalars("a")] == [(0, 1.0), (1, 2.0)]


def test_purge_step_hides_the_steps_a_restart_rewrites(tmp_path):
    def first(lib, w):
        for step in range(10):
            w.add_scalar("x", float(step), step)

    def restart(lib, w):
        for step in range(5, 8):
            w.add_scalar("x", 100.0 + step, step)

    for lib in (torch, ember):
        for calls, kwargs in ((first, {}), (restart, {"purge_step": 5})):
            with WRITERS[lib](str(tmp_path / lib.__name__), **kwargs) as w:
                calls(lib, w)
    t, e = assert_same_run(tmp_path / "torch", tmp_path / "ember")
    assert [(s.step, s.value) for s in e.Scalars("x")] == [(s, float(s)) for s in range(5)] + \
           [(s, 100.0 + s) for s in range(5, 8)]


def _records(path):
    """Every record of an event file, each checked whole: length, both CRCs, payload; nothing left over."""
    data, events, i = path.read_bytes(), [], 0
    while i < len(data):
        assert len(data) - i >= 12, "torn header"
        header = data[i:i + 8]
        assert int.from_bytes(data[i + 8:i + 12], "little") == masked_crc32c(header)
        n = int.from_bytes(header, "little")
        assert len(data) - i >= 16 + n, "torn record"
        payload = data[i + 12:i + 12 + n]
        assert int.from_bytes(data[i + 12 + n:i + 16 + n], "little") == masked_crc32c(payload)
        events.append(Event.FromString(payload))
        i += 16 + n
    return events


CRASH = """
import os, sys
from ember.utils.tensorboard import SummaryWriter
w = SummaryWriter(sys.argv[1], max_queue=1000, flush_secs=3600)
for step in range(5):
    w.add_scalar("loss", 1.0 / (step + 1), step)
w.add_image("img", __import__("numpy").ones((3, 64, 64)), 0)
{end}
"""


@pytest.mark.parametrize("end, steps", [
    ("w.flush()\nfor step in range(5, 500):\n    w.add_scalar('loss', 0.0, step)\nos._exit(3)", range(5)),
    ("", range(5)),  # no close(): the writers are flushed at exit
], ids=["crash_after_flush", "exit_without_close"])
def test_a_run_that_dies_leaves_whole_readable_records(end, steps, tmp_path):
    script = tmp_path / "run.py"
    script.write_text(CRASH.format(end=end))
    proc = subprocess.run([sys.executable, str(script), str(tmp_path / "log")], capture_output=True, text=True,
                          timeout=120, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert proc.returncode in (0, 3), proc.stderr
    (name,) = os.listdir(tmp_path / "log")
    events = _records(tmp_path / "log" / name)
    assert events[0].file_version == "brain.Event:2"
    acc = load(tmp_path / "log")
    got = [(s.step, s.value) for s in acc.Scalars("loss")]
    assert got[:5] == [(s, pytest.approx(1.0 / (s + 1))) for s in steps]
    assert all(v == 0.0 for _, v in got[5:])  # whatever else reached the file is whole and in order
    assert [i.width for i in acc.Images("img")] == [64]


def test_missing_tensorboard_package_says_how_to_install_it(tmp_path):
    code = ("import sys; sys.modules['tensorboard'] = None\n"
            "try:\n    import ember.utils.tensorboard\nexcept ModuleNotFoundError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert 'pip install "ember[tensorboard]"' in proc.stdout, proc.stdout + proc.stderr


def test_torch_utils_tensorboard_under_ember_run(tmp_path):
    script = tmp_path / "train.py"
    script.write_text("import torch\nfrom torch.utils.tensorboard import SummaryWriter\n"
                      "with SummaryWriter('log') as w:\n"
                      "    w.add_scalar('loss', torch.tensor(0.5), 3)\n"
                      "print(type(w).__module__, type(torch.ones(1)).__module__)\n")
    proc = subprocess.run([sys.executable, "-m", "ember", "run", str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["ember.utils.tensorboard.writer", "ember._tensor"]
    assert [(s.step, s.value) for s in load(tmp_path / "log").Scalars("loss")] == [(3, 0.5)]
