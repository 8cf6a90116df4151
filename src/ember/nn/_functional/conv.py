"""Convolutions: F.conv1d/2d/3d, F.conv_transpose1d/2d/3d, F.unfold, F.fold.

Every convolution is im2col + GEMM over chunks of the batch, each chunk taken by whichever thread is
free (each runs its chunk end to end in its own cache; see ember._kernels.threads.each; per-chunk sums are
added in chunk order, so results do not depend on the threads). A chunk of m images
has the patch matrix  cols (C, K, m, Q)  (K kernel offsets, Q positions per image), built by one
slice copy per kernel offset, and the convolution is ONE GEMM per chunk:
    forward       y    (O, m·Q)    = W (O, C·K) @ cols (C·K, m·Q)           then y to (m, O, *out) + bias
    weight grad   gWᵀ  (C·K, O)    = Σ_chunks cols @ gy (O, m·Q)ᵀ           (cols rebuilt, see below)
    input grad    gcol (C·K, m·Q)  = Wᵀ @ gy,  then col2im: one slice-add per kernel offset
(a batch of G GEMMs with groups). A transposed convolution runs the same loops with the roles swapped.

Two layouts of the positions Q:
  wide (stride 1): the image is flattened (padded when there is padding) and an output position is
    read at its flat index, so kernel offset k's patch is the contiguous run image[off_k : off_k + Q]:
    im2col and col2im are copies of long contiguous runs. Q spans whole image rows, so a few
    columns per row are computed and dropped (8% of the work for a 3×3 kernel on 26 columns).
  compact (any stride): Q = the output positions; one strided multi-dimensional copy per offset,
    zeros kept where an offset falls into the padding (padding is never materialised).

Stride 1 in float32 on a CPU with AVX-512 (and groups=1) takes neither: _Shifted runs the three
products as compiled loops that read each patch straight from the wide-layout image (no patch
matrix), about 1.8× the GEMM rate of the AVX2 OpenBLAS NumPy ships with here; see its docstring.

Geometry `geo` = (image size, output size, kernel, stride, padding before, dilation), each a tuple
over the spatial dims; the padding after is implied by the output size (so 'same' may be uneven).
"""
import functools
import itertools
import math
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from ...autograd.graph import record
from ...autograd.grad_mode import state
from ..._ops.registry import node_class, wrap, shape_str
from ..._kernels import loops as _loops, threads as _threads

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
           "unfold", "fold"]

CHUNK_BYTES = 1 << 21      # target size of one chunk's patch matrix (about a core's L2)
SHIFTED_CHUNK_BYTES = 1 << 19  # the compiled loops' images, gradients and results of one chunk: half a core's L2


def _ntuple(value, n):
    """An int or a sequence as an n-tuple of ints (torch.nn.modules.utils._ntuple)."""
    if isinstance(value, (tuple, list)):
        return tuple(int(v) for v in value)
    return (int(value),) * n


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
def _compact(geo):
    return _Compact(geo)


@functools.lru_cache(maxsize=1024)
def _layout(geo):
    return _Wide(geo) if all(s == 1 for s in geo[3]) else _compact(geo)


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
        from ..._kernels.gemm import ROWS, LANES, P_ROWS, P_COLS
        lay = self.lay = _layout(geo)
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
            gw = (total[:CK, :O].T if last else total[:O, :CK])[None]
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


