"""A float32 GEMM for the recurrent layers' thin per-step products: ``C += A @ B`` with few rows in ``A``.

Each time step of an LSTM multiplies a small batch of states (N = 20 rows) by the same recurrent weight
(K = 256, M = 1024). OpenBLAS repacks the whole weight on every call, which costs a third of such a product
(measured ~145 us against ~95 us here on an EPYC Zen 4). This kernel reads ``B`` (row-major, ``K x M``) in place:
each register tile keeps ``ROWS x VECS`` SIMD accumulators of ``C`` while one pass over ``k`` streams a row
slice of ``B`` (a few vectors) and broadcasts one element of ``A`` per row, so each loaded vector of ``B``
feeds ``ROWS`` fused multiply-adds.

The tile is written with Numba's `intrinsic`: LLVM IR with explicit vector types and ``llvm.fma`` (Numba's loop
vectorizer does not keep a 2-D tile of accumulators in registers, and its SLP vectorizer is off by default).
The tile shape follows the host's vector registers: 5 rows x 4 vectors of 16 floats with AVX-512 (32 registers),
4 rows x 3 vectors of 8 floats otherwise. Rows and columns that do not fill a tile run narrower tiles; the last
columns that do not fill a vector take the last whole vector of ``B`` into a scratch tile (a plain loop when ``C``
is narrower than a vector).

Example:
    >>> import numpy as np
    >>> from brickwork.kernels._cpu._gemm import gemm_acc
    >>> a, b = np.ones((3, 4), np.float32), np.ones((4, 70), np.float32)
    >>> c = np.zeros((3, 70), np.float32); gemm_acc(c, a, b); float(c.min()), float(c.max())
    (4.0, 4.0)
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
from llvmlite import binding as _llvm
from llvmlite import ir
from numba.core import cgutils, types
from numba.core.extending import intrinsic

from ._numba import inline, njit

__all__ = ["gemm_acc", "gemm", "gemm_any", "gemm_bias", "gemm_nt", "transpose_into", "LANES", "ROWS", "VECS"]


def _wide() -> bool:
    try:
        return bool(_llvm.get_host_cpu_features().get("avx512f", False))
    except Exception:  # a host LLVM cannot describe: the narrow tile is correct everywhere
        return False


LANES, ROWS, VECS = (16, 5, 4) if _wide() else (8, 4, 3)


def ir_prologue(context: Any, builder: Any, lanes: int, *addrs: Any) -> tuple:
    """What every tile intrinsic's IR starts with: the intp, int32, float32 and ``lanes``-wide vector types, the
    ``llvm.fma`` of that vector, and ``addrs`` (raw addresses) as float32 pointers."""
    i64, i32 = context.get_value_type(types.intp), ir.IntType(32)
    f32 = ir.FloatType()
    vec = ir.VectorType(f32, lanes)
    fma = cgutils.get_or_insert_function(builder.module, ir.FunctionType(vec, [vec] * 3), f"llvm.fma.v{lanes}f32")
    return i64, i32, f32, vec, fma, tuple(builder.inttoptr(v, f32.as_pointer()) for v in addrs)


def _tile(rows: int, vecs: int, lanes: int = LANES) -> Any:
    """An intrinsic ``tile(c, a, b, k, a_row, a_k, ldb, ldc, init, ld_init)`` on raw float32 addresses:
    ``C[r, :vecs * lanes] = I[r, :vecs * lanes] + sum_k A[r, k] * B[k, :vecs * lanes]`` for ``r < rows``, where
    ``A[r, k]`` is at ``a + r * a_row + k * a_k`` (so ``A`` may be a transposed view), ``B``, ``C`` are rows of
    leading dimension ``ldb``, ``ldc``, and the starting values ``I`` rows at address ``init`` of leading dimension
    ``ld_init`` (``C`` itself to accumulate, a bias vector with ``ld_init`` 0, or zeros when ``init`` is 0; all
    strides in elements)."""

    @intrinsic
    def tile(typingctx: Any, c: Any, a: Any, b: Any, k: Any, a_row: Any, a_k: Any, ldb: Any, ldc: Any,
             init: Any, ld_init: Any) -> Any:
        sig = types.void(*([types.intp] * 10))

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            c_addr, a_addr, b_addr, n_k, a_row_, a_k_, ldb_, ldc_, i_addr, ldi_ = args
            i64, i32, f32, vec, fma, (cp, ap, bp) = ir_prologue(context, builder, lanes, c_addr, a_addr, b_addr)

            def at(base: Any, row: Any, ld: Any, col: Any) -> Any:  # &base[row * ld + col]
                return builder.gep(base, [builder.add(builder.mul(row, ld), col)])

            def vload(ptr: Any) -> Any:
                v = builder.load(builder.bitcast(ptr, vec.as_pointer()))
                v.align = 4
                return v

            def col(v: int) -> Any:
                return ir.Constant(i64, v * lanes)

            # accumulators as stack slots: LLVM's mem2reg turns them into registers
            acc = [[cgutils.alloca_once(builder, vec) for _ in range(vecs)] for _ in range(rows)]
            with builder.if_else(builder.icmp_signed("!=", i_addr, ir.Constant(i64, 0))) as (start, fresh):
                with start:  # C = I + A @ B
                    ip = builder.inttoptr(i_addr, f32.as_pointer())
                    for r in range(rows):
                        for v in range(vecs):
                            builder.store(vload(at(ip, ir.Constant(i64, r), ldi_, col(v))), acc[r][v])
                with fresh:  # C = A @ B: C is not read (it may be uninitialised memory)
                    for r in range(rows):
                        for v in range(vecs):
                            builder.store(ir.Constant(vec, [0.0] * lanes), acc[r][v])
            undef = ir.Constant(vec, ir.Undefined)
            splat = ir.Constant(ir.VectorType(i32, lanes), [0] * lanes)
            with cgutils.for_range(builder, n_k) as loop:
                kk = loop.index
                bv = [vload(at(bp, kk, ldb_, col(v))) for v in range(vecs)]
                a_at = builder.mul(kk, a_k_)
                for r in range(rows):
                    s = builder.load(at(ap, ir.Constant(i64, r), a_row_, a_at))
                    sv = builder.shuffle_vector(builder.insert_element(undef, s, ir.Constant(i32, 0)), undef, splat)
                    for v in range(vecs):
                        builder.store(builder.call(fma, [sv, bv[v], builder.load(acc[r][v])]), acc[r][v])
            for r in range(rows):
                for v in range(vecs):
                    st = builder.store(builder.load(acc[r][v]), builder.bitcast(
                        at(cp, ir.Constant(i64, r), ldc_, col(v)), vec.as_pointer()))
                    st.align = 4
            return context.get_dummy_value()

        return sig, codegen

    return tile


def _tile_nt(rows: int, cols: int, lanes: int = LANES) -> Any:
    """An intrinsic ``tile(c, a, b, k, lda, ldb, ldc, acc)`` on raw float32 addresses for ``C = A @ B.T`` with
    ``A`` and ``B`` both rows along ``k``: ``C[r, j] (+)= sum_k A[r, k] * B[j, k]`` for ``r < rows``,
    ``j < cols``, ``k`` a multiple of ``lanes``. Each of the ``rows x cols`` accumulators is a vector of partial
    sums along ``k`` (one vector load of ``A`` feeds ``cols`` multiply-adds, one of ``B`` ``rows``), summed to a
    scalar at the end; ``acc`` 0 overwrites ``C`` without reading it. ``rows * cols`` is a power of two up to
    ``lanes`` (the sums are folded into one vector)."""

    @intrinsic
    def tile(typingctx: Any, c: Any, a: Any, b: Any, k: Any, lda: Any, ldb: Any, ldc: Any, acc: Any) -> Any:
        sig = types.void(*([types.intp] * 8))

        def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
            c_addr, a_addr, b_addr, n_k, lda_, ldb_, ldc_, acc_ = args
            i64, i32, f32, vec, fma, (cp, ap, bp) = ir_prologue(context, builder, lanes, c_addr, a_addr, b_addr)

            def vload(base: Any, row: int, ld: Any, kk: Any) -> Any:  # base[row * ld + kk : + lanes]
                ptr = builder.gep(base, [builder.add(builder.mul(ir.Constant(i64, row), ld), kk)])
                v = builder.load(builder.bitcast(ptr, vec.as_pointer()))
                v.align = 4
                return v

            acc = [[cgutils.alloca_once_value(builder, ir.Constant(vec, [0.0] * lanes)) for _ in range(cols)]
                   for _ in range(rows)]
            with cgutils.for_range(builder, builder.sdiv(n_k, ir.Constant(i64, lanes))) as loop:
                kk = builder.mul(loop.index, ir.Constant(i64, lanes))
                av = [vload(ap, r, lda_, kk) for r in range(rows)]
                bv = [vload(bp, j, ldb_, kk) for j in range(cols)]
                for r in range(rows):
                    for j in range(cols):
                        builder.store(builder.call(fma, [av[r], bv[j], builder.load(acc[r][j])]), acc[r][j])
            # sum each accumulator's lanes, all at once: pairs of vectors holding groups of partial sums are
            # folded into one vector of groups half as long (lower halves + upper halves), until one vector
            # holds lane i = the sum of accumulator i (rows * cols == lanes, r-major)
            sums, group = [builder.load(acc[r][j]) for r in range(rows) for j in range(cols)], lanes
            while group > 1:
                half, folded = group // 2, []
                pairs = zip(sums[::2], sums[1::2]) if len(sums) > 1 else [(sums[0], sums[0])]
                for x, y in pairs:
                    groups = range(0, (2 if len(sums) > 1 else 1) * x.type.count, group)
                    lo = [g + i for g in groups for i in range(half)]
                    hi = [g + half + i for g in groups for i in range(half)]
                    mask = ir.VectorType(i32, len(lo))
                    folded.append(builder.fadd(builder.shuffle_vector(x, y, ir.Constant(mask, lo)),
                                               builder.shuffle_vector(x, y, ir.Constant(mask, hi))))
                sums, group = folded, half
            total = sums[0]
            keep = builder.icmp_signed("!=", acc_, ir.Constant(i64, 0))
            row_t = ir.VectorType(f32, cols)
            for r in range(rows):  # each row's sums are adjacent lanes: one short vector per row of C
                value = builder.shuffle_vector(total, total, ir.Constant(ir.VectorType(i32, cols),
                                                                         list(range(r * cols, (r + 1) * cols))))
                ptr = builder.bitcast(builder.gep(cp, [builder.mul(ir.Constant(i64, r), ldc_)]), row_t.as_pointer())
                loaded = builder.load(ptr)
                loaded.align = 4
                old = builder.select(keep, loaded, ir.Constant(row_t, [0.0] * cols))
                st = builder.store(builder.fadd(old, value), ptr)
                st.align = 4
            return context.get_dummy_value()

        return sig, codegen

    return tile


_tile_full, _tile_row = _tile(ROWS, VECS), _tile(1, VECS)
_tile_vec, _tile_one = _tile(ROWS, 1), _tile(1, 1)
_PANEL = VECS * LANES
NT_ROWS, NT_COLS = (4, 4) if LANES == 16 else (2, 4)  # rows * cols: a power of two up to LANES
_nt_full, _nt_row = _tile_nt(NT_ROWS, NT_COLS), _tile_nt(1, NT_COLS)
_nt_col, _nt_one = _tile_nt(NT_ROWS, 1), _tile_nt(1, 1)


_NO_BIAS = np.zeros(0, np.float32)


@njit
def gemm_acc(c, a, b):  # pragma: no cover - compiled
    """``c += a @ b`` for float32 ``c`` (N, M), ``a`` (N, K), ``b`` (K, M); ``b`` and ``c`` with unit column
    stride, ``a`` with any strides (a transposed view reads in place)."""
    _gemm(c, a, b, 1, _NO_BIAS)


@njit
def gemm(c, a, b):  # pragma: no cover - compiled
    """``c[...] = a @ b``, as `gemm_acc` without reading ``c`` first (it may come from ``np.empty``)."""
    _gemm(c, a, b, 0, _NO_BIAS)


@njit
def gemm_bias(c, a, b, bias):  # pragma: no cover - compiled
    """``c[...] = bias + a @ b`` for a float32 ``bias`` (M,): the sums start from the bias, ``c`` is not read."""
    _gemm(c, a, b, 2, bias)


_OUT = types.Array(types.float32, 2, "A")
_IN, _VEC = types.Array(types.float32, 2, "A", readonly=True), types.Array(types.float32, 1, "A", readonly=True)


# one signature over 'A'-layout arrays (read-only inputs accept writable ones): every caller's layouts share one
# compiled body, where a specialisation per layout combination cost ~1 s of a cold first step each
@njit(types.void(_OUT, _IN, _IN, types.intp, _VEC))
def _gemm(c, a, b, mode, bias):  # pragma: no cover - compiled
    """``c`` = (``mode`` 0) ``a @ b``, (1) ``c + a @ b``, (2) ``bias + a @ b``."""
    n, k = a.shape
    m = c.shape[1]
    lda, a_k, ldb, ldc = a.strides[0] // 4, a.strides[1] // 4, b.strides[0] // 4, c.strides[0] // 4
    if k == 0:
        for r in range(n):  # element loops: a slice assignment compiles numba's broadcasting and its messages
            for jj in range(m):
                c[r, jj] = bias[jj] if mode == 2 else (c[r, jj] if mode == 1 else np.float32(0.0))
        return
    ca, aa, ba = c.ctypes.data, a.ctypes.data, b.ctypes.data
    ia = bias.ctypes.data if mode == 2 else 0
    ldi = ldc if mode == 1 else 0
    full = n - n % ROWS
    j = 0
    while j + _PANEL <= m:  # panels of VECS vectors
        for r in range(0, full, ROWS):
            cc = ca + (r * ldc + j) * 4
            init = cc if mode == 1 else (ia + j * 4 if mode == 2 else 0)
            _tile_full(cc, aa + r * lda * 4, ba + j * 4, k, lda, a_k, ldb, ldc, init, ldi)
        for r in range(full, n):
            cc = ca + (r * ldc + j) * 4
            init = cc if mode == 1 else (ia + j * 4 if mode == 2 else 0)
            _tile_row(cc, aa + r * lda * 4, ba + j * 4, k, lda, a_k, ldb, ldc, init, ldi)
        j += _PANEL
    while j + LANES <= m:  # single vectors
        for r in range(0, full, ROWS):
            cc = ca + (r * ldc + j) * 4
            init = cc if mode == 1 else (ia + j * 4 if mode == 2 else 0)
            _tile_vec(cc, aa + r * lda * 4, ba + j * 4, k, lda, a_k, ldb, ldc, init, ldi)
        for r in range(full, n):
            cc = ca + (r * ldc + j) * 4
            init = cc if mode == 1 else (ia + j * 4 if mode == 2 else 0)
            _tile_one(cc, aa + r * lda * 4, ba + j * 4, k, lda, a_k, ldb, ldc, init, ldi)
        j += LANES
    if j == m:
        return
    if m >= LANES:  # the last columns, fewer than a vector: the last whole vector of B into a scratch tile
        j0 = m - LANES
        tail = np.empty((ROWS, LANES), np.float32)
        ta = tail.ctypes.data
        for r in range(0, n, ROWS):
            rows = min(ROWS, n - r)
            if rows == ROWS:
                _tile_vec(ta, aa + r * lda * 4, ba + j0 * 4, k, lda, a_k, ldb, LANES, 0, 0)
            else:
                for q in range(rows):
                    _tile_one(ta + q * LANES * 4, aa + (r + q) * lda * 4, ba + j0 * 4, k, lda, a_k, ldb, LANES,
                              0, 0)
            for q in range(rows):
                cr, tr = c[r + q], tail[q]
                for jj in range(j, m):
                    cr[jj] = tr[jj - j0] + (cr[jj] if mode == 1 else (bias[jj] if mode == 2 else np.float32(0.0)))
        return
    for r in range(n):  # fewer columns than a vector: a plain loop
        ar, cr = a[r], c[r]
        for jj in range(j, m):
            s = np.float32(0.0)
            for kk in range(k):
                s += ar[kk] * b[kk, jj]
            cr[jj] = s + (cr[jj] if mode == 1 else (bias[jj] if mode == 2 else np.float32(0.0)))


def _gemm_any(c, a, b, acc):  # pragma: no cover - compiled by `gemm_any`
    _gemm(c, a, b, acc, _NO_BIAS)


@functools.lru_cache(maxsize=1)
def gemm_any() -> Any:
    """`gemm` (``acc`` 0) or `gemm_acc` (``acc`` 1) as one compiled function for float32 arrays of any layout
    (unit column stride in ``b`` and ``c``), compiled on first use.

    The convolutions pass views of every layout (sliced columns, transposed weights): one signature over
    'A'-layout arrays compiles the tiles once, where a specialisation per layout combination took ~16 s of a
    DCGAN's cold first step.

    Example:
        >>> import numpy as np
        >>> c = np.empty((2, 64), np.float32)
        >>> gemm_any()(c, np.ones((2, 3), np.float32), np.ones((3, 64), np.float32), 0); float(c.max())
        3.0
    """
    arr = types.Array(types.float32, 2, "A")
    return njit(types.void(arr, arr, arr, types.intp))(_gemm_any)


@njit
def gemm_nt(c, a, b, acc):  # pragma: no cover - compiled
    """``c = a @ b.T`` (``acc`` 0) or ``c += a @ b.T`` (``acc`` 1) for float32 ``c`` (N, M), ``a`` (N, K) and
    ``b`` (M, K), each with unit column stride: a linear layer's forward ``x @ w.T`` without transposing
    either. The last ``K % LANES`` columns of ``a`` and ``b`` are copied, zero-padded to a vector, into scratch
    rows and run as one more pass."""
    n, k = a.shape
    m = b.shape[0]
    lda, ldb, ldc = a.strides[0] // 4, b.strides[0] // 4, c.strides[0] // 4
    main = k - k % LANES
    if k != main:
        pa, pb = np.zeros((n, LANES), np.float32), np.zeros((m, LANES), np.float32)
        for i in range(n):  # element loops: a slice assignment compiles numba's broadcasting and its messages
            for q in range(k - main):
                pa[i, q] = a[i, main + q]
        for i in range(m):
            for q in range(k - main):
                pb[i, q] = b[i, main + q]
    else:
        pa, pb = np.zeros((1, LANES), np.float32), np.zeros((1, LANES), np.float32)
    if main == 0 and k == main:
        if acc == 0:
            c.fill(0)
        return
    ca, aa, ba, qa, qb = c.ctypes.data, a.ctypes.data, b.ctypes.data, pa.ctypes.data, pb.ctypes.data
    rest = 1 if main > 0 else acc  # the padded pass adds onto the main one's sums
    full_j = m - m % NT_COLS
    # blocks of rows of ``a`` that stay in L2 (~128 KiB) while every tile of ``b`` passes by
    block = max(NT_ROWS, (32768 // max(k, 1)) // NT_ROWS * NT_ROWS)
    for r0 in range(0, n, block):
        r1 = min(n, r0 + block)
        rf = r0 + (r1 - r0) // NT_ROWS * NT_ROWS
        for j in range(0, m):
            if j < full_j and j % NT_COLS:
                continue
            wide = j < full_j
            for r in range(r0, r1):
                if r < rf and (r - r0) % NT_ROWS:
                    continue
                kind = (0 if r < rf else 1) if wide else (2 if r < rf else 3)
                _nt_at(kind, ca + (r * ldc + j) * 4, aa + r * lda * 4, ba + j * ldb * 4, qa + r * LANES * 4,
                       qb + j * LANES * 4, main, k != main, lda, ldb, ldc, acc, rest)


@inline
def _nt_at(kind, cc, ar, br, pr, pq, main, padded, lda, ldb, ldc, acc, rest):  # pragma: no cover - compiled
    """One tile of `gemm_nt` at ``cc``: ``kind`` 0 full, 1 one row, 2 one column, 3 one value; the main pass
    over ``main`` columns, then the zero-padded last columns."""
    if kind == 0:
        if main:
            _nt_full(cc, ar, br, main, lda, ldb, ldc, acc)
        if padded:
            _nt_full(cc, pr, pq, LANES, LANES, LANES, ldc, rest)
    elif kind == 1:
        if main:
            _nt_row(cc, ar, br, main, lda, ldb, ldc, acc)
        if padded:
            _nt_row(cc, pr, pq, LANES, LANES, LANES, ldc, rest)
    elif kind == 2:
        if main:
            _nt_col(cc, ar, br, main, lda, ldb, ldc, acc)
        if padded:
            _nt_col(cc, pr, pq, LANES, LANES, LANES, ldc, rest)
    else:
        if main:
            _nt_one(cc, ar, br, main, lda, ldb, ldc, acc)
        if padded:
            _nt_one(cc, pr, pq, LANES, LANES, LANES, ldc, rest)


@njit
def transpose_into(w, scale, out):  # pragma: no cover - compiled
    """``out[k, j] = w[j, k] * scale[j]`` (``w`` (M, K), ``out`` (K, M)): eight rows of ``w`` at a time, so
    each row of ``out`` gets eight adjacent values per pass (~3x NumPy's strided copy)."""
    m, k = w.shape
    full = m - m % 8
    for j in range(0, full, 8):
        r0, r1, r2, r3, r4, r5, r6, r7 = w[j], w[j + 1], w[j + 2], w[j + 3], w[j + 4], w[j + 5], w[j + 6], w[j + 7]
        s0, s1, s2, s3 = scale[j], scale[j + 1], scale[j + 2], scale[j + 3]
        s4, s5, s6, s7 = scale[j + 4], scale[j + 5], scale[j + 6], scale[j + 7]
        for kk in range(k):
            o = out[kk, j:j + 8]
            o[0], o[1], o[2], o[3] = r0[kk] * s0, r1[kk] * s1, r2[kk] * s2, r3[kk] * s3
            o[4], o[5], o[6], o[7] = r4[kk] * s4, r5[kk] * s5, r6[kk] * s6, r7[kk] * s7
    for j in range(full, m):
        for kk in range(k):
            out[kk, j] = w[j, kk] * scale[j]
