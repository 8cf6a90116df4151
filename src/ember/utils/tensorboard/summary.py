"""Summary protocol buffers for each kind of record SummaryWriter writes (torch.utils.tensorboard.summary).

The messages and each plugin's metadata come from the `tensorboard` package; this module only turns
Ember tensors and NumPy arrays into them, with the layouts PyTorch's writer uses.
"""
import io

import numpy as np
from tensorboard.compat.proto.summary_pb2 import HistogramProto, Summary, SummaryMetadata
from tensorboard.compat.proto.tensor_pb2 import TensorProto
from tensorboard.util.tensor_util import make_tensor_proto

import ember

from ._utils import convert_to_HWC, make_np, prepare_video

__all__ = ["scalar", "tensor_proto", "histogram", "histogram_raw", "make_histogram", "image", "image_boxes",
           "video", "audio", "text", "hparams", "custom_scalars", "pr_curve", "pr_curve_raw", "compute_curve", "mesh"]


def scalar(name, value, new_style=False, double_precision=False):
    """One number: `simple_value` (old style) or a scalars-plugin tensor (new_style, float or double)."""
    array = make_np(value).squeeze()
    if array.ndim != 0:
        raise AssertionError(f"Tensor should contain one element (0 dimensions). Was given size: {array.size} "
                             f"and {array.ndim} dimensions.")
    number = float(array)
    if not new_style:
        return Summary(value=[Summary.Value(tag=name, simple_value=number)])
    proto = TensorProto(double_val=[number], dtype="DT_DOUBLE") if double_precision else \
        TensorProto(float_val=[number], dtype="DT_FLOAT")
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="scalars"))
    return Summary(value=[Summary.Value(tag=name, tensor=proto, metadata=metadata)])


def tensor_proto(tag, tensor):
    """A whole tensor, for the tensor plugin (SummaryWriter.add_tensor)."""
    array = make_np(tensor)
    if array.nbytes >= 1 << 31:
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="tensor"))
    return Summary(value=[Summary.Value(tag=tag, metadata=metadata, tensor=make_tensor_proto(array))])


def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    """A histogram given by its statistics and buckets (each limit is its bucket's upper edge)."""
    hist = HistogramProto(min=min, max=max, num=num, sum=sum, sum_squares=sum_squares,
                          bucket_limit=bucket_limits, bucket=bucket_counts)
    return Summary(value=[Summary.Value(tag=name, histo=hist)])


def histogram(name, values, bins, max_bins=None):
    """A histogram of `values` with np.histogram's `bins` (edges, a count, or a NumPy rule's name)."""
    return Summary(value=[Summary.Value(tag=name, histo=make_histogram(make_np(values).astype(float), bins, max_bins))])


def make_histogram(values, bins, max_bins=None):
    """HistogramProto of `values`: np.histogram, merged down to max_bins, then trimmed to the buckets from
    the first to the last non-empty one, with one empty bucket kept in front (PyTorch's layout)."""
    if values.size == 0:
        raise ValueError("The input has no element.")
    values = values.reshape(-1)
    counts, limits = np.histogram(values, bins=bins)
    if max_bins is not None and len(counts) > max_bins:
        step = len(counts) // max_bins
        counts = np.pad(counts, (0, -len(counts) % step)).reshape(-1, step).sum(axis=1)
        limits = np.append(limits[:-1:step], limits[-1])
    filled = np.flatnonzero(counts)
    if filled.size == 0:  # every value outside the given edges
        raise ValueError("The histogram is empty, please file a bug report.")
    first, last = filled[0], filled[-1]
    # bucket i spans limits[i]..limits[i+1] and is stored under its upper edge limits[i+1]
    counts = counts[first - 1:last + 1] if first > 0 else np.concatenate([[0], counts[:last + 1]])
    limits = limits[first:last + 2]
    return HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                          sum_squares=values.dot(values), bucket_limit=limits.tolist(), bucket=counts.tolist())


def _to_uint8(array):
    """Floats are taken as [0, 1] and uint8 as [0, 255]; both end as clipped uint8 pixels."""
    scale = 1 if array.dtype == np.uint8 else 255
    return (array.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)


def image(tag, tensor, rescale=1, dataformats="NCHW"):
    """One PNG image summary of an image or of a batch laid out in a grid (8 to a row)."""
    pixels = _to_uint8(convert_to_HWC(make_np(tensor), dataformats))
    return Summary(value=[Summary.Value(tag=tag, image=make_image(pixels, rescale=rescale))])


def image_boxes(tag, tensor_image, tensor_boxes, rescale=1, dataformats="CHW", labels=None):
    """An image with boxes (x1, y1, x2, y2) drawn in red, each with its label when given."""
    pixels = _to_uint8(convert_to_HWC(make_np(tensor_image), dataformats))
    image = make_image(pixels, rescale=rescale, boxes=make_np(tensor_boxes), labels=labels)
    return Summary(value=[Summary.Value(tag=tag, image=image)])


