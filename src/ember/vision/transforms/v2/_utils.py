"""Helpers of the v2 transforms (torchvision.transforms.v2._utils): flattening samples, finding the
image size in a sample, argument checks and fills."""
import collections.abc
import numbers
from collections.abc import Sequence

from PIL import Image as PILImage

from ... import tv_tensors
from ..transforms import _setup_size  # noqa: F401  (v2 modules take it from here, as torchvision's)
from .functional import get_dimensions, get_size, is_pure_tensor


# ---------------------------------------------------------------------- flattening nested samples
class _Spec:
    """Where the leaves of a nested sample sat: a container type, its keys, and the children's specs."""
    __slots__ = ("kind", "keys", "children")

    def __init__(self, kind, keys, children):
        self.kind, self.keys, self.children = kind, keys, children


def _is_namedtuple(x):
    return isinstance(x, tuple) and hasattr(x, "_fields")


def tree_flatten(tree):
    """(leaves in depth-first order, spec): lists, tuples, namedtuples and dicts are containers."""
    leaves = []

    def walk(node):
        if isinstance(node, (list, tuple)) and (type(node) in (list, tuple) or _is_namedtuple(node)):
            return _Spec(type(node), None, [walk(c) for c in node])
        if isinstance(node, dict):
            return _Spec(type(node), list(node.keys()), [walk(v) for v in node.values()])
        leaves.append(node)
        return None
    return leaves, walk(tree)


def tree_unflatten(leaves, spec):
    """The nested sample of `spec` with `leaves` put back in order."""
    it = iter(leaves)

    def build(s):
        if s is None:
            return next(it)
        children = [build(c) for c in s.children]
        if s.keys is not None:
            return s.kind(zip(s.keys, children))
        return s.kind(*children) if s.kind not in (list, tuple) else s.kind(children)
    return build(spec)


# ---------------------------------------------------------------------- what is in a sample
def check_type(obj, types_or_checks):
    for t in types_or_checks:
        if (isinstance(obj, t) if isinstance(t, type) else t(obj)):
            return True
    return False


def has_any(flat_inputs, *types_or_checks):
    return any(check_type(inpt, types_or_checks) for inpt in flat_inputs)


def has_all(flat_inputs, *types_or_checks):
    return all(any(check_type(inpt, (t,)) for inpt in flat_inputs) for t in types_or_checks)


def get_bounding_boxes(flat_inputs):
    try:
        return next(inpt for inpt in flat_inputs if isinstance(inpt, tv_tensors.BoundingBoxes))
    except StopIteration:
        raise ValueError("No bounding boxes were found in the sample")


def get_keypoints(flat_inputs):
    try:
        return next(inpt for inpt in flat_inputs if isinstance(inpt, tv_tensors.KeyPoints))
    except StopIteration:
        raise ValueError("No Keypoints were found in the sample.")


def _is_image_like(inpt):
    return is_pure_tensor(inpt) or isinstance(inpt, (tv_tensors.Image, tv_tensors.Video, PILImage.Image))


def query_chw(flat_inputs):
    """(channels, height, width) of the images in a sample (they must agree)."""
    chws = {tuple(get_dimensions(inpt)) for inpt in flat_inputs if _is_image_like(inpt)}
    if not chws:
        raise TypeError("No image or video was found in the sample")
    if len(chws) > 1:
        raise ValueError(f"Found multiple CxHxW dimensions in the sample: {sorted(chws)}")
    return chws.pop()


def query_size(flat_inputs):
    """(height, width) shared by the images, videos, masks, boxes and points of a sample."""
    sizes = {tuple(get_size(inpt)) for inpt in flat_inputs
             if _is_image_like(inpt) or isinstance(inpt, (tv_tensors.Mask, tv_tensors.BoundingBoxes,
                                                           tv_tensors.KeyPoints))}
    if not sizes:
        raise TypeError("No image, video, mask, bounding box of keypoint was found in the sample")
    if len(sizes) > 1:
        raise ValueError(f"Found multiple HxW dimensions in the sample: {sorted(sizes)}")
    return sizes.pop()


