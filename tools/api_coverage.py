"""How much of PyTorch's public API Ember provides, namespace by namespace.

    python tools/api_coverage.py            # the table (needs torch installed, as the tests do)
    python tools/api_coverage.py --missing  # and the names each namespace still lacks
    python tools/api_coverage.py --excluded # and every name left out of the count, with the reason

A public name is one `dir()` lists without a leading underscore. Left out everywhere, since Ember does not
aim at them: quantization, sparse layouts and named tensors, CUDA/XPU/MPS/MTIA internals, TorchScript and
dynamo internals, and the C++-extension/dispatcher plumbing (see EXCLUDED for the patterns and why; --excluded
prints every name so left out, so nothing is hidden).
"""
import argparse
import re
import sys
import types

NAMESPACES = ["torch", "torch.Tensor", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.optim",
              "torch.optim.lr_scheduler", "torch.utils.data", "torch.autograd", "torch.linalg", "torch.fft",
              "torch.special", "torch.distributions", "torchvision.models", "torchvision.transforms",
              "torchvision.datasets", "torchvision.ops", "torchvision.io"]

# (namespaces the rule applies to, or None for all; pattern on the name; why Ember does not count it).
# A rule never covers something a user program calls: quantile is not quantization, nn.init.sparse_ is not
# a sparse layout, Tensor.cuda/storage and nn.ModuleDict are user API (and counted).
EXCLUDED = [
    (None, r"^q_|^qint|^quint|^QU?Int\d|fake_quant|^int_repr$|^dequantize$|^quantize_|^quantized|^quantization$"
           r"|^quantizable$|^qscheme$|^is_quantized$|^empty_quantized$|^per_(tensor|channel)|^fbgemm|^Quantized"
           r"|^choose_qparams|^ao$|^intrinsic$|^qat$",
     "quantization (quantized dtypes, storages, kernels; torch.ao and nn.intrinsic/qat are its module trees)"),
    (None, r"sparse(?!_$)|^resize_as_sparse_$|^to_sparse|^coalesce$|^is_coalesced$|^indices$|^values$|^crow_|^col_indices|^ccol_"
           r"|^row_indices|^sspaddmm$|^smm$|^hspmm$|^hsmm$|^saddmm$|^dsmm$|^spmm$|^dense_dim$|^to_dense$"
           r"|_indices_copy$|^values_copy$|^indices_copy$",
     "sparse layouts (COO/CSR/CSC/BSR tensors and their kernels)"),
    (None, r"^(cudnn|miopen|mkldnn|vulkan|ipu|xla|hpu|maia|privateuse1)|_cudnn|cudnn_|miopen_|mkldnn_|^is_vulkan"
           r"|^to_mkldnn|^native_|^profiler_allow_cudagraph|^batch_norm_(backward|gather|stats|elemt|update)"
           r"|^record_stream$|^init_num_threads$|_(ipu|xla)_",
     "vendor-library and accelerator kernels (cuDNN, MIOpen, oneDNN, Vulkan, the CUDA kernels behind "
     "SyncBatchNorm, the aten native_* entry points behind the public ops)"),
    (["torch"], r"^(Script|Code$|CallStack$|CompleteArgumentSpec$|DeepCopyMemoTable$|ExecutionPlan$|Gradient$"
                r"|GraphExecutorState$|TracingState$|OperatorInfo$|BufferDict$|FatalError$|SUM$|AVG$"
                r"|AggregationType$|classproperty$|DisableTorchFunction|ExcludeDispatchKeyGuard$"
                r"|thread_safe_generator$|get_file_path$|prepare_multiprocessing_environment$)"
                r"|^jit$|^compiled_with_cxx11_abi$|^fx$|^export$|^package$|^onnx$|^classes$|^ops$|^library$"
                r"|^overrides$|^utils$|^Graph$|^Node$|^Block$|^Value$|^Argument|^FunctionSchema|^DispatchKey"
                r"|^AliasDb$|^Use$|^ErrorReport$|^FileCheck$|^CompilationUnit$|^ConcreteModuleType"
                r"|^BenchmarkConfig$|^BenchmarkExecutionStats$|^ThroughputBenchmark$|^StaticModule$"
                r"|^IODescriptor$|^LiteScriptModule$|^LockingLogger$|^LoggerBase$|^NoopLogger$"
                r"|^PyTorchFileReader$|^PyTorchFileWriter$|^TensorType$|^Type$|^[A-Z][a-zA-Z]*Type$"
                r"|^ModuleDict$|^ParameterDict$|^DeserializationStorageContext$|^SerializationStorageContext$"
                r"|^DictType$|^JITException$|^Capsule$|^Future$|^StreamObjType$|^Tag$|^fork$|^wait$"
                r"|^import_ir|^parse_ir$|^parse_schema$|^parse_type_comment$|^merge_type_from_type_comment$"
                r"|^unify_type_list$|^sym_|^Sym[A-Z]|^autocast_(in|de)crement_nesting$|^slice_inverse$"
                r"|^segment_reduce$|^norm_except_dim$|^affine_grid_generator$|^grid_sampler_[23]d$",
     "TorchScript/JIT, dynamo, export and dispatcher internals (the ScriptModule machinery re-exported from "
     "torch._C, symbolic shapes, aten helpers that back a public nn.functional op)"),
    (["torch"], r"^(cuda|xpu|mps|mtia|cpu|accelerator|amp|backends|distributed|multiprocessing|profiler|hub"
                r"|testing|serialization|random|special|functional|nested|masked|monitor|compiler|func|cpp"
                r"|futures|quasirandom|return_types|signal|storage|types|version|torch_version|contrib"
                r"|autograd|linalg|fft|nn|optim|distributions)$",
     "submodules (Ember has them or counts them as namespaces of their own)"),
    (["torch.nn"], r"^(functional|utils|init|modules|parallel|parameter|common_types|grad|attention|factory_kwargs)$",
     "submodules and module-private helpers of torch.nn (counted on their own, or typing/internal)"),
    (["torch.nn.functional"], r"^(BroadcastingList\d|Tensor|boolean_dispatch|assert_int_or_pair|handle_torch_function"
                              r"|has_torch_function\w*|DType|ScalingType|SwizzleType|GRID_SAMPLE_\w+"
                              r"|\w+_notes|TYPE_CHECKING)$",
     "names torch.nn.functional merely imports: TorchScript typing aliases, the Tensor class, dispatch helpers, "
     "docstring fragments"),
    (["torch.nn.functional"], r"^(grouped_mm|scaled_grouped_mm|scaled_mm)$",
     "CUDA-only low-precision GEMM kernels (float8/MX scaled matmuls)"),
    (["torch.nn.init", "torch.special", "torch.autograd"], r"^(Tensor|handle_torch_function|has_torch_function\w*"
                                                           r"|DeviceType|functional|profiler)$",
     "names the module merely imports (the Tensor class, dispatch helpers) or submodules counted on their own"),
    (None, r"^(common_args|factory_common_args|multi_dim_common|TYPE_CHECKING|PRIVATE_OPS)$|^USE_",
     "docstring helpers and build flags"),
    (None, r"^names$|^refine_names|^rename|^align_to|^align_as|^has_names|^unflatten_dense", "named tensors"),
    (["torch.Tensor"], r"^name$", "named tensors (Tensor.name is a named tensor's dimension bookkeeping)"),
    (["torch.Tensor"], r"^index$", "functorch's first-class dimensions (Tensor.index binds Dim objects)"),
    (None, r"^nested_|^is_nested|^to_padded_tensor|^jagged$", "nested tensors"),
]
def excluded(name, namespace="torch"):
    for namespaces, pattern, why in EXCLUDED:
        if (namespaces is None or namespace in namespaces) and re.search(pattern, name):
            return why
    return None


