"""How much of PyTorch's public API brickwork has: ``python -m brickwork.utils.coverage`` writes docs/coverage.md.

It walks torch's public namespaces (torch is imported only when this runs, never by ``import brickwork``), and
sorts every public name into *has* (brickwork defines the same name in the same namespace), *lacks*, or
*excluded* (left out on purpose; the reason is in `EXCLUDED`). Names starting with ``_`` are private and
not walked at all. The percentage is ``has / (has + lacks)``.

``tests/test_coverage.py`` reads the covered names back from docs/coverage.md and fails when one disappears.
"""

from __future__ import annotations

import importlib
import inspect
import re
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

# (torch namespace, brickwork namespace, what to walk): "callables", "classes" or "attributes" (Tensor).
NAMESPACES: tuple[tuple[str, str, str], ...] = (
    ("torch", "brickwork", "callables"),
    ("torch.Tensor", "brickwork.Tensor", "attributes"),
    ("torch.nn", "brickwork.nn", "classes"),
    ("torch.nn.functional", "brickwork.nn.functional", "callables"),
    ("torch.nn.init", "brickwork.nn.init", "callables"),
    ("torch.optim", "brickwork.optim", "callables"),
    ("torch.optim.lr_scheduler", "brickwork.optim.lr_scheduler", "callables"),
    ("torch.distributions", "brickwork.distributions", "callables"),
    ("torch.linalg", "brickwork.linalg", "callables"),
    ("torch.fft", "brickwork.fft", "callables"),
    ("torch.func", "brickwork.func", "callables"),
    ("torch.autograd.functional", "brickwork.autograd.functional", "callables"),
    ("torch.special", "brickwork.special", "callables"),
    ("torch.utils.data", "brickwork.utils.data", "callables"),
)