def make_image(pixels, rescale=1, boxes=None, labels=None):
    """Summary.Image of an (H, W, C) uint8 array, PNG-encoded (resized by `rescale`, boxes drawn first)."""
    from PIL import Image, ImageDraw
    height, width, channels = pixels.shape
    picture = Image.fromarray(pixels)
    if boxes is not None:
        draw = ImageDraw.Draw(picture)
        for i, (x1, y1, x2, y2) in enumerate(boxes.tolist()):
            draw.line([(x1, y1), (x1, y2), (x2, y2), (x2, y1), (x1, y1)], width=2, fill="Red")
            if labels is not None:
                left, top, right, bottom = draw.textbbox((0, 0), labels[i])
                margin = np.ceil(0.05 * (bottom - top))
                draw.rectangle([(x1, y2 - (bottom - top) - 2 * margin), (x1 + right - left, y2)], fill="Red")
                draw.text((x1 + margin, y2 - (bottom - top) - margin), labels[i], fill="black")
    picture = picture.resize((int(width * rescale), int(height * rescale)), Image.Resampling.LANCZOS)
    with io.BytesIO() as out:
        picture.save(out, format="PNG")
        encoded = out.getvalue()
    return Summary.Image(height=height, width=width, colorspace=channels, encoded_image_string=encoded)


def video(tag, tensor, fps=4):
    """(N, T, C, H, W) clips as one animated GIF (written with Pillow) in an image summary."""
    from PIL import Image
    frames = _to_uint8(prepare_video(make_np(tensor)))
    t, h, w, c = frames.shape
    pictures = [Image.fromarray(f[:, :, 0] if c == 1 else f) for f in frames]
    with io.BytesIO() as out:
        pictures[0].save(out, format="GIF", save_all=True, append_images=pictures[1:], duration=1000 / fps, loop=0)
        encoded = out.getvalue()
    gif = Summary.Image(height=h, width=w, colorspace=c, encoded_image_string=encoded)
    return Summary(value=[Summary.Value(tag=tag, image=gif)])


def audio(tag, tensor, sample_rate=44100):
    """A mono clip with values in [-1, 1] as a 16-bit WAV audio summary (out-of-range values clipped)."""
    import wave
    array = make_np(tensor).squeeze()
    if abs(array).max() > 1:
        print("warning: audio amplitude out of range, auto clipped.")
        array = array.clip(-1, 1)
    if array.ndim != 1:
        raise AssertionError("input tensor should be 1 dimensional.")
    samples = (array * np.iinfo(np.int16).max).astype("<i2")
    with io.BytesIO() as out:
        with wave.open(out, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(sample_rate)
            wav.writeframes(samples.tobytes())
        encoded = out.getvalue()
    sound = Summary.Audio(sample_rate=sample_rate, num_channels=1, length_frames=samples.shape[-1],
                          encoded_audio_string=encoded, content_type="audio/wav")
    return Summary(value=[Summary.Value(tag=tag, audio=sound)])


def text(tag, text_string):
    """A string for the text plugin, under `<tag>/text_summary` as PyTorch names it."""
    from tensorboard.plugins.text.metadata import create_summary_metadata
    tensor = make_tensor_proto(np.array([text_string.encode("utf_8")], dtype=object))
    return Summary(value=[Summary.Value(tag=tag + "/text_summary", metadata=create_summary_metadata(None, None),
                                        tensor=tensor)])


def _hparam_domain(values, kind):
    from google.protobuf import struct_pb2
    return struct_pb2.ListValue(values=[struct_pb2.Value(**{kind: v}) for v in values])


def hparams(hparam_dict=None, metric_dict=None, hparam_domain_discrete=None):
    """The hparams plugin's three records: (experiment, session start info, session end info)."""
    from tensorboard.plugins.hparams import metadata
    from tensorboard.plugins.hparams.api_pb2 import DataType, Experiment, HParamInfo, MetricInfo, MetricName, Status
    from tensorboard.plugins.hparams.plugin_data_pb2 import HParamsPluginData, SessionEndInfo, SessionStartInfo
    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, v in domains.items():
        if k not in hparam_dict or not isinstance(v, list) or not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same type as hparam_dict[{k}].")
    infos, start = [], SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, ember.Tensor):
            v = make_np(v).reshape(-1)[0].item()
        if isinstance(v, (int, float)):  # bools too, as numbers (1.0 / 0.0), as PyTorch stores them
            start.hparams[k].number_value, kind, dtype = v, "number_value", "DATA_TYPE_FLOAT64"
        elif isinstance(v, str):
            start.hparams[k].string_value, kind, dtype = v, "string_value", "DATA_TYPE_STRING"
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        domain = _hparam_domain(domains[k], kind) if k in domains else None
        infos.append(HParamInfo(name=k, type=DataType.Value(dtype), domain_discrete=domain))
    experiment = Experiment(hparam_infos=infos, metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    end = SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))

    def record(tag, **data):
        return Summary(value=[Summary.Value(tag=tag, metadata=metadata.create_summary_metadata(HParamsPluginData(**data)))])

    return (record(metadata.EXPERIMENT_TAG, experiment=experiment),
            record(metadata.SESSION_START_INFO_TAG, session_start_info=start),
            record(metadata.SESSION_END_INFO_TAG, session_end_info=end))


