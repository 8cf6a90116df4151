"""How this CPU runs a convolution (the backend of ember.nn.functional's conv*d, conv_transpose*d,
unfold, fold and the pooling windows).

Every convolution is im2col + GEMM over chunks of the batch, each chunk taken by whichever thread is
free (each runs its chunk end to end in its own cache; see ember._kernels.threads.each; per-chunk sums are
added in chunk order, so results do not depend on the threads). A chunk of m images
has the patch matrix  cols (C, K, m, Q)  (K kernel offsets, Q positions per image), built by one
slice copy per kernel offset, and the convolution is ONE GEMM per chunk:
    forward       y    (O, m·Q)    = W (O, C·K) @ cols (C·K, m·Q)           then y to (m, O, *out) + bias
    weight grad   gW   (O, C·K)    = Σ_chunks gy (O, m·Q) @ colsᵀ           (cols rebuilt, see below)
    input grad    gcol (C·K, m·Q)  = Wᵀ @ gy,  then col2im: one slice-add per kernel offset
(a batch of G GEMMs with groups). A transposed convolution runs the same loops with the roles swapped.
Layers with few positions and many channels take the whole batch as one chunk instead, each GEMM
split between the threads by rows (_plan).

Two layouts of the positions Q (_layout chooses):
  wide (stride 1, unless too many of its positions would be dropped: _layout): the image is flattened
    (padded when there is padding) and an output position is read at its flat index, so kernel offset
    k's patch is the contiguous run image[off_k : off_k + Q]: im2col and col2im are copies of long
    contiguous runs. Q spans whole image rows, so a few columns per row are computed and dropped (8%
    of the work for a 3×3 kernel on 26 columns).
  compact (any stride): Q = the output positions; one strided multi-dimensional copy per offset,
    zeros kept where an offset falls into the padding (padding is never materialised).

Stride 1 in float32 on a CPU with AVX-512 (and groups=1) takes neither: _Shifted runs the three
products as compiled loops that read each patch straight from the wide-layout image (no patch
matrix), about 1.8× the GEMM rate of the AVX2 OpenBLAS NumPy ships with here; see its docstring.

Geometry `geo` is ember.nn._functional.conv's: (image size, output size, kernel, stride, padding
before, dilation).
"""
import functools
import itertools
import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from . import loops as _loops, threads as _threads

CHUNK_BYTES = 1 << 21      # target size of one chunk's patch matrix (about a core's L2)
SHIFTED_CHUNK_BYTES = 1 << 19  # the compiled loops' images, gradients and results of one chunk: half a core's L2
WHOLE_BATCH_BYTES = 1 << 24  # the largest patch matrix built for the whole batch at once (see _plan)


# ---------------------------------------------------------------------- reused buffers
# A fresh multi-megabyte array costs a page fault per 4 KB on first touch, as slow as filling it, so
# patch matrices and the wide layout's zero-gapped gradients are reused across calls. A buffer is
# keyed by everything that decides which of its entries get written, so zeros it keeps stay valid.
_POOL = {}
_POOL_LIMIT = 1 << 28  # bytes kept for reuse at most
_pool_lock = threading.Lock()
_pooled_bytes = [0]


def _take(key, shape, dtype, zeros):
    dtype = np.dtype(dtype)  # the keys hold dtypes, as _give finds them (np.float32 itself hashes apart)
    with _pool_lock:
        free = _POOL.get((key, shape, dtype))
        if free:
            buf = free.pop()
            _pooled_bytes[0] -= buf.nbytes
            return buf
    return (np.zeros if zeros else np.empty)(shape, dtype)


def _give(key, buf):
    with _pool_lock:
        if _pooled_bytes[0] + buf.nbytes <= _POOL_LIMIT:
            _POOL.setdefault((key, buf.shape, buf.dtype), []).append(buf)
            _pooled_bytes[0] += buf.nbytes