# The reviewed table of what brickwork leaves out on purpose: (namespaces it applies to, or "*" for all;
# full-match regex on the name; reason). The first matching row wins.
EXCLUDED: tuple[tuple[str, str, str], ...] = (
    ("torch.func", r"functionalize",
     "a graph pass that removes mutation for compilers (torch.compile, export): brickwork runs eagerly"),
    ("torch.optim", r"SparseAdam",
     "needs sparse gradients: brickwork's gradients are dense (Embedding(sparse=True) included), and SparseAdam "
     "rejects dense ones"),
    ("*", r".*(quantiz|quant_|fake_quant|qscheme|q_per_channel|q_scale|q_zero_point|int_repr|fbgemm).*"
     r"|q_.*|.*quantized.*|Quant.*|DeQuant.*|.*qint.*|.*quint.*",
     "quantization: brickwork computes in floating point only"),
    ("*", r".*(sparse|Sparse|csr|csc|bsr|bsc|coalesce|crow_indices|col_indices|ccol_indices|row_indices).*"
     r"|indices|values|_nnz|sspaddmm|smm|hspmm|saddmm|dense_dim|sparse_dim|is_coalesced|to_dense",
     "sparse layouts (COO/CSR/CSC/BSR/BSC): brickwork tensors are dense (strided) only"),
    ("*", r"chalf|complex32", "complex32 (chalf): NumPy has no half-precision complex type"),
    ("torch", r"lobpcg", "LOBPCG, an iterative sparse eigensolver: use torch.linalg.eigh"),
    ("*", r"refine_names|rename|rename_|align_to|align_as|align_tensors|names|has_names",
     "named tensors: a prototype feature of torch"),
    ("*", r"jit|script.*|trace.*|Script.*|compile|compiled_with_cxx11_abi|export|fx|.*fx_.*|library|classes|ops"
     r"|sym_.*|Sym.*|cond|while_loop|associative_scan|is_dynamo_compiling|compiler|fake_.*|guard_.*|"
     r"unify_type_list|import_ir_module.*|merge_type_from_type_comment|parse_.*|set_flush_denormal|"
     r"get_device_module|is_inference_mode_enabled|wait|fork|Future|Stream|Event|StreamContext|"
     r"Graph|Node|Value|Block|Argument|.*Type|FunctionSchema|AliasDb|ExecutionPlan|ErrorReport|"
     r"Capsule|ConcreteModuleType.*|ThroughputBenchmark|PyTorchFileReader|PyTorchFileWriter|"
     r"CallStack|Code|DeserializationStorageContext|DispatchKey.*|Tag|BenchmarkConfig|BenchmarkExecutionStats|"
     r"LiteScriptModule|CompilationUnit|InferredType|Aliasing.*|Use|Gradient|IODescriptor|TensorType|"
     r"is_grad_enabled_in_mode|vitals_enabled|set_vital|read_vitals|cpp",
     "TorchScript, torch.fx, torch.compile/export and C++ binding internals"),
    ("*", r".*Storage|storage|untyped_storage|typename|set_default_tensor_type|chain_matmul|is_storage|"
     r"share_memory_|is_shared|storage_offset|storage_type|set_|resize_as_",
     "legacy storage and tensor-type API (typed storages, default tensor type)"),
    ("torch", r"ArgumentSpec|CompleteArgumentSpec|GraphExecutorState|TracingState|StaticModule|FileCheck|"
     r"JITException|LockingLogger|LoggerBase|NoopLogger|DeepCopyMemoTable|OperatorInfo|SerializationStorageContext|"
     r"ModuleDict|ParameterDict|BufferDict|ExcludeDispatchKeyGuard|DisableTorchFunction(Subclass)?|classproperty",
     "TorchScript, torch.fx, torch.compile/export and C++ binding internals"),
    ("torch.Tensor", r"name", "TorchScript, torch.fx, torch.compile/export and C++ binding internals"),
    ("torch", r"StorageBase", "legacy storage and tensor-type API (typed storages, default tensor type)"),
    ("torch", r"dsmm|hsmm", "sparse layouts (COO/CSR/CSC/BSR/BSC): brickwork tensors are dense (strided) only"),
    ("torch", r"hash_tensor", "needs an unsigned 64-bit dtype, which brickwork does not have"),
    ("torch.Tensor", r"hash_tensor", "needs an unsigned 64-bit dtype, which brickwork does not have"),
    ("torch", r"choose_qparams_optimized", "quantization: brickwork computes in floating point only"),
    ("torch", r"eig|lstsq|matrix_rank|solve|symeig",
     "removed from torch: the name is kept only to raise an error that names the replacement"),
    ("torch.Tensor", r"eig|lstsq|solve|symeig|reinforce|volatile",
     "removed from torch: the name is kept only to raise an error that names the replacement"),
    ("torch", r"autocast_(increment|decrement)_nesting|get_file_path|prepare_multiprocessing_environment|"
     r"profiler_.*|init_num_threads",
     "torch's own start-up, autocast-nesting and profiler hooks (torch calls them, user code does not)"),
    ("torch.Tensor", r"index", "first-class dimensions (functorch.dim): a prototype feature of torch"),
    ("torch", r"slice_inverse",
     "backend-specific kernels, nested tensors, low-level ATen entry points (*_copy, *_scatter, *_out, cells)"),
    ("torch", r"embedding_bag",
     "ATen's entry point: it returns the CPU kernel's backward bookkeeping (offset2bag, bag_size, max_indices, "
     "which vary with dtype and options) beside the output; use torch.nn.functional.embedding_bag"),
    ("torch.Tensor", r"slice_inverse|record_stream",
     "backend-specific kernels, nested tensors, low-level ATen entry points (*_copy, *_scatter, *_out, cells)"),
    ("torch.nn", r"Container", "deprecated in torch"),
    ("torch.nn.functional", r"upsample|upsample_nearest|upsample_bilinear|sigmoid|tanh",
     "deprecated in torch (use interpolate, torch.sigmoid, torch.tanh)"),
    ("torch.nn.init", r"normal|uniform|constant|xavier_normal|xavier_uniform|kaiming_normal|kaiming_uniform",
     "deprecated in torch (use the in-place names ending in _)"),
    ("torch.nn.functional", r"assert_int_or_pair|boolean_dispatch|handle_torch_function",
     "torch's own helpers, not API (an argument check, TorchScript's boolean dispatch, __torch_function__)"),
    ("torch.nn.functional", r"scaled_mm|scaled_grouped_mm",
     "float8/MX scaled matrix products (GPU kernels): brickwork has no float8 dtypes"),
    ("torch.utils.data", r"IterDataPipe|MapDataPipe|DFIterDataPipe|DataChunk|functional_datapipe|argument_validation"
     r"|runtime_validation|runtime_validation_disabled|guaranteed_datapipes_determinism|non_deterministic",
     "DataPipes: dropped by PyTorch (torchdata deprecated them in 0.8 and deleted them in 0.9; torch keeps the base "
     "classes only)"),
    ("*", r".*(mkldnn|miopen|cudnn|cufft|nnpack|mps|xpu|vulkan|mtia|metal|fbgemm|xnnpack|native_|onednn|_cpu_).*"
     r"|(is_)?(ipu|hpu|maia|xla)|.*autocast_(ipu|xla|hpu)_.*|is_vulkan_available|has_.*|backends|get_num_interop_threads|"
     r"set_num_interop_threads|use_deterministic_algorithms|are_deterministic_algorithms_enabled|"
     r"is_deterministic_algorithms_warn_only_enabled|set_deterministic_debug_mode|get_deterministic_debug_mode|"
     r"set_float32_matmul_precision|get_float32_matmul_precision|set_warn_always|is_warn_always_enabled|"
     r"nested.*|Nested.*|is_nested|to_padded_tensor|nested_.*|fbgemm_.*|"
     r"batch_norm_.*|embedding_renorm_|segment_reduce|"
     r"is_vulkan.*|.*_out|(?!index_).*_copy|(as_strided|diagonal|select|slice)_scatter|.*_backward",
     "backend-specific kernels, nested tensors, low-level ATen entry points (*_copy, *_scatter, *_out, cells)"),
)