def public(obj, namespace, skipped=None):
    """The public names of a PyTorch namespace, less the exclusions (recorded in `skipped`, name -> why) and
    what it merely imports (typing helpers, `torch` itself, other packages' modules)."""
    top = obj.__name__.split(".")[0] if isinstance(obj, types.ModuleType) else "torch"
    names = set()
    for n in dir(obj):
        if n.startswith("_"):
            continue
        why = excluded(n, namespace)
        if why is not None:
            if skipped is not None:
                skipped[n] = why
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
    parser.add_argument("--excluded", action="store_true", help="list the names left out of the count, and why")
    args = parser.parse_args(argv)
    sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
    import torch
    import torchvision
    import ember
    import ember.vision
    roots = {"torch": (torch, ember), "torchvision": (torchvision, ember.vision)}
    rows, missing, skipped = [], {}, {}
    for ns in NAMESPACES:
        top = ns.split(".")[0]
        theirs = resolve(ns, roots[top][0])
        mine = resolve(ns, roots[top][1])
        skipped[ns] = {}
        names = public(theirs, ns, skipped[ns])
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
    if args.excluded:
        for ns, names in skipped.items():
            by_reason = {}
            for n, why in sorted(names.items()):
                by_reason.setdefault(why, []).append(n)
            for why, ns_names in by_reason.items():
                print(f"\nexcluded from {ns} ({len(ns_names)}), {why}: " + ", ".join(ns_names))


def _has(obj, name):
    try:
        return getattr(obj, name, None) is not None or name in dir(obj)
    except Exception:  # a lazy attribute that fails to import counts as missing
        return False


if __name__ == "__main__":
    main()