def _wmat(w, groups):
    """Weight (O, Cg, *K) as (G, O/G, Cg·K): one GEMM operand per group."""
    return w.reshape(groups, w.shape[0] // groups, -1)


def _forward(x, wm, geo, bias=None, gw_of=None):
    """y = W @ im2col(x) (+ bias): x (N, C, *img) -> y (N, G·Og, *out), for wm (G, Og, Cg·K).
    gw_of (N, G·Og, *out): also return Σ gw_of @ im2col(x)ᵀ as (G, Og, Cg·K) (a transposed
    convolution's weight gradient)."""
    lay = _layout(geo)
    N, C = x.shape[:2]
    G, Og, CK = wm.shape
    O = G * Og
    dt = x.dtype
    flops = 2 * N * O * CK * lay.Q
    if G == 1 and isinstance(lay, _Wide) and _loops.gemm_fits(x, wm):
        return _shifted(geo).forward(x, wm[0], bias, gw_of, flops)
    y = np.empty((N, O) + geo[1], dt)
    chunks = _chunks(N, C * lay.K * lay.Q * dt.itemsize, flops, CHUNK_BYTES)

    def chunk(piece):
        s, m = piece
        cols = _take(("cols", geo), (C, lay.K, m, lay.Q), dt, not lay.dense)
        lay.im2col(x[s:s + m], cols)
        c3 = cols.reshape(G, CK, m * lay.Q)
        lay.output(np.matmul(wm, c3).reshape(O, m, lay.Q), bias, y[s:s + m])
        gw = None
        if gw_of is not None:
            gyc = lay.gy_cols(gw_of[s:s + m])
            gw = np.matmul(gyc.reshape(G, Og, -1), c3.transpose(0, 2, 1))
            lay.done_with(gyc)
        _give(("cols", geo), cols)
        return gw

    partial = _each(chunk, chunks, flops)
    return y, (sum(partial, np.zeros((G, Og, CK), dt)) if gw_of is not None else None)  # (zeros: an empty batch)


def _image_grad(gy, wm, geo, C, need_w=False, x=None, need_b=False):
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
    if G == 1 and isinstance(lay, _Wide) and _loops.gemm_fits(gy, wm) and (x is None or _loops.gemm_fits(x)):
        return _shifted(geo).backward(gy, wm[0], C, x if need_w else None, need_b, flops)
    gx = np.zeros((N, C) + geo[0], dt) if C is not None else None
    wt = wm.transpose(0, 2, 1)
    chunks = _chunks(N, Cx * lay.K * lay.Q * dt.itemsize, flops, CHUNK_BYTES)

    def chunk(piece):
        s, m = piece
        gwt = gb = None
        gyc = lay.gy_cols(gy[s:s + m])
        g3 = gyc.reshape(G, Og, m * lay.Q)
        if need_w:  # gWᵀ: cols @ gyᵀ runs faster than gy @ colsᵀ
            cols = _take(("cols", geo), (Cx, lay.K, m, lay.Q), dt, not lay.dense)
            lay.im2col(x[s:s + m], cols)
            gwt = np.matmul(cols.reshape(G, CK, -1), g3.transpose(0, 2, 1))
            _give(("cols", geo), cols)
        if need_b:
            gb = gy[s:s + m].reshape(m, O, -1).sum((0, 2))
        if gx is not None:
            gcol = np.matmul(wt, g3).reshape(C, lay.K, m, lay.Q)
            lay.col2im(gcol, gx[s:s + m])
        lay.done_with(gyc)
        return gwt, gb

    partial = _each(chunk, chunks, flops)
    gw = sum((p[0] for p in partial), np.zeros((G, CK, Og), dt)).transpose(0, 2, 1) if need_w else None
    gb = sum((p[1] for p in partial), np.zeros(O, dt)) if need_b else None
    return gx, gw, gb


# ---------------------------------------------------------------------- the autograd op
def _weight_grad(yside, imgside, geo, groups, wshape):
    """Σ_n yside (G, Og, P) @ unfold(imgside)ᵀ, with Ember ops (for create_graph)."""
    N, O = yside.shape[:2]
    P = math.prod(geo[1])
    cols = _unfold_op(imgside, geo)
    CK = cols.shape[1]
    g = yside.reshape(N, groups, O // groups, P)
    c = cols.reshape(N, groups, CK // groups, P)
    return g.matmul(c.transpose(-1, -2)).sum(0).reshape(wshape)


def _conv_backward(self, g):
    x, w = self.saved
    geo, transposed, groups = self.args
    nx, nw = self.next_functions[0][0] is not None, self.next_functions[1][0] is not None
    nb = self.next_functions[2][0] is not None
    red = (0,) + tuple(range(2, g.dim()))
    if state.enabled:  # create_graph: the gradients as differentiable Ember ops
        gx = _conv_op(g, w, None, geo, not transposed, groups) if nx else None
        gw = None
        if nw:
            gw = _weight_grad(x, g, geo, groups, w.shape) if transposed else _weight_grad(g, x, geo, groups, w.shape)
        return gx, gw, g.sum(red) if nb else None
    ga, xa, wa, dt = g._data, x._data, w._data, g._dtype
    wm = _wmat(wa, groups)
    gx = gw = gb = None
    if transposed:  # the input is the output side: grad_input = W @ im2col(g), grad_w from the same columns
        if nx or nw:
            gx, gw = _forward(ga, wm, geo, gw_of=xa if nw else None)
        if nb:
            gb = ga.sum(red)
    else:
        gx, gw, gb = _image_grad(ga, wm, geo, xa.shape[1] if nx else None, nw, xa, nb)
    return (wrap(gx, dt) if nx else None, wrap(gw.reshape(wa.shape), dt) if nw else None,
            wrap(gb, dt) if nb else None)


_Convolution = node_class("ConvolutionBackward0", _conv_backward)


def _conv_op(input, weight, bias, geo, transposed, groups):
    """The convolution (or its transpose) on a batched input with a resolved geometry."""
    x, w = input._data, weight._data
    dt = input._dtype
    b = bias._data if bias is not None else None
    rg = state.enabled and (input._rg or weight._rg or (bias is not None and bias._rg))
    wm = _wmat(w, groups)
    if transposed:
        out = _image_grad(x, wm, geo, w.shape[1] * groups)[0]
        if b is not None:
            out += b.reshape((-1,) + (1,) * len(geo[0]))
    else:
        out = _forward(x, wm, geo, b)[0]
    res = wrap(out, dt)
    if rg:
        node = record(_Convolution, res, (input, weight, bias), (geo, transposed, groups))
        node.save(input, weight)
    return res


# ---------------------------------------------------------------------- checks and geometry
_DT_NAMES = {"float32": "float", "float64": "double", "float16": "Half", "bfloat16": "BFloat16", "int64": "long",
             "int32": "int", "int16": "short", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}
_SCALAR_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                 "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def _check_conv(name, input, weight, bias, d, stride, padding, dilation, groups, transposed, output_padding=None):
    """torch's argument checks, in torch's order; returns whether input is batched."""
    nd = input.dim()
    if nd not in (d + 1, d + 2):
        raise RuntimeError(f"Expected {d + 1}D (unbatched) or {d + 2}D (batched) input to {name}, but got input "
                           f"of size: {shape_str(input.shape)}")
    wd = weight.dim() - 2
    for label, v in (("stride", stride), ("padding", padding), ("dilation", dilation)) + (
            (("output_padding", output_padding),) if transposed else ()):
        if isinstance(v, str):
            continue
        if len(v) != wd:
            raise RuntimeError(f"expected {label} to be a single integer value or a list of {wd} values to match "
                               f"the convolution dimensions, but got {label}={list(v)}")
    if weight.dim() != d + 2:
        raise RuntimeError(f"weight should have at least three dimensions")
    if not isinstance(padding, str) and any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(v <= 0 for v in dilation):
        raise RuntimeError("dilation should be greater than zero")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if input._dtype is not weight._dtype:
        raise RuntimeError(f"expected scalar type {_SCALAR_NAMES[input._dtype.name]} but found "
                           f"{_SCALAR_NAMES[weight._dtype.name]}")
    if bias is not None and bias._dtype is not input._dtype:
        raise RuntimeError(f"Input type ({_DT_NAMES[input._dtype.name]}) and bias type "
                           f"({_DT_NAMES[bias._dtype.name]}) should be the same")
    shape = tuple(input.shape) if nd == d + 2 else (1,) + tuple(input.shape)
    ws = tuple(weight.shape)
    C = shape[1]
    if transposed:
        if ws[0] != C:
            raise RuntimeError(f"Given transposed=1, weight of size {shape_str(ws)}, expected input"
                               f"{shape_str(shape)} to have {ws[0]} channels, but got {C} channels instead")
        if ws[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                               f"but got weight of size [{shape_str(ws)}] instead")
        out_ch = ws[1] * groups
    else:
        if ws[0] % groups:
            raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at dimension 0, "
                               f"but got weight of size [{shape_str(ws)}] instead")
        if ws[1] * groups != C:
            raise RuntimeError(f"Given groups={groups}, weight of size {shape_str(ws)}, expected input"
                               f"{shape_str(shape)} to have {ws[1] * groups} channels, but got {C} channels instead")
        out_ch = ws[0]
    if bias is not None and tuple(bias.shape) != (out_ch,):
        raise RuntimeError(f"Given weight of size {shape_str(ws)}, expected bias to be 1-dimensional with {out_ch} "
                           f"elements, but got bias of size {shape_str(bias.shape)} instead")
    return nd == d + 2


def _conv_geometry(spatial, kernel, stride, padding, dilation):
    """geo for a convolution; padding is a tuple, 'valid' or 'same'."""
    if padding == "valid":
        padding = (0,) * len(spatial)
    if padding == "same":
        pad = tuple((d * (k - 1)) // 2 for k, d in zip(kernel, dilation))
        out = tuple(spatial)
    else:
        pad = padding
        padded = tuple(i + 2 * p for i, p in zip(spatial, pad))
        eff = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
        if any(e > i for e, i in zip(eff, padded)):
            raise RuntimeError(f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
                               f"Kernel size: ({' x '.join(map(str, eff))}). Kernel size can't be greater than actual "
                               "input size")
        out = tuple((i - e) // s + 1 for i, e, s in zip(padded, eff, stride))
    return (tuple(spatial), out, tuple(kernel), tuple(stride), tuple(pad), tuple(dilation))


def _convnd(d, name, input, weight, bias, stride, padding, dilation, groups):
    stride, dilation = _ntuple(stride, d), _ntuple(dilation, d)
    if isinstance(padding, str):
        if padding not in ("same", "valid"):
            raise RuntimeError(f"Invalid padding string: '{padding}'")
        if padding == "same" and any(s != 1 for s in stride):
            raise RuntimeError("padding='same' is not supported for strided convolutions")
    else:
        padding = _ntuple(padding, d)
    batched = _check_conv(name, input, weight, bias, d, stride, padding, dilation, groups, False)
    x = input if batched else input.unsqueeze(0)
    geo = _conv_geometry(x.shape[2:], tuple(weight.shape[2:]), stride, padding, dilation)
    out = _conv_op(x, weight, bias, geo, False, groups)
    return out if batched else out.squeeze(0)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over (N, C, L) inputs (torch.nn.functional.conv1d)."""
    return _convnd(1, "conv1d", input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution (cross-correlation) over (N, C, H, W) inputs (torch.nn.functional.conv2d)."""
    return _convnd(2, "conv2d", input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation) over (N, C, D, H, W) inputs (torch.nn.functional.conv3d)."""
    return _convnd(3, "conv3d", input, weight, bias, stride, padding, dilation, groups)


def _conv_transposend(d, name, input, weight, bias, stride, padding, output_padding, groups, dilation):
    stride, padding, dilation = _ntuple(stride, d), _ntuple(padding, d), _ntuple(dilation, d)
    output_padding = _ntuple(output_padding, d)
    batched = _check_conv(name, input, weight, bias, d, stride, padding, dilation, groups, True, output_padding)
    if any(op >= s and op >= dl for op, s, dl in zip(output_padding, stride, dilation)):
        dims = ("height", "width") if d == 2 else ("depth", "height", "width")[-d:] if d == 3 else ("width",)
        parts = [f"output_padding_{n}: {v}" for n, v in zip(dims, output_padding)]
        parts += [f"stride_{n}: {v}" for n, v in zip(dims, stride)]
        parts += [f"dilation_{n}: {v}" for n, v in zip(dims, dilation)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got " + " ".join(parts))
    x = input if batched else input.unsqueeze(0)
    kernel = tuple(weight.shape[2:])
    small = tuple(x.shape[2:])
    big = tuple((i - 1) * s - 2 * p + dl * (k - 1) + op + 1
                for i, s, p, dl, k, op in zip(small, stride, padding, dilation, kernel, output_padding))
    if any(b <= 0 for b in big):
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, small))}). Calculated output size "
                           f"per channel: ({' x '.join(map(str, big))}). Output size is too small")
    out = _conv_op(x, weight, bias, (big, small, kernel, stride, padding, dilation), True, groups)
    return out if batched else out.squeeze(0)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """1-D transposed convolution (torch.nn.functional.conv_transpose1d)."""
    return _conv_transposend(1, "conv_transpose1d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """2-D transposed convolution (torch.nn.functional.conv_transpose2d)."""
    return _conv_transposend(2, "conv_transpose2d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """3-D transposed convolution (torch.nn.functional.conv_transpose3d)."""
    return _conv_transposend(3, "conv_transpose3d", input, weight, bias, stride, padding, output_padding, groups,
                             dilation)


# ---------------------------------------------------------------------- unfold / fold
def _unfold_array(x, geo):
    """(N, C, *img) -> (N, C·K, P), torch's F.unfold layout."""
    lay = _compact(geo)
    N, C = x.shape[:2]
    d = len(geo[0])
    out = (np.empty if lay.dense else np.zeros)((N, C) + geo[2] + geo[1], x.dtype)
    lay.copy(x.swapaxes(0, 1), np.moveaxis(out, 0, 1 + d))
    return out.reshape(N, C * math.prod(geo[2]), math.prod(geo[1]))


def _fold_array(cols, geo):
    """(N, C·K, P) -> (N, C, *img): the sum of every patch back into its place."""
    N = cols.shape[0]
    d = len(geo[0])
    C = cols.shape[1] // math.prod(geo[2])
    c = cols.reshape((N, C) + geo[2] + geo[1])
    img = np.zeros((N, C) + geo[0], cols.dtype)
    _compact(geo).add(np.moveaxis(c, 0, 1 + d), img.swapaxes(0, 1))
    return img


_Im2Col = node_class("Im2ColBackward0", lambda self, g: _fold_op(g, self.args))
_Col2Im = node_class("Col2ImBackward0", lambda self, g: _unfold_op(g, self.args))


def _unfold_op(input, geo):
    x = input._data
    batched = x.ndim == len(geo[0]) + 2
    out = _unfold_array(x if batched else x[None], geo)
    res = wrap(out if batched else out[0], input._dtype)
    if input._rg and state.enabled:
        record(_Im2Col, res, (input,), geo)
    return res


def _fold_op(input, geo):
    x = input._data
    out = _fold_array(x if x.ndim == 3 else x[None], geo)
    res = wrap(out if x.ndim == 3 else out[0], input._dtype)
    if input._rg and state.enabled:
        record(_Col2Im, res, (input,), geo)
    return res


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """Sliding local blocks of a (N, C, H, W) input as columns (N, C·kh·kw, L) (torch.nn.functional.unfold)."""
    if input.dim() < 3:  # torch reads the channel dim before checking the rank
        raise IndexError(f"Dimension out of range (expected to be in range of [-{input.dim()}, {input.dim() - 1}], "
                         f"but got 2)")
    if input.dim() > 4:
        raise NotImplementedError(f"Input Error: Only 3D or 4D input Tensors are supported (got {input.dim()}D)")
    k, dl, p, s = (_ntuple(v, 2) for v in (kernel_size, dilation, padding, stride))
    _check_fold_args(k, dl, p, s)
    spatial = tuple(input.shape[-2:])
    padded = tuple(i + 2 * pp for i, pp in zip(spatial, p))
    out = tuple((pi - (d * (kk - 1) + 1)) // ss + 1 for pi, d, kk, ss in zip(padded, dl, k, s))
    if any(o < 1 for o in out):
        raise RuntimeError(f"Given input with spatial size ({', '.join(map(str, spatial))}), kernel_size="
                           f"({', '.join(map(str, k))}), dilation=({', '.join(map(str, dl))}), padding="
                           f"({', '.join(map(str, p))}), calculated shape of the array of sliding blocks as "
                           f"({', '.join(map(str, out))}), but its components must be at least one.")
    return _unfold_op(input, (spatial, out, k, s, p, dl))


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """Sum columns (N, C·kh·kw, L) back into a (N, C, H, W) image (torch.nn.functional.fold)."""
    if input.dim() not in (2, 3):
        raise NotImplementedError(f"Input Error: Only unbatched (2D) or batched (3D) input Tensors are supported "
                                  f"(got {input.dim()}D)")
    size, k, dl, p, s = (_ntuple(v, 2) for v in (output_size, kernel_size, dilation, padding, stride))
    _check_fold_args(k, dl, p, s)
    kk = k[0] * k[1]
    if input.shape[-2] % kk:
        raise RuntimeError(f"Expected size of input's dimension 1 to be divisible by the product of kernel_size, but "
                           f"got input.size(1)={input.shape[-2]} and kernel_size=({k[0]}, {k[1]})")
    blocks = tuple((i + 2 * pp - (d * (q - 1) + 1)) // ss + 1 for i, pp, d, q, ss in zip(size, p, dl, k, s))
    if input.shape[-1] != blocks[0] * blocks[1]:
        raise RuntimeError(f"Given output_size=({size[0]}, {size[1]}), kernel_size=({k[0]}, {k[1]}), dilation="
                           f"({dl[0]}, {dl[1]}), padding=({p[0]}, {p[1]}), stride=({s[0]}, {s[1]}), expected size of "
                           f"input's dimension 2 to match the calculated number of sliding blocks {blocks[0]} * "
                           f"{blocks[1]} = {blocks[0] * blocks[1]}, but got input.size(2)={input.shape[-1]}.")
    return _fold_op(input, (size, blocks, k, s, p, dl))


def _check_fold_args(k, dl, p, s):
    if any(v <= 0 for v in k):
        raise RuntimeError(f"kernel size should be greater than zero, but got kernel_height: {k[0]} kernel_width: "
                           f"{k[1]}")
    if any(v <= 0 for v in s):
        raise RuntimeError(f"stride should be greater than zero, but got stride_height: {s[0]} stride_width: {s[1]}")
    if any(v <= 0 for v in dl):
        raise RuntimeError(f"dilation should be greater than zero, but got dilation_height: {dl[0]} "
                           f"dilation_width: {dl[1]}")
    if any(v < 0 for v in p):
        raise RuntimeError(f"padding should be non-negative, but got pad_height: {p[0]} pad_width: {p[1]}")