@dataclass
class NamespaceCoverage:
    """One torch namespace's names, sorted into what brickwork has, lacks and excludes (with the reason)."""

    namespace: str
    brickwork: str
    exists: bool
    has: list[str] = field(default_factory=list)
    lacks: list[str] = field(default_factory=list)
    excluded: list[tuple[str, str]] = field(default_factory=list)


def _excluded(ns: str, name: str) -> str | None:
    """The reason ``ns.name`` is excluded on purpose, or None when it counts."""
    for where, pattern, reason in EXCLUDED:
        if (where == "*" or where == ns) and re.fullmatch(pattern, name):
            return reason
    return None


def _resolve(path: str) -> object | None:
    """The module or class at dotted ``path`` (``brickwork.Tensor`` is a class), or None if it does not exist."""
    parts = path.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for part in parts[i:]:
            if not hasattr(obj, part):
                return None
            obj = getattr(obj, part)
        return obj
    return None


def _torch_names(ns: str, kind: str) -> list[str]:
    """The public names of torch namespace ``ns`` to score: callables/classes defined by torch, or attributes."""
    owner = _resolve(ns)
    names = set()
    for name in dir(owner):
        if name.startswith("_"):
            continue
        try:
            obj = getattr(owner, name)
        except Exception:
            continue
        if kind == "attributes":
            names.add(name)
            continue
        if isinstance(obj, types.ModuleType) or not callable(obj):
            continue
        if kind == "classes" and not inspect.isclass(obj):
            continue
        module = getattr(obj, "__module__", None) or "torch"
        if not isinstance(module, str) or not module.startswith("torch"):
            continue  # re-exports such as typing.Optional or builtins
        names.add(name)
    return sorted(names)


def collect() -> list[NamespaceCoverage]:
    """One `NamespaceCoverage` per entry of `NAMESPACES`, names sorted."""
    import torch  # noqa: F401  (imported only when the report runs)

    importlib.import_module("torch.distributions")
    importlib.import_module("torch.utils.data")
    import brickwork  # noqa: F401

    report = []
    for ns, ours, kind in NAMESPACES:
        mine = _resolve(ours)
        rec = NamespaceCoverage(ns, ours, mine is not None)
        for name in _torch_names(ns, kind):
            reason = _excluded(ns, name)
            if reason is not None:
                rec.excluded.append((name, reason))
            elif mine is not None and hasattr(mine, name):
                rec.has.append(name)
            else:
                rec.lacks.append(name)
        report.append(rec)
    return report


def _percent(has: int, lacks: int) -> str:
    return f"{100.0 * has / (has + lacks):.0f}%" if has + lacks else "-"


def render(report: list[NamespaceCoverage]) -> str:
    """docs/coverage.md's text for ``report`` (from `collect`)."""
    import torch

    lines = [
        "# Coverage against PyTorch",
        "",
        f"Generated by `python -m brickwork.utils.coverage` against torch {torch.__version__.split('+')[0]}; "
        "do not edit by hand.",
        "",
        "A name is *covered* when brickwork defines the same public name in the same namespace (it says nothing "
        "about every option being supported). *Excluded* names are left out on purpose; the reasons are the "
        "reviewed table `EXCLUDED` in `brickwork/utils/coverage.py`. Private names (`_x`) are not counted. "
        "The percentage is has / (has + lacks). `tests/test_coverage.py` fails when a covered name disappears.",
        "",
        "| namespace | has | lacks | excluded | coverage |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for rec in report:
        has, lacks = len(rec.has), len(rec.lacks)
        lines.append(f"| `{rec.namespace}` | {has} | {lacks} | {len(rec.excluded)} | {_percent(has, lacks)} |")
    for rec in report:
        lines += ["", f"## {rec.namespace}", ""]
        if not rec.exists:
            lines += [f"`{rec.brickwork}` does not exist yet.", ""]
        lines.append(f"**Missing ({len(rec.lacks)}):** " + (", ".join(f"`{n}`" for n in rec.lacks) or "none"))
        lines.append("")
        reasons: dict[str, list[str]] = {}
        for name, reason in rec.excluded:
            reasons.setdefault(reason, []).append(name)
        if reasons:
            lines.append("**Excluded:**")
            lines.append("")
            for reason, names in reasons.items():
                lines.append(f"- {reason} ({len(names)}): " + ", ".join(f"`{n}`" for n in names))
            lines.append("")
        lines.append(f"**Covered ({len(rec.has)}):** " + (", ".join(f"`{n}`" for n in rec.has) or "none"))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the report to ``argv[0]`` (default docs/coverage.md) and print the summary table."""
    argv = sys.argv[1:] if argv is None else argv
    out = Path(argv[0]) if argv else Path("docs") / "coverage.md"
    report = collect()
    text = render(report)
    out.write_text(text, encoding="utf-8")
    for rec in report:
        has, lacks = len(rec.has), len(rec.lacks)
        print(f"{rec.namespace:28s} has {has:4d}  lacks {lacks:4d}  excluded {len(rec.excluded):4d}"
              f"  {_percent(has, lacks)}")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