# ---------------------------------------------------------------------- the two layouts
class _Compact:
    """Q = the output positions (n-d); one strided copy per kernel offset that touches the image."""

    def __init__(self, geo):
        img, out, kernel, stride, pad, dil = self.geo = geo
        self.K, self.Q = math.prod(kernel), math.prod(out)
        per_dim = []
        self.dense = True  # every offset covers every output: no zeros needed in cols
        for size, o, k, s, p, d in zip(img, out, kernel, stride, pad, dil):
            opts = []
            for j in range(k):
                off = j * d - p  # output position q reads image position q*s + off
                lo = max(0, -(off // s))
                hi = min(o, (size - 1 - off) // s + 1)
                if hi <= lo:
                    self.dense = False
                    continue
                self.dense = self.dense and lo == 0 and hi == o
                start = lo * s + off
                opts.append((j, slice(lo, hi), slice(start, start + (hi - lo - 1) * s + 1, s)))
            per_dim.append(opts)
        # per kernel offset: (index into cols (C, *K, m, *out), index into the image (C, m, *img), the
        # offset's flat number in the kernel, index into the output (m, C, *out)); pooling uses them too
        self.entries = []
        for combo in itertools.product(*per_dim):
            js = tuple(c[0] for c in combo)
            osl = tuple(c[1] for c in combo)
            self.entries.append(((slice(None),) + js + (slice(None),) + osl,
                                 (slice(None), slice(None)) + tuple(c[2] for c in combo),
                                 int(np.ravel_multi_index(js, kernel)), (slice(None), slice(None)) + osl))

    def copy(self, xt, c):
        """c (C, *K, m, *out) <- images xt (C, m, *img), views of any layout."""
        for dst, src, _, _ in self.entries:
            c[dst] = xt[src]

    def add(self, c, gt):
        """images gt (C, m, *img) += c (C, *K, m, *out): the adjoint of copy."""
        for dst, src, _, _ in self.entries:
            gt[src] += c[dst]

    def _full(self, cols, m):
        g = self.geo
        return cols.reshape(cols.shape[:1] + g[2] + (m,) + g[1])

    def im2col(self, x, cols):
        """cols (C, K, m, Q) <- images x (m, C, *img)."""
        self.copy(x.swapaxes(0, 1), self._full(cols, x.shape[0]))

    def col2im(self, cols, gx):
        """images gx (m, C, *img) += cols (C, K, m, Q)."""
        self.add(self._full(cols, gx.shape[0]), gx.swapaxes(0, 1))

    def positions(self, a):
        """(A, m, Q) -> a view (A, m, *out) of the output positions."""
        return a.reshape(a.shape[:2] + self.geo[1])

    def output(self, r, bias, y):
        """y (m, O, *out) = the GEMM result r (O, m, Q) at the output positions, + bias (O,) unless None."""
        _to_output(self.positions(r), bias, y)

    def gy_cols(self, gy):
        """gy (m, O, *out) as (O, m, Q), the GEMM operand of the gradients (a transposing copy)."""
        return np.ascontiguousarray(gy.reshape(gy.shape[:2] + (-1,)).swapaxes(0, 1))

    def done_with(self, gyc):
        pass


class _Wide:
    """Stride 1: positions indexed by their flat index in the (padded) image; see the module doc."""
    dense = True

    def __init__(self, geo):
        img, out, kernel, stride, pad, dil = self.geo = geo
        self.padded = tuple(o + d * (k - 1) for o, d, k in zip(out, dil, kernel))
        self.strides = tuple(math.prod(self.padded[i + 1:]) for i in range(len(img)))
        self.K = math.prod(kernel)
        self.Q = sum((o - 1) * s for o, s in zip(out, self.strides)) + 1
        self.offsets = [sum(j * d * s for j, d, s in zip(js, dil, self.strides))
                        for js in itertools.product(*(range(k) for k in kernel))]
        self.offset_array = np.array(self.offsets, np.int64)
        # the part of the image inside the padded frame (the padding after may be negative: the last
        # rows of a transposed convolution's output_padding that no kernel offset reaches)
        self.inner = tuple(slice(0, min(i, q - p)) for i, q, p in zip(img, self.padded, pad))
        self.frame = tuple(slice(p, p + min(i, q - p)) for i, q, p in zip(img, self.padded, pad))
        self.bare = self.padded == tuple(img) and not any(pad)  # the image is its own frame
        # rows (runs along the last dim) for the compiled loops: the wide positions where the output's
        # rows start; and the frame's rows, at their start in the image and in the padded image
        self.out_rows = self._row_starts(out, self.strides)
        inner = tuple(s.stop for s in self.inner)
        self.image_rows = self._row_starts(inner, tuple(math.prod(img[i + 1:]) for i in range(len(img))))
        self.frame_rows = self._row_starts(inner, self.strides) + sum(p * s for p, s in zip(pad, self.strides))
        self.run = inner[-1]

    @staticmethod
    def _row_starts(sizes, strides):
        """Flat offsets of the rows of an array of `sizes` laid out with `strides` (int64)."""
        starts = np.zeros(1, np.int64)
        for n, st in zip(sizes[:-1], strides[:-1]):
            starts = (starts[:, None] + np.arange(max(n, 0)) * st).reshape(-1)
        return starts if sizes[-1] > 0 else starts[:0]

    def _flat(self, a):
        return a.reshape(a.shape[:2] + (-1,))

    def im2col(self, x, cols):
        if self.bare:
            flat = self._flat(x)
        else:
            buf = _take(("pad", self.geo), x.shape[:2] + self.padded, x.dtype, True)
            buf[(Ellipsis,) + self.frame] = x[(Ellipsis,) + self.inner]
            flat = self._flat(buf)
        if _loops.fits(flat, cols):
            _loops.shifted(flat, cols, self.offset_array, True)
        else:
            xt = flat.swapaxes(0, 1)
            Q = self.Q
            for k, off in enumerate(self.offsets):
                cols[:, k] = xt[:, :, off:off + Q]
        if not self.bare:
            _give(("pad", self.geo), buf)

    def col2im(self, cols, gx):
        m, C = gx.shape[:2]
        buf = gx if self.bare else np.zeros((m, C) + self.padded, gx.dtype)
        flat = self._flat(buf)
        if _loops.fits(flat, cols):  # one compiled pass instead of K read-modify-write passes of short rows
            _loops.shifted(flat, cols, self.offset_array, False)
        else:
            gt = flat.swapaxes(0, 1)
            Q = self.Q
            for k, off in enumerate(self.offsets):
                gt[:, :, off:off + Q] += cols[:, k]
        if not self.bare:
            gx[(Ellipsis,) + self.inner] += buf[(Ellipsis,) + self.frame]

    def positions(self, a):
        step = a.strides[2]  # of one position (a channels-last layout's is the channels')
        return as_strided(a, a.shape[:2] + self.geo[1], a.strides[:2] + tuple(s * step for s in self.strides))

    def rows(self, a):
        """a (m, O, *out), C-contiguous, as (m, O, R, Wo): the output's rows, for the compiled loops."""
        return a.reshape(a.shape[:2] + (math.prod(self.geo[1][:-1]), self.geo[1][-1]))

    def output(self, r, bias, y):
        if y.flags.c_contiguous and _loops.fits(r, y):  # one compiled pass over short image rows
            zero = np.zeros(r.shape[0], r.dtype) if bias is None else bias
            _loops.wide_rows(r, self.rows(y), zero, self.out_rows, True)
        else:
            _to_output(self.positions(r), bias, y)

    def gy_cols(self, gy):
        """(O, m, Q) with gy at the output positions and zeros between (kept zero across reuses)."""
        buf = _take(("gy", self.geo), (gy.shape[1], gy.shape[0], self.Q), gy.dtype, True)
        if _loops.fits(gy, buf) and gy.flags.c_contiguous:
            _loops.wide_rows(buf, self.rows(gy), np.zeros(gy.shape[1], gy.dtype), self.out_rows, False)
        else:
            self.positions(buf)[...] = gy.swapaxes(0, 1)
        return buf

    def done_with(self, gyc):
        _give(("gy", self.geo), gyc)


def _to_output(pos, bias, y):
    """y (m, O, *out) = pos (O, m, *out) (+ bias (O,)): the copy and the bias add in one pass."""
    if bias is None:
        np.copyto(y, pos.swapaxes(0, 1))
    else:
        np.add(pos.swapaxes(0, 1), bias.reshape((1, -1) + (1,) * (y.ndim - 2)), out=y)


@functools.lru_cache(maxsize=1024)
def compact(geo):
    return _Compact(geo)


@functools.lru_cache(maxsize=1024)
def _wide(geo):
    return _Wide(geo)


@functools.lru_cache(maxsize=1024)
def _layout(geo, forward=False):
    """The layout of im2col: wide for stride 1, unless too many of its positions would be dropped
    columns (a 3×3 kernel on 2×2 images: 6 wide positions for 4 outputs), where the products' extra
    work costs more than compact's strided copies. For the gradients that is a third or more (ResNet-18's
    last layers, 512 channels on 2×2: forward 4.0 → 2.5 ms, backward 8.9 → 6.1 ms for a batch of 16; on
    3×3 images compact was no faster). A forward, one product and a plain copy out, takes compact from a
    quarter: 256 channels on 4×4 (22 wide positions for 16), 5.9 → 4.8 ms, where the gradients' compact
    transposing copy and strided adds still cost more than their product saves (128 channels on 6×6:
    forward 2.6 → 2.4 ms, backward 4.8 → 6.4)."""
    if all(s == 1 for s in geo[3]):
        wide, n = _wide(geo), math.prod(geo[1])
        if (4 * wide.Q < 5 * n if forward else 2 * wide.Q < 3 * n) or n == 0:
            return wide
    return compact(geo)


class _Shifted:
    """Stride 1 and float32 on a CPU with AVX-512: the three products of a convolution as compiled
    loops (ember._kernels.loops.shifted_gemm, shifted_gemm_t/_p) that read kernel offset k's patch of an
    image straight from the image at positions offsets[k] + q, so no patch matrix is built:
        forward      r  (O, m, Q)   = Σ_ck W[o, c, k] · img[i, c, off_k + q]     then r to y + bias
        weight grad  gWᵀ (C·K, O)  += Σ_iq img[i, c, off_k + q] · gt[i, q, o]
        input grad   gimg (C, m, P) = Σ_ok W[o, c, k] · g[i, o, front - off_k + p]  (a full correlation)
    img is the (padded) image flattened, g the output gradient in the same wide layout placed
    `front` (the largest offset) zeros in, and gt the output gradient in the wide layout with the
    channels last; zeros between their rows. With fewer output channels than a block's lanes (32),
    the weight gradient is instead a sum over positions, gW (O, C·K) += Σ_iq g[i, o, front + q] ·
    img[i, c, off_k + q] (shifted_gemm_p), which needs no channels-last copy, the costlier layout.
    The loops take blocks of rows and lanes, so those are padded with zeros to a multiple of the
    block (the extra results are dropped). The batch goes in chunks of a few images (_chunks) to
    whichever thread is free, a chunk's work end to end in one compiled call
    (ember._kernels.loops.conv_loops: layouts, products, output), so the threads take the GIL once a chunk;
    the weight gradient is summed per chunk and the chunks' sums added in order, so the result does
    not depend on which thread ran what."""

    def __init__(self, geo):
        from .gemm import ROWS, LANES, P_ROWS, P_COLS
        lay = self.lay = _wide(geo)
        self.front = max(lay.offsets)
        self.P = math.prod(lay.padded)  # = front + Q
        self.Qp = self._up(lay.Q, LANES)
        self.Pp = self._up(self.P, LANES)
        self.rows, self.lanes, self.p_rows, self.p_cols = ROWS, LANES, P_ROWS, P_COLS
        self.offsets = lay.offset_array
        self.back_offsets = self.front - lay.offset_array

    @staticmethod
    def _up(n, block):
        return -(-n // block) * block

    def _channels_last(self, O):
        """Whether the weight gradient of O output channels takes shifted_gemm_t (else _p)."""
        return O >= self.lanes

    @staticmethod
    def _run(loop, args, chunks, flops):
        """loop(*args, starts, sizes, c0, c1), a loop of ember._kernels.loops.conv_loops, over `chunks`
        (_chunks): each chunk to whichever thread is free, or all in one call when the work is too
        small to split."""
        if not chunks:  # an empty batch
            return
        starts, sizes = (np.array(v, np.int64) for v in zip(*chunks))
        if flops < _threads.MIN_SPLIT_FLOPS:
            loop(*args, starts, sizes, 0, len(chunks))
        else:
            _threads.each(lambda c: loop(*args, starts, sizes, c, c + 1), list(range(len(chunks))))

    @staticmethod
    def _planes(a):
        """a (N, C, *spatial) as C-contiguous float32 (N, C, positions): a view when it is one already."""
        return np.ascontiguousarray(a, np.float32).reshape(a.shape[:2] + (math.prod(a.shape[2:]),))

    def forward(self, x, w, bias, gw_of, flops):
        """y = conv(x) + bias for w (O, C·K); with gw_of (N, O, *out) also Σ gw_of ⋆ x as (1, O, C·K)."""
        lay = self.lay
        N, C = x.shape[:2]
        O, CK = w.shape
        Op = self._up(O, self.rows)
        wt = np.zeros((CK, Op), np.float32)
        wt[:, :O] = w.T
        y = np.empty((N, O) + lay.geo[1], np.float32)
        b = np.zeros(O, np.float32) if bias is None else np.asarray(bias, np.float32)
        args = (self._planes(x), wt, self.offsets, b, lay.rows(y), self.Qp, self.front + self.Qp,
                lay.image_rows, lay.frame_rows, lay.run, lay.out_rows)
        chunks = _chunks(N, (C * (self.front + self.Qp) + Op * self.Qp) * 4, flops, SHIFTED_CHUNK_BYTES)
        self._run(_loops.conv_loops().forward, args, chunks, flops)
        return y, (None if gw_of is None else self.backward(gw_of, w, None, x, False, flops)[1])

    def backward(self, gy, w, C, x, need_b, flops):
        """(gx (N, C, *img) or None for C=None, gW (1, O, C·K) or None for x=None, gb or None)."""
        lay = self.lay
        N, O = gy.shape[:2]
        CK = w.shape[1]
        K = lay.K
        rows = self._up(O, self.p_rows)  # g's
        wt, gx = np.zeros((0, 0), np.float32), np.zeros((0, 0, 0), np.float32)
        if C is not None:
            Cp = self._up(C, self.rows)
            wt = np.zeros((rows, K, Cp), np.float32)  # wt[o, k, c] = W[o, c, k]
            wt[:O, :, :C] = w.reshape(O, C, K).transpose(0, 2, 1)
            wt = wt.reshape(rows * K, Cp)
            gx = (np.empty if lay.bare else np.zeros)((N, C) + lay.geo[0], np.float32)
        Cx = C if C is not None else x.shape[1]
        last = x is not None and self._channels_last(O)
        per_image = Cx * (self.front + self.Qp) + (rows * (self.front + self.Pp) if C is not None or not last else 0) + \
            (lay.Q * self._up(O, self.lanes) if last else 0)
        chunks = _chunks(N, per_image * 4, flops, SHIFTED_CHUNK_BYTES)
        if x is None:
            gws = np.zeros((0, 0, 0), np.float32)
        elif last:  # gWᵀ, rows up to the loop's block and its lanes
            gws = np.zeros((len(chunks), self._up(CK, self.rows), self._up(O, self.lanes)), np.float32)
        else:
            gws = np.zeros((len(chunks), rows, self._up(CK, self.p_cols)), np.float32)
        gbs = np.zeros((len(chunks), O))
        xs = self._planes(x) if x is not None else np.zeros((0, 0, 0), np.float32)
        args = (lay.rows(np.ascontiguousarray(gy, np.float32)), xs, wt, self.offsets, self.back_offsets, self.front,
                lay.Q, self.Qp, self.Pp, self._up(O, self.lanes), rows, lay.image_rows, lay.frame_rows, lay.run,
                lay.out_rows, x is not None, last, lay.bare, self._planes(gx) if C is not None else gx, gws, gbs)
        self._run(_loops.conv_loops().backward, args, chunks, flops)
        gw = None
        if x is not None:
            total = gws.sum(0)  # the chunks' sums added in chunk order
            gw = np.ascontiguousarray(total[:CK, :O].T if last else total[:O, :CK])
            gw.shape = (1,) + gw.shape
        gb = gbs.sum(0).astype(np.float32) if need_b else None
        return (gx if C is not None else None), gw, gb


@functools.lru_cache(maxsize=1024)
def _shifted(geo):
    return _Shifted(geo)


# ---------------------------------------------------------------------- the loops on arrays
def _chunks(N, bytes_per_image, flops, chunk_bytes):
    """(first image, images) chunks covering the batch for _each: each at most chunk_bytes of
    working memory, and smaller towards the end (a share of what is left, guided self-scheduling),
    so the threads run out of work at nearly the same time."""
    threads = _threads.get_num_threads() if flops >= _threads.MIN_SPLIT_FLOPS else 1
    most = max(1, chunk_bytes // max(1, bytes_per_image))
    chunks, s = [], 0
    while s < N:
        m = min(most, N - s if threads == 1 else max(1, -(-(N - s) // (2 * threads))))
        chunks.append((s, m))
        s += m
    return chunks


def _each(fn, chunks, flops):
    """[fn(chunk) for chunk in chunks] on the threads (each taking the next chunk when free), or on
    this one when the work is too small to split; per-chunk results, summed in chunk order by the
    callers, keep the sums the same whichever thread ran which chunk."""
    if flops < _threads.MIN_SPLIT_FLOPS:
        return [fn(c) for c in chunks]
    return _threads.each(fn, chunks)


def _plan(N, bytes_per_image, flops, O, Q):
    """(chunks, whole): the batch in chunks (_chunks), or as one chunk (whole) when its chunks would
    read the weight (O rows) more often than the patch matrix has columns (N·Q): the deep layers of a
    ResNet (few positions, many channels), where each chunk's GEMM would stream the whole weight for
    a thin slice of columns and the weight gradient would be summed over as many full-size partials.
    Then the GEMMs are split between the threads by rows instead (ember._kernels.threads.matmul)."""
    chunks = _chunks(N, bytes_per_image, flops, CHUNK_BYTES)
    if len(chunks) > 1 and O * len(chunks) >= N * Q and N * bytes_per_image <= WHOLE_BATCH_BYTES:
        return [(0, N)], True
    return chunks, False


def _matmul(a, b, whole):
    """a @ b for stacks (G, M, K) @ (G, K, N) of GEMMs: with one group and the whole batch, the
    product split between the threads."""
    if whole and a.shape[0] == 1:
        out = np.empty((1, a.shape[1], b.shape[2]), np.result_type(a, b))
        _threads.matmul(a[0], b[0], out=out[0])
        return out
    return np.matmul(a, b)


def _sum(parts, shape, dt):
    """The per-chunk partial sums added in chunk order (zeros for an empty batch)."""
    if not parts:
        return np.zeros(shape, dt)
    total = parts[0]
    for p in parts[1:]:
        total += p
    return total


def forward(x, wm, geo, bias=None, gw_of=None):
    """y = W @ im2col(x) (+ bias): x (N, C, *img) -> y (N, G·Og, *out), for wm (G, Og, Cg·K).
    gw_of (N, G·Og, *out): also return Σ gw_of @ im2col(x)ᵀ as (G, Og, Cg·K) (a transposed
    convolution's weight gradient)."""
    lay = _layout(geo, forward=True)
    N, C = x.shape[:2]
    G, Og, CK = wm.shape
    O = G * Og
    dt = x.dtype
    flops = 2 * N * O * CK * lay.Q
    if G == 1 and all(s == 1 for s in geo[3]) and _loops.gemm_fits(x, wm):
        return _shifted(geo).forward(x, wm[0], bias, gw_of, flops)
    y = np.empty((N, O) + geo[1], dt)
    chunks, whole = _plan(N, C * lay.K * lay.Q * dt.itemsize, flops, O, lay.Q)

    def chunk(piece):
        s, m = piece
        cols = _take(("cols", geo), (C, lay.K, m, lay.Q), dt, not lay.dense)
        lay.im2col(x[s:s + m], cols)
        c3 = cols.reshape(G, CK, m * lay.Q)
        lay.output(_matmul(wm, c3, whole).reshape(O, m, lay.Q), bias, y[s:s + m])
        gw = None
        if gw_of is not None:
            gyc = lay.gy_cols(gw_of[s:s + m])
            gw = _matmul(gyc.reshape(G, Og, -1), c3.transpose(0, 2, 1), whole)
            lay.done_with(gyc)
        _give(("cols", geo), cols)
        return gw

    partial = _each(chunk, chunks, flops)
    return y, (_sum(partial, (G, Og, CK), dt) if gw_of is not None else None)


def image_grad(gy, wm, geo, C, need_w=False, x=None, need_b=False):
    """The gradients of a convolution: gx = col2im(Wᵀ @ gy) (None for C=None), and with need_w
    gw = Σ gy @ im2col(x)ᵀ and gb = Σ gy. gy (N, G·Og, *out), wm (G, Og, Cg·K). Also a transposed
    convolution's forward (gy its input). The patch matrices are rebuilt chunk by chunk rather than
    kept from the forward: a rebuilt one sits in a cache-warm pooled buffer, a kept one in memory."""
    lay = _layout(geo)
    N, O = gy.shape[:2]
    G, Og, CK = wm.shape
    dt = gy.dtype
    Cx = C if C is not None else x.shape[1]
    flops = 2 * N * O * CK * lay.Q * ((C is not None) + need_w)
    if G == 1 and all(s == 1 for s in geo[3]) and _loops.gemm_fits(gy, wm) and (x is None or _loops.gemm_fits(x)):
        return _shifted(geo).backward(gy, wm[0], C, x if need_w else None, need_b, flops)
    gx = np.zeros((N, C) + geo[0], dt) if C is not None else None
    wt = wm.transpose(0, 2, 1)
    chunks, whole = _plan(N, Cx * lay.K * lay.Q * dt.itemsize, flops, O, lay.Q)

    def chunk(piece):
        s, m = piece
        gw = gb = None
        gyc = lay.gy_cols(gy[s:s + m])
        g3 = gyc.reshape(G, Og, m * lay.Q)
        if need_w:  # gW = gy @ colsᵀ: a transposing copy of gWᵀ would cost more than the product (47 ms at 4608×512)
            cols = _take(("cols", geo), (Cx, lay.K, m, lay.Q), dt, not lay.dense)
            lay.im2col(x[s:s + m], cols)
            gw = _matmul(g3, cols.reshape(G, CK, -1).transpose(0, 2, 1), whole)
            _give(("cols", geo), cols)
        if need_b:
            gb = gy[s:s + m].reshape(m, O, -1).sum((0, 2))
        if gx is not None:
            gcol = _matmul(wt, g3, whole).reshape(C, lay.K, m, lay.Q)
            lay.col2im(gcol, gx[s:s + m])
        lay.done_with(gyc)
        return gw, gb

    partial = _each(chunk, chunks, flops)
    gw = _sum([p[0] for p in partial], (G, Og, CK), dt) if need_w else None
    gb = _sum([p[1] for p in partial], (O,), dt) if need_b else None
    return gx, gw, gb


def reshaped(a, shape):
    """a as `shape`, in place when it owns its buffer: autograd then hands it to .grad without a copy
    (it copies a view, which someone else may hold)."""
    if a.flags.owndata and a.flags.c_contiguous:
        a.shape = shape
        return a
    return a.reshape(shape)


# ---------------------------------------------------------------------- unfold / fold
def unfold(x, geo):
    """(N, C, *img) -> (N, C·K, P), torch's F.unfold layout."""
    lay = compact(geo)
    N, C = x.shape[:2]
    d = len(geo[0])
    out = (np.empty if lay.dense else np.zeros)((N, C) + geo[2] + geo[1], x.dtype)
    lay.copy(x.swapaxes(0, 1), np.moveaxis(out, 0, 1 + d))
    return out.reshape(N, C * math.prod(geo[2]), math.prod(geo[1]))


def fold(cols, geo):
    """(N, C·K, P) -> (N, C, *img): the sum of every patch back into its place."""
    N = cols.shape[0]
    d = len(geo[0])
    C = cols.shape[1] // math.prod(geo[2])
    c = cols.reshape((N, C) + geo[2] + geo[1])
    img = np.zeros((N, C) + geo[0], cols.dtype)
    compact(geo).add(np.moveaxis(c, 0, 1 + d), img.swapaxes(0, 1))
    return img
