"""The loop Ember's worker threads wait and work in: compiled, holding no GIL (ember._kernels.threads).

Waking a thread that sleeps on a lock takes 0.1-0.5 ms on a virtual machine (its CPU has halted and
must be woken by the host), as long as a 768×128×384 matrix product takes on a core; and a Python
thread that wakes must then take the GIL from the thread that handed it the work, which sleeps it
again. So a worker that has finished a share stays in `serve` for a while: it watches its flag with
an atomic load and the CPU's `pause` between looks, and runs a matrix-product share itself, by calling
the BLAS's cblas_?gemm through its address, without ever taking the GIL. Only shares that are Python
functions, and sleeping when idle, go back to Python.

A worker's job is an int64 array, one row of the worker's ring of jobs (several can be posted ahead, run in
turn): [kind, transa, transb, M, N, K, A, lda, B, ldb, C, ldc, gemm, bias], kind PYTHON (run the Python
share), SGEMM or DGEMM (C = A·B row-major, with the function at address gemm, then the N values at address
bias added to every row of C unless bias is 0: a linear layer's share); or [CALL, function, arguments...]:
a compiled loop's share, the C function void f(int64 *arguments) at that address (a numba cfunc, which reads
its arrays from the addresses and sizes among its arguments).
`fill` writes a product's job from its arrays; `gemm(job)` runs one: the calling thread's own share of a
split product (ember._kernels.threads) and other compiled loops (an LSTM's steps, ember._kernels.rnn) too.
"""
import platform

import numpy as np

from llvmlite import ir
from numba import carray, types
from numba.core import cgutils
from numba.extending import intrinsic

from .loops import _jit

PYTHON, SGEMM, DGEMM, CALL = 0, 1, 2, 3
_X86 = platform.machine().lower() in ("x86_64", "amd64", "i686", "x86")


def _element_pointer(context, builder, arraytype, array, index):
    return cgutils.get_item_pointer(context, builder, arraytype, context.make_array(arraytype)(context, builder, array),
                                    [index])


@intrinsic
def _load_acquire(typingctx, flags, i):
    """flags[i], read with an acquire load: read again on every call, never hoisted out of a loop."""
    def codegen(context, builder, signature, args):
        pointer = _element_pointer(context, builder, signature.args[0], args[0], args[1])
        return builder.load_atomic(pointer, ordering="acquire", align=flags.dtype.bitwidth // 8)
    return flags.dtype(flags, i), codegen


@intrinsic
def _store_release(typingctx, flags, i, value):
    """flags[i] = value with a release store: what the thread wrote before is seen by whoever sees this."""
    def codegen(context, builder, signature, args):
        pointer = _element_pointer(context, builder, signature.args[0], args[0], args[1])
        builder.store_atomic(args[2], pointer, ordering="release", align=flags.dtype.bitwidth // 8)
        return context.get_dummy_value()
    return types.void(flags, i, flags.dtype), codegen


@intrinsic
def _pause(typingctx):
    """The CPU's spin-wait hint (x86 `pause`; nothing elsewhere)."""
    def codegen(context, builder, signature, args):
        if _X86:
            fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.VoidType(), []),
                                                "llvm.x86.sse2.pause")
            builder.call(fn, [])
        return context.get_dummy_value()
    return types.void(), codegen


@intrinsic
def _call(typingctx, job):
    """Call the function at address job[1] with the address of job[2] (a CALL job's arguments)."""
    def codegen(context, builder, signature, args):
        i64 = ir.IntType(64)
        address = builder.load(_element_pointer(context, builder, signature.args[0], args[0], ir.Constant(i64, 1)))
        fn = builder.inttoptr(address, ir.FunctionType(ir.VoidType(), [i64.as_pointer()]).as_pointer())
        builder.call(fn, [_element_pointer(context, builder, signature.args[0], args[0], ir.Constant(i64, 2))])
        return context.get_dummy_value()
    return types.void(job), codegen


@intrinsic
def pointer(typingctx, address, like):
    """The int64 address as a pointer to values of like's type (for numba.carray)."""
    pointer = types.CPointer(like)
    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], context.get_value_type(pointer))
    return pointer(address, like), codegen


