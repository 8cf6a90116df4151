"""How much of PyTorch's public API Ember provides, namespace by namespace.

    python tools/api_coverage.py            # the table (needs torch installed, as the tests do)
    python tools/api_coverage.py --missing  # and the names each namespace still lacks

A public name is one `dir()` lists without a leading underscore. Left out everywhere, since Ember does not
aim at them: quantization, sparse layouts and named tensors, CUDA/XPU/MPS/MTIA internals, TorchScript and
dynamo internals, and the C++-extension/dispatcher plumbing (see EXCLUDED for the patterns and why).
"""
import argparse
import re
import sys
import types

NAMESPACES = ["torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.optim",
              "torch.optim.lr_scheduler", "torch.utils.data", "torch.autograd", "torch.linalg", "torch.fft",
              "torch.special", "torch.distributions", "torchvision.models", "torchvision.transforms",
              "torchvision.datasets", "torchvision.ops", "torchvision.io"]

EXCLUDED = [
    (r"quantiz|^q_|^qint|^quint|fake_quant|^int_repr|^dequantize|^Quantized|^qscheme|^per_(tensor|channel)"
     r"|^[qQ]uant|^fbgemm|^quantized", "quantization"),
    (r"sparse|^to_sparse|^coalesce|^indices$|^values$|^crow_|^col_indices|^ccol_|^row_indices|^sspaddmm"
     r"|^smm$|^hspmm|^_nnz|^is_coalesced|^dense_dim|^sparse_dim|^to_dense|^hsmm|^saddmm",
     "sparse layouts"),
    (r"^(cuda|xpu|mps|mtia|hpu|ipu|xla|vulkan|mkldnn|miopen|cudnn|nnpack|mkl|fbgemm|hip|lazy|maia|privateuse1)"
     r"|_cudnn|cudnn_|miopen_|mkldnn_|^is_vulkan|^to_mkldnn|^native_", "accelerator internals"),
    (r"^jit$|^script|^ScriptModule|^ScriptFunction|^compiled_with_cxx11_abi|^fx$|^export$|^package$"
     r"|^onnx$|^_C$|^classes$|^ops$|^library$|^overrides$|^utils$|^Graph$|^Node$|^Block$|^Value$|^Argument"
     r"|^FunctionSchema|^DispatchKey|^AliasDb|^Use$|^ErrorReport|^FileCheck|^CompilationUnit|^ConcreteModuleType"
     r"|^BenchmarkConfig|^BenchmarkExecutionStats|^ThroughputBenchmark|^AggregationType|^StaticModule"
     r"|^IODescriptor|^LiteScriptModule|^LockingLogger|^LoggerBase|^NoopLogger|^PyTorchFileReader"
     r"|^PyTorchFileWriter|^TensorType$|^Type$|^[A-Z][a-zA-Z]*Type$|^ModuleDict$|^ParameterDict$"
     r"|^AVG$|^DeserializationStorageContext|^SerializationStorageContext|^DictType|^JITException"
     r"|^OutOfMemoryError|^AcceleratorError|^Capsule|^Future|^Event$|^Stream$|^StreamObjType|^Tag$"
     r"|^_|^fork$|^wait$|^vmap$|^func$|^compiler$|^export$|^nested$|^masked$|^monitor$|^mps$|^xpu$|^mtia$"
     r"|^sym_|^Sym[A-Z]|^guard|^wrap$|^unify_type_list|^merge_type_from_type_comment|^parse_|^import_ir"
     r"|^set_flush_denormal|^autocast_|^is_autocast_|^set_autocast|^get_autocast|^clear_autocast"
     r"|^has_|^is_anomaly|^cpp$|^contrib$|^functional$|^hub$|^testing$|^storage$|^types$|^version$"
     r"|^torch_version$|^serialization$|^random$|^return_types$|^signal$|^special$|^profiler$|^quasirandom$"
     r"|^futures$|^distributed$|^multiprocessing$|^backends$|^amp$|^accelerator$|^cpu$",
     "TorchScript, dynamo, dispatcher plumbing and submodules counted on their own"),
    (r"^common_args$|^factory_common_args$|^multi_dim_common$|^TYPE_CHECKING$|^USE_|^PRIVATE_OPS$",
     "docstring helpers and build flags"),
    (r"^names$|^refine_names|^rename|^align_to|^align_as|^has_names|^unflatten_dense", "named tensors"),
    (r"^nested_|^is_nested|^to_padded_tensor", "nested tensors"),
]


def excluded(name):
    for pattern, why in EXCLUDED:
        if re.search(pattern, name):
            return why
    return None


def public(obj):
    """The public names of a PyTorch namespace, less the exclusions and what it merely imports (typing
    helpers, `torch` itself, other packages' modules)."""
    top = obj.__name__.split(".")[0] if isinstance(obj, types.ModuleType) else "torch"
    names = set()
    for n in dir(obj):
        if n.startswith("_") or excluded(n) is not None:
            continue
        value = getattr(obj, n, None)
        if isinstance(value, types.ModuleType):
            if not value.__name__.startswith(getattr(obj, "__name__", "") + "."):
                continue
        elif not str(getattr(value, "__module__", top) or top).startswith(top):
            continue
        names.add(n)
    return names


def resolve(name, root):
    obj = root
    for part in name.split(".")[1:]:
        try:
            obj = getattr(obj, part, None)
        except ImportError:  # a namespace the library does not have
            return None
        if obj is None:
            return None
    return obj


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--missing", action="store_true", help="list the names each namespace lacks")
    args = parser.parse_args(argv)
    sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
    import torch
    import torchvision
    import ember
    import ember.vision
    roots = {"torch": (torch, ember), "torchvision": (torchvision, ember.vision)}
    rows, missing = [], {}
    for ns in NAMESPACES:
        top = ns.split(".")[0]
        theirs = resolve(ns, roots[top][0])
        mine = resolve(ns, roots[top][1])
        names = public(theirs)
        have = {n for n in names if mine is not None and _has(mine, n)}
        rows.append((ns, len(have), len(names)))
        missing[ns] = sorted(names - have)
    print("| namespace | Ember has | of PyTorch's | share |")
    print("|---|---|---|---|")
    for ns, have, total in rows:
        print(f"| `{ns}` | {have} | {total} | {100 * have / max(total, 1):.0f}% |")
    if args.missing:
        for ns, names in missing.items():
            if names:
                print(f"\n{ns} ({len(names)}): " + ", ".join(names))


def _has(obj, name):
    try:
        return getattr(obj, name, None) is not None or name in dir(obj)
    except Exception:  # a lazy attribute that fails to import counts as missing
        return False


if __name__ == "__main__":
    main()