def custom_scalars(layout):
    """The custom-scalars dashboard's layout: {category: {chart title: ['Multiline'|'Margin', tags]}}."""
    from tensorboard.plugins.custom_scalar import layout_pb2, metadata
    categories = []
    for category, charts in layout.items():
        made = []
        for title, (kind, tags) in charts.items():
            if kind == "Margin":
                if len(tags) != 3:
                    raise AssertionError("len(tags) != 3")
                series = layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])
                made.append(layout_pb2.Chart(title=title, margin=layout_pb2.MarginChartContent(series=[series])))
            else:
                made.append(layout_pb2.Chart(title=title, multiline=layout_pb2.MultilineChartContent(tag=tags)))
        categories.append(layout_pb2.Category(title=category, chart=made))
    encoded = layout_pb2.Layout(category=categories).SerializeToString()
    tensor = make_tensor_proto(np.array(encoded, dtype=object))
    return Summary(value=[Summary.Value(tag=metadata.CONFIG_SUMMARY_TAG, tensor=tensor,
                                        metadata=metadata.create_summary_metadata())])


def pr_curve_raw(tag, tp, fp, tn, fn, precision, recall, num_thresholds=127, weights=None):
    """A precision-recall curve from its counts per threshold: a (6, num_thresholds) float tensor."""
    from tensorboard.plugins.pr_curve.metadata import create_summary_metadata
    num_thresholds = min(num_thresholds, 127)
    data = np.stack([make_np(x) if not isinstance(x, (list, tuple)) else np.asarray(x)
                     for x in (tp, fp, tn, fn, precision, recall)]).astype(np.float32)
    return Summary(value=[Summary.Value(tag=tag, metadata=create_summary_metadata(None, None, num_thresholds),
                                        tensor=make_tensor_proto(data))])


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    """A precision-recall curve of binary `labels` against `predictions` in [0, 1]."""
    num_thresholds = min(num_thresholds, 127)
    return pr_curve_raw(tag, *compute_curve(make_np(labels), make_np(predictions), num_thresholds, weights),
                        num_thresholds=num_thresholds)


def compute_curve(labels, predictions, num_thresholds=None, weights=None):
    """(tp, fp, tn, fn, precision, recall) at thresholds i / (num_thresholds - 1): each prediction counts
    at every threshold up to the bucket floor(p * (num_thresholds - 1)) it falls in."""
    weights = 1.0 if weights is None else weights
    buckets = np.int32(np.floor(predictions * (num_thresholds - 1)))
    positive = labels.astype(np.float64)
    span = (0, num_thresholds - 1)
    tp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span, weights=positive * weights)
    fp_buckets, _ = np.histogram(buckets, bins=num_thresholds, range=span, weights=(1.0 - positive) * weights)
    tp = np.cumsum(tp_buckets[::-1])[::-1]
    fp = np.cumsum(fp_buckets[::-1])[::-1]
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)  # the floor keeps 0/0 at 0
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))


def mesh(tag, vertices, colors, faces, config_dict, display_name=None, description=None):
    """The mesh plugin's records: vertices, faces and colors (each (B, N, 3)) with a three.js config."""
    import json
    from tensorboard.plugins.mesh import metadata
    from tensorboard.plugins.mesh.plugin_data_pb2 import MeshPluginData
    config = json.dumps(config_dict, sort_keys=True) if config_dict is not None else "{}"
    parts = [(t, kind) for t, kind in ((vertices, MeshPluginData.VERTEX), (faces, MeshPluginData.FACE),
                                       (colors, MeshPluginData.COLOR)) if t is not None]
    components = metadata.get_components_bitmask([kind for _, kind in parts])
    values = []
    for t, kind in parts:
        array = make_np(t).astype(np.float32)
        meta = metadata.create_summary_metadata(tag, display_name, kind, components, array.shape, description,
                                                json_config=config)
        values.append(Summary.Value(tag=metadata.get_instance_name(tag, kind), tensor=make_tensor_proto(array),
                                    metadata=meta))
    return Summary(value=values)