def _gemm_intrinsic(real):
    """An intrinsic calling cblas_?gemm (ILP64: 64-bit sizes) at a given address: C = A·B, row-major."""
    @intrinsic
    def gemm(typingctx, job):
        def codegen(context, builder, signature, args):
            i32, i64, pointer = ir.IntType(32), ir.IntType(64), ir.IntType(8).as_pointer()
            field = [builder.load(_element_pointer(context, builder, signature.args[0], args[0], ir.Constant(i64, k)))
                     for k in range(13)]
            fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, real, pointer, i64, pointer, i64,
                                                   real, pointer, i64])
            fn = builder.inttoptr(field[12], fnty.as_pointer())
            row_major = ir.Constant(i32, 101)
            builder.call(fn, [row_major, builder.trunc(field[1], i32), builder.trunc(field[2], i32), field[3],
                              field[4], field[5], ir.Constant(real, 1.0), builder.inttoptr(field[6], pointer),
                              field[7], builder.inttoptr(field[8], pointer), field[9], ir.Constant(real, 0.0),
                              builder.inttoptr(field[10], pointer), field[11]])
            return context.get_dummy_value()
        return types.void(job), codegen
    return gemm


_sgemm = _gemm_intrinsic(ir.FloatType())
_dgemm = _gemm_intrinsic(ir.DoubleType())


def _until(flags, i, value, turns):
    """Whether flags[i] reached value within `turns` turns of the loop (about 30 ns each)."""
    for _ in range(turns):
        if _load_acquire(flags, i) >= value:
            return True
        _pause()
    return _load_acquire(flags, i) >= value


def _serve(flags, slot, jobs, turns):
    """A worker's loop: flags[slot] counts the jobs posted to it, flags[slot + 1] those it finished, and job
    number n is row n % len(jobs) of jobs (a ring: several can be posted ahead). Runs the compiled jobs
    (products, CALLs) in turn as they come; returns True at a Python job (for the caller to run, and to count
    as finished), False after `turns` turns without a job."""
    while True:
        done = flags[slot + 1]
        if not _until(flags, slot, done + 1, turns):  # a post counts one more than the jobs finished
            return False
        job = jobs[done % jobs.shape[0]]
        if job[0] == PYTHON:
            return True
        if job[0] == CALL:
            _call(job)
        else:
            gemm(job)
        _store_release(flags, slot + 1, done + 1)


def _add_bias(job, like):
    """C += bias on every row, for a job with a bias (like: a value of C's type)."""
    c = carray(pointer(job[10], like), (job[3], job[11]))
    bias = carray(pointer(job[13], like), (job[4],))
    for i in range(job[3]):
        row = c[i]
        for j in range(job[4]):
            row[j] += bias[j]


def _operand(x):
    """(CblasNoTrans, its row stride) or (CblasTrans, its column stride) of a 2-D array as cblas reads it
    row-major, in elements; (0, 0) for other strides."""
    size = x.itemsize
    (rows, cols), (s0, s1) = x.shape, x.strides
    if s1 == size and s0 % size == 0 and s0 // size >= max(1, cols):
        return 111, s0 // size
    if s0 == size and s1 % size == 0 and s1 // size >= max(1, rows):
        return 112, s1 // size
    return 0, 0


def _fill(job, kind, gemm, a, b, c, bias, with_bias):
    """Write the job c = a @ b (+ bias on every row when with_bias) into job (kind SGEMM or DGEMM, the
    cblas function at address gemm); False, when cblas cannot read the arrays' strides."""
    ta, lda = _operand(a)
    tb, ldb = _operand(b)
    size = c.itemsize
    if ta == 0 or tb == 0 or c.strides[1] != size or c.strides[0] % size or c.strides[0] // size < c.shape[1]:
        return False
    if with_bias and bias.strides[0] != size and bias.shape[0] > 1:
        return False
    job[0], job[1], job[2], job[3], job[4], job[5] = kind, ta, tb, a.shape[0], b.shape[1], a.shape[1]
    job[6], job[7], job[8], job[9] = a.ctypes.data, lda, b.ctypes.data, ldb
    job[10], job[11], job[12], job[13] = c.ctypes.data, c.strides[0] // size, gemm, bias.ctypes.data if with_bias else 0
    return True


def _gemm(job):
    """Run a matrix-product job (SGEMM or DGEMM), and add its bias."""
    if job[0] == SGEMM:
        _sgemm(job)
        if job[13] != 0:
            _add_bias(job, np.float32(0))
    else:
        _dgemm(job)
        if job[13] != 0:
            _add_bias(job, 0.0)


_add_bias = _jit(_add_bias)
gemm = _jit(_gemm)
_operand = _jit(_operand)
# compiled once for arrays of any strides (a 'C', 'F' or 'A' layout each would be a signature of its own)
fill = _jit(_fill, signatures=[f"boolean(int64[:], int64, int64, {t}[:, :], {t}[:, :], {t}[:, :], {t}[:], boolean)"
                               for t in ("float32", "float64")])
_until = until = _jit(_until)  # serve calls the compiled one
serve = _jit(_serve)