# ---------------------------------------------------------------------- arguments
def _check_sequence_input(x, name, req_sizes):
    msg = req_sizes[0] if len(req_sizes) < 2 else " or ".join([str(s) for s in req_sizes])
    if not isinstance(x, Sequence):
        raise TypeError(f"{name} should be a sequence of length {msg}.")
    if len(x) not in req_sizes:
        raise ValueError(f"{name} should be a sequence of length {msg}.")


def _setup_number_or_seq(arg, name):
    """A number a as (-a, a), a sequence of 1 or 2 as a (lo, hi) list of floats."""
    if not isinstance(arg, (int, float, Sequence)):
        raise TypeError(f"{name} should be a number or a sequence of numbers. Got {type(arg)}")
    if isinstance(arg, Sequence) and len(arg) not in (1, 2):
        raise ValueError(f"If {name} is a sequence its length should be 1 or 2. Got {len(arg)}")
    if isinstance(arg, Sequence):
        for element in arg:
            if not isinstance(element, (int, float)):
                raise ValueError(f"{name} should be a sequence of numbers. Got {type(element)}")
    if isinstance(arg, (int, float)):
        arg = [float(arg), float(arg)]
    elif len(arg) == 1:
        arg = [float(arg[0]), float(arg[0])]
    else:
        arg = [float(a) for a in arg]
    if arg[0] > arg[1]:
        raise ValueError(f"{name} values should be ordered, but got {arg}")
    return arg


def _setup_angle(x, name, req_sizes=(2,)):
    if isinstance(x, numbers.Number):
        if x < 0:
            raise ValueError(f"If {name} is a single number, it must be positive.")
        x = [-x, x]
    else:
        _check_sequence_input(x, name, req_sizes)
    return [float(d) for d in x]


def _check_fill_arg(fill):
    if isinstance(fill, dict):
        for value in fill.values():
            _check_fill_arg(value)
    elif fill is not None and not isinstance(fill, (numbers.Number, tuple, list)):
        raise TypeError("Got inappropriate fill arg, only Numbers, tuples, lists and dicts are allowed.")


def _convert_fill_arg(fill):
    if fill is None or isinstance(fill, (int, float)):
        return fill
    return [float(v) for v in fill]


def _setup_fill_arg(fill):
    """fill as {input type: fill}: one value for all, or torchvision's per-type dict."""
    _check_fill_arg(fill)
    if isinstance(fill, dict):
        return {k: _convert_fill_arg(v) for k, v in fill.items()}
    return {"others": _convert_fill_arg(fill)}


def _get_fill(fill_dict, inpt_type):
    """The fill for an input type; None (no fill) for a type a dict leaves out, as torchvision."""
    if inpt_type in fill_dict:
        return fill_dict[inpt_type]
    return fill_dict.get("others")


def _setup_interpolation(interpolation):
    from ..functional import _interpolation
    return _interpolation(interpolation)


def _find_labels_default_heuristic(inputs):
    """The labels of a sample: the second item of a pair (a tensor, or a dict's "labels" / "*label*" entry)."""
    if isinstance(inputs, (tuple, list)):
        inputs = inputs[1]
    if is_pure_tensor(inputs):
        return inputs
    if not isinstance(inputs, collections.abc.Mapping):
        raise ValueError(f"When using the default labels_getter, the input passed to forward must be a dictionary or "
                         f"a two-tuple whose second item is a dictionary or a tensor, but got {inputs} instead.")
    key = next((k for k in inputs if k.lower() == "labels"), None)
    if key is None:
        key = next((k for k in inputs if "label" in k.lower()), None)
    if key is None:
        raise ValueError("Could not infer where the labels are in the sample. Try passing a callable as the "
                         "labels_getter parameter?If there are no labels in the sample by design, pass "
                         "labels_getter=None.")
    return inputs[key]


def _parse_labels_getter(labels_getter):
    if labels_getter == "default":
        return _find_labels_default_heuristic
    if callable(labels_getter):
        return labels_getter
    if labels_getter is None:
        return lambda _: None
    raise ValueError(f"labels_getter should either be 'default', a callable, or None, but got {labels_getter}.")


