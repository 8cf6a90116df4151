"""ember.onnx: export an Ember model to ONNX (torch.onnx.export), checked with onnx and run by onnxruntime.

The exporter traces: it runs the model once on the example inputs, in eval mode, and records each
call of a known layer (Linear, Conv2d, BatchNorm2d, pooling, activations, ...) and of a small set of
tensor functions (flatten/reshape/view, relu, sigmoid, tanh, add, mul, matmul, cat, softmax,
log_softmax, max_pool2d, ...) as an ONNX node. Anything else the model computes is refused with an
error naming the module, so an exported graph never silently differs from the model.
Needs the `onnx` package (`pip install ember[onnx]`).
"""
from ._export import export, is_in_onnx_export  # noqa: F401

__all__ = ["export", "is_in_onnx_export"]
