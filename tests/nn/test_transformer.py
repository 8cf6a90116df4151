"""MultiheadAttention, scaled_dot_product_attention and the Transformer layers against PyTorch through
the shared harness (weights copied, outputs and every gradient compared), with masks of both
kinds, batch_first, kdim/vdim; parameter names and printed text."""
import itertools

import numpy as np
import pytest
import torch

import ember
from tests.nn.conftest import N, check_against_torch, check_function, check_grads_against_torch


def lib_of(nn):
    return torch if nn is torch.nn else ember


def padding_mask(nn, batch, length):
    m = np.zeros((batch, length), bool)
    m[0, -2:] = True
    return lib_of(nn).from_numpy(m)


def causal_mask(nn, length, kind):
    """Future positions masked: True (bool) or -1e9 (float) above the diagonal."""
    m = np.triu(np.ones((length, length), bool), 1)
    return lib_of(nn).from_numpy(m if kind == "bool" else np.where(m, -1e9, 0.0).astype(np.float32))


def wrapped(make, call):
    """make(nn) inside a module whose forward is call(nn, layer, *inputs)."""
    def build(nn):
        class M(nn.Module):
            def __init__(self):
                super().__init__()
                self.layer = make(nn)

            def forward(self, *inputs):
                return call(nn, self.layer, *inputs)
        return M()
    return build


def _attend(need_weights, average, mask, key_padding):
    def call(nn, mha, q):
        out, w = mha(q, q, q, need_weights=need_weights, average_attn_weights=average,
                     attn_mask=None if mask is None else causal_mask(nn, 5, mask),
                     key_padding_mask=padding_mask(nn, 3, 5) if key_padding else None)
        return out * 2 + (0 if w is None else (w * w).sum())
    return call


SELF = [s for s in itertools.product((False, True), (True, False), (True, False), (None, "bool", "float"), (False, True))
        if s[1] or s[2]]  # average_attn_weights only matters with weights


@pytest.mark.parametrize("batch_first,need_weights,average,mask,key_padding", SELF,
                         ids=[f"{'bf' if s[0] else 'sf'}-{'w' if s[1] else 'now'}{'-avg' if s[2] else ''}-{s[3]}"
                              f"{'-kpm' if s[4] else ''}" for s in SELF])
def test_self_attention_matches_torch(batch_first, need_weights, average, mask, key_padding):
    check_against_torch(wrapped(lambda nn: nn.MultiheadAttention(8, 2, batch_first=batch_first),
                                _attend(need_weights, average, mask, key_padding)),
                        [N(3, 5, 8) if batch_first else N(5, 3, 8)], check_name=False, atol=1e-4)


CROSS = [dict(kdim=6, vdim=7), dict(add_bias_kv=True), dict(add_zero_attn=True), dict(bias=False),
         dict(kdim=6, vdim=7, add_bias_kv=True, add_zero_attn=True, bias=False), dict(dropout=0.3)]


@pytest.mark.parametrize("need_weights", [True, False])
@pytest.mark.parametrize("options", CROSS, ids=["-".join(map(str, c)) for c in CROSS])
def test_cross_attention_matches_torch(options, need_weights):
    def call(nn, mha, q, k, v):
        out, w = mha(q, k, v, need_weights=need_weights, key_padding_mask=padding_mask(nn, 3, 4))
        return out * 2 + (0 if w is None else (w * w).sum())
    specs = [N(5, 3, 8), N(4, 3, options.get("kdim", 8)), N(4, 3, options.get("vdim", 8))]
    # dropout is off in eval mode, where the two frameworks draw no random numbers
    check_against_torch(wrapped(lambda nn: nn.MultiheadAttention(8, 2, **options), call), specs, check_name=False,
                        train="dropout" not in options, atol=1e-4)


def test_unbatched_attention_matches_torch():
    call = lambda nn, mha, q: mha(q, q, q)[0] + mha(q, q, q)[1].sum()
    check_against_torch(wrapped(lambda nn: nn.MultiheadAttention(8, 2), call), [N(5, 8)], check_name=False, atol=1e-4)


ENCODER = list(itertools.product((False, True), ("relu", "gelu"), (False, True)))


@pytest.mark.parametrize("norm_first,activation,batch_first", ENCODER,
                         ids=[f"{'pre' if e[0] else 'post'}-{e[1]}{'-bf' if e[2] else ''}" for e in ENCODER])
def test_encoder_layer_matches_torch(norm_first, activation, batch_first):
    def call(nn, layer, x):
        if not batch_first:
            return layer(x)
        return layer(x, src_mask=causal_mask(nn, 5, "bool"), src_key_padding_mask=padding_mask(nn, 3, 5))
    make = lambda nn: nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=activation, norm_first=norm_first,
                                                 batch_first=batch_first)
    check_against_torch(wrapped(make, call), [N(3, 5, 8) if batch_first else N(5, 3, 8)], check_name=False,
                        atol=1e-4)


def test_encoder_stack_with_masks_and_final_norm_matches_torch():
    make = lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True), 2,
                                            norm=nn.LayerNorm(8), enable_nested_tensor=False)
    call = lambda nn, enc, x: enc(x, mask=causal_mask(nn, 5, "bool"), src_key_padding_mask=padding_mask(nn, 3, 5))
    check_against_torch(wrapped(make, call), [N(3, 5, 8)], check_name=False, atol=1e-4)


def test_encoder_in_eval_mode_matches_torch():
    make = lambda nn: nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16, activation="gelu"), 2,
                                            enable_nested_tensor=False)
    check_against_torch(wrapped(make, lambda nn, enc, x: enc(x)), [N(5, 3, 8)], train=False, check_name=False,
                        atol=1e-4)


def test_full_transformer_matches_torch():
    make = lambda nn: nn.Transformer(8, 2, 2, 2, 16, dropout=0.0)
    call = lambda nn, m, src, tgt: m(src, tgt, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4))
    check_against_torch(wrapped(make, call), [N(5, 3, 8), N(4, 3, 8)], check_name=False, atol=1e-4)


MASK = np.tril(np.ones((5, 6), bool))
MASK[2] = False  # a row that may attend nowhere
SDPA = [
    ([N(2, 3, 5, 4), N(2, 3, 6, 4), N(2, 3, 6, 4)], {}),
    ([N(2, 3, 5, 4), N(2, 3, 5, 4), N(2, 3, 5, 4)], {"is_causal": True}),
    ([N(2, 3, 5, 4), N(2, 3, 6, 4), N(2, 3, 6, 4)], {"scale": 0.3, "attn_mask": MASK}),
    ([N(2, 3, 5, 4), N(2, 3, 6, 4), N(2, 3, 6, 4)], {"attn_mask": np.where(MASK, 0.0, -3.0).astype(np.float32)}),
    ([N(5, 4), N(6, 4), N(6, 7)], {}),
    ([N(2, 4, 5, 4), N(2, 2, 6, 4), N(2, 2, 6, 4)], {"enable_gqa": True}),
]


@pytest.mark.parametrize("specs,kwargs", SDPA, ids=[f"sdpa-{i}" for i in range(len(SDPA))])
def test_scaled_dot_product_attention_matches_torch(specs, kwargs):
    check_function("scaled_dot_product_attention", specs, (), kwargs, check_name=False, atol=1e-4)


# the one-node path (4-D, no mask but is_causal, no dropout): causal with fewer or more queries than keys, a
# scale (negative too), float64, and a batch large enough for the threads to share it
FUSED = [((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4), {"is_causal": True}, "float32"),
         ((2, 3, 7, 4), (2, 3, 4, 4), (2, 3, 4, 4), {"is_causal": True, "scale": 0.3}, "float32"),
         ((3, 1, 5, 4), (3, 1, 6, 4), (3, 1, 6, 4), {"scale": -0.8}, "float32"),
         ((2, 3, 5, 4), (2, 3, 5, 4), (2, 3, 5, 4), {"is_causal": True}, "float64"),
         ((6, 4, 64, 32), (6, 4, 64, 32), (6, 4, 64, 32), {"is_causal": True}, "float32")]


@pytest.mark.parametrize("shapes", FUSED, ids=[f"fused-{i}" for i in range(len(FUSED))])
def test_one_node_attention_matches_torch(shapes):
    *shapes, kwargs, dtype = shapes
    rng = np.random.default_rng(1)
    arrays = [rng.standard_normal(s).astype(dtype) for s in shapes]
    tol = dict(rtol=1e-4, atol=1e-5) if dtype == "float32" else dict(rtol=1e-10, atol=1e-12)
    check_grads_against_torch(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v, **kwargs),
                              arrays, **tol)
    q = ember.tensor(arrays[0], requires_grad=True)
    out = ember.nn.functional.scaled_dot_product_attention(q, q, q, **kwargs)
    assert out.grad_fn.name() == "ScaledDotProductFlashAttentionForCpuBackward0"  # torch's name on a CPU


def test_causal_attention_ignores_overflowing_future_logits():
    """A causal row's exponentials run in whole vectors of eight past its last key; there the logits may
    overflow (here up to ~1e3 after scaling), and must leave no inf or NaN behind."""
    rng = np.random.default_rng(3)
    q = rng.standard_normal((2, 2, 13, 8)).astype(np.float32) * 12
    k = np.sort(rng.standard_normal((2, 2, 13, 8)).astype(np.float32), axis=2) * 12  # later keys larger
    v = rng.standard_normal((2, 2, 13, 8)).astype(np.float32)
    check_grads_against_torch(lambda lib, q, k, v: lib.nn.functional.scaled_dot_product_attention(q, k, v,
                                                                                                   is_causal=True),
                              [q, k, v], rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shapes", [((3, 5, 4), (3, 6, 4), (3, 6, 4)), ((2, 1, 3, 5, 4),) * 3,
                                    ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7)), ((2, 3, 5, 4), (1, 3, 6, 4), (1, 3, 6, 4)),
                                    ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4))],
                         ids=["3-d", "5-d", "wider-values", "broadcast-batch", "4-d"])
def test_attention_takes_torchs_path(shapes):
    """One node where torch's CPU takes its fused kernel, torch's composed graph where it composes
    matmuls and softmax (3-D and 5-D inputs, values wider than the keys, a broadcast batch): the same
    grad_fn either way."""
    names = []
    for lib in (torch, ember):
        q, k, v = (lib.ones(*s, requires_grad=True) for s in shapes)
        names.append(lib.nn.functional.scaled_dot_product_attention(q, k, v).grad_fn.name())
    assert names[1] == names[0]


def test_one_node_attention_of_views_matches_torch():
    """q, k, v as a GPT block makes them: split off one projection, viewed per head and transposed."""
    def call(lib, qkv):
        q, k, v = qkv.split(8, dim=2)
        q, k, v = (z.view(3, 5, 2, 4).transpose(1, 2) for z in (q, k, v))
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2)
    check_grads_against_torch(call, [np.random.default_rng(2).standard_normal((3, 5, 24)).astype(np.float32)])


@pytest.mark.parametrize("shape", [(2, 3, 5, 8), (1, 3, 5, 8), (2, 1, 5, 8), (2, 3, 1, 8), (2, 2, 4, 1)])
def test_one_node_attention_output_is_laid_out_as_torchs(shape):
    """torch lays its CPU attention's output out like the query (a GPT's heads: transpose(1, 2) of the
    output is contiguous): strides and values against torch for q, k, v in every order of their dims."""
    import itertools
    for order in itertools.permutations(range(4)):
        outs = []
        for lib in (torch, ember):
            q, k, v = (f(lib.arange(int(np.prod(shape)), dtype=lib.float32)).reshape(*[shape[d] for d in order])
                       .permute(*[order.index(d) for d in range(4)]) for f in (lib.sin, lib.cos, lib.tanh))
            outs.append(lib.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True))
        assert tuple(outs[1].stride()) == tuple(outs[0].stride()), order
        np.testing.assert_allclose(outs[1].numpy(), outs[0].numpy(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("form", ["gpt-heads", "contiguous", "3-d"])
def test_one_node_attention_gradients_are_laid_out_as_torchs(form):
    """torch's fused attention lays the gradients of 4-D q, k, v out as (B, L, H, E) transposed to (B, H, L, E)
    (so those of a GPT's heads view back into its projection without a copy); 3-D inputs take the composed
    path in both, whose key gradient comes out transposed. Strides and values."""
    grads = []
    for lib in (torch, ember):
        seen = {}
        x = lib.tensor(np.sin(np.arange(2 * 5 * 24, dtype=np.float32)).reshape(2, 5, 24), requires_grad=True)
        if form == "gpt-heads":
            qkv = [z.view(2, 5, 2, 4).transpose(1, 2) for z in x.split(8, dim=2)]
        elif form == "contiguous":
            qkv = [z.reshape(2, 5, 2, 4).contiguous() for z in x.split(8, dim=2)]
        else:
            qkv = [z.contiguous() for z in x.split(8, dim=2)]
        for name, t in zip("qkv", qkv):
            t.register_hook(lambda g, name=name: seen.__setitem__(name, (tuple(g.stride()), g.numpy().copy())))
        lib.nn.functional.scaled_dot_product_attention(*qkv, is_causal=True).pow(2).sum().backward()
        grads.append(seen)
    for name in "qkv":
        assert grads[1][name][0] == grads[0][name][0], name
        np.testing.assert_allclose(grads[1][name][1], grads[0][name][1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("causal", [False, True, "mask"])
def test_one_node_attention_double_backward(causal):
    """Second-order gradients through the one-node attention equal those of softmax(q kᵀ s + mask) v written
    out in torch (whose own CPU attention has no double backward)."""
    mask = np.random.default_rng(4).standard_normal((2, 1, 5, 6))

    def call(lib, q, k, v):
        if lib is ember:
            if causal == "mask":
                return ember.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=ember.tensor(mask), scale=0.6)
            assert ember.nn.functional.scaled_dot_product_attention(q, k, v).grad_fn.name().startswith("ScaledDot")
            return ember.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=causal, scale=0.6)
        logits = q @ k.transpose(-2, -1) * 0.6
        if causal == "mask":
            logits = logits + torch.tensor(mask)
        elif causal:
            logits = logits.masked_fill(~torch.ones(5, 6, dtype=torch.bool).tril(), float("-inf"))
        return torch.softmax(logits, -1) @ v
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal(s) for s in ((2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 4))]
    check_grads_against_torch(call, arrays, rtol=1e-9, atol=1e-11, double=True)


MASKS = {"bool-2d": lambda r: r.random((5, 7)) > 0.4, "float-2d": lambda r: r.standard_normal((5, 7)),
         "bool-4d": lambda r: r.random((3, 1, 1, 7)) > 0.3,
         "a-row-masked-everywhere": lambda r: np.arange(35).reshape(5, 7) // 7 != 2,
         "float-minus-inf": lambda r: np.where(r.random((3, 2, 5, 7)) > 0.5, -np.inf, 0.0),
         "bool-3d": lambda r: r.random((1, 5, 7)) > 0.3}


@pytest.mark.parametrize("kind", list(MASKS))
def test_masked_attention_matches_torch(kind):
    """A 2-D or 4-D mask keeps torch's one fused node (its name, the output laid out like q); a 3-D one is
    composed, as in torch. Values and gradients; a row with nothing to attend to gives zeros."""
    rng = np.random.default_rng(7)
    mask = MASKS[kind](rng)
    mask = mask if mask.dtype == bool else mask.astype(np.float32)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in ((3, 2, 5, 4), (3, 2, 7, 4), (3, 2, 7, 4))]

    def call(lib, q, k, v):
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=lib.tensor(mask))
    check_grads_against_torch(call, arrays, rtol=1e-4, atol=1e-5)
    outs = [call(lib, *(lib.tensor(a, requires_grad=True) for a in arrays)) for lib in (torch, ember)]
    assert outs[1].grad_fn.name() == outs[0].grad_fn.name()
    assert tuple(outs[1].stride()) == tuple(outs[0].stride())
    assert not np.isnan(outs[1].detach().numpy()).any()


GQA = {"plain": ((2, 6, 5, 4), (2, 2, 7, 4), {}), "causal": ((2, 4, 6, 4), (2, 1, 6, 4), {"is_causal": True}),
       "bool-mask": ((2, 6, 5, 4), (2, 3, 7, 4), {"attn_mask": np.random.default_rng(8).random((5, 7)) > 0.3}),
       "threads": ((6, 8, 64, 32), (6, 2, 64, 32), {"is_causal": True})}


@pytest.mark.parametrize("kind", list(GQA))
def test_grouped_query_attention_is_one_node_as_in_torch(kind):
    """enable_gqa with k and v of fewer heads (each serving a group of q's heads): torch's one fused node (its
    name, the gradients laid out as its own), values and gradients."""
    qs, ks, kwargs = GQA[kind]
    rng = np.random.default_rng(9)
    arrays = [rng.standard_normal(s).astype(np.float32) for s in (qs, ks, ks)]

    def call(lib, q, k, v):
        opts = {key: lib.tensor(val) if key == "attn_mask" else val for key, val in kwargs.items()}
        return lib.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True, **opts)
    check_grads_against_torch(call, arrays, rtol=1e-4, atol=1e-5)
    seen = []
    for lib in (torch, ember):
        xs = [lib.tensor(a, requires_grad=True) for a in arrays]
        out = call(lib, *xs)
        grads = lib.autograd.grad(out.sum(), xs)
        seen.append((out.grad_fn.name(), tuple(out.stride()), [tuple(g.stride()) for g in grads]))
    assert seen[1] == seen[0]


def test_grouped_query_attention_double_backward():
    """Second-order gradients through the grouped one-node attention equal those of torch's attention with
    k's and v's heads repeated, written out (torch's own CPU attention has no double backward)."""
    def call(lib, q, k, v):
        if lib is ember:
            return ember.nn.functional.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
        k, v = k.repeat_interleave(3, dim=1), v.repeat_interleave(3, dim=1)
        logits = (q @ k.transpose(-2, -1) / 2.0).masked_fill(~torch.ones(5, 5, dtype=torch.bool).tril(), float("-inf"))
        return torch.softmax(logits, -1) @ v
    rng = np.random.default_rng(5)
    arrays = [rng.standard_normal(s) for s in ((2, 6, 5, 4), (2, 2, 5, 4), (2, 2, 5, 4))]
    check_grads_against_torch(call, arrays, rtol=1e-9, atol=1e-11, double=True)


@pytest.mark.parametrize("shapes", [((2, 6, 5, 4), (2, 4, 5, 4), (2, 4, 5, 4)), ((2, 2, 5, 4), (2, 4, 5, 4), (2, 4, 5, 4)),
                                    ((5, 4), (5, 4), (5, 4)), ((2, 6, 5, 4), (2, 2, 5, 4), (2, 3, 5, 4)),
                                    ((6, 5, 4), (3, 5, 4), (3, 5, 4))],
                         ids=["not-dividing", "more-kv-heads", "2-d", "k-v-heads-differ", "3-d"])
def test_grouped_query_attention_checks_and_paths_as_torch(shapes):
    """Head counts that do not divide q's, and inputs without a head dim, raise torch's errors; k and v of
    different head counts and 3-D inputs take torch's composed path: its grad_fn and values."""
    outcomes = []
    for lib in (torch, ember):
        q, k, v = (lib.tensor(np.cos(np.arange(np.prod(s), dtype=np.float32)).reshape(s), requires_grad=True)
                   for s in shapes)
        try:
            out = lib.nn.functional.scaled_dot_product_attention(q, k, v, enable_gqa=True)
            outcomes.append((out.grad_fn.name(), out.detach().numpy()))
        except Exception as e:  # noqa: BLE001 — the exception is what is compared
            outcomes.append((type(e).__name__, str(e)))
    assert outcomes[1][0] == outcomes[0][0]
    if isinstance(outcomes[0][1], str):
        assert outcomes[1][1] == outcomes[0][1]
    else:
        np.testing.assert_allclose(outcomes[1][1], outcomes[0][1], rtol=1e-5, atol=1e-6)


def test_attention_mask_of_another_float_dtype_is_refused_as_in_torch():
    for lib in (torch, ember):
        q = lib.ones(2, 3, 5, 4)
        with pytest.raises(RuntimeError, match=r"Expected attn_mask dtype to be bool or float or to match query "
                                               r"dtype, but got attn_mask.dtype: double and  query.dtype: float"):
            lib.nn.functional.scaled_dot_product_attention(q, q, q, attn_mask=lib.ones(5, 5, dtype=lib.float64))


@pytest.mark.parametrize("expr", ["nn.MultiheadAttention(8, 2)",
                                  "nn.MultiheadAttention(4, 2, kdim=3, vdim=5, add_bias_kv=True, bias=False)",
                                  "nn.TransformerEncoderLayer(8, 2, 16)",
                                  "nn.TransformerEncoderLayer(8, 2, 16, activation=nn.GELU(), norm_first=True)",
                                  "nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2, nn.LayerNorm(8), "
                                  "enable_nested_tensor=False)",
                                  "nn.TransformerDecoderLayer(8, 2, 16, batch_first=True)",
                                  "nn.Transformer(8, 2, 1, 1, 16)"])
def test_names_shapes_and_print_match_torch(expr):
    em, tm = eval(expr, {"nn": ember.nn}), eval(expr, {"nn": torch.nn})
    assert repr(em) == repr(tm)
    assert [(n, tuple(p.shape)) for n, p in em.named_parameters()] == [(n, tuple(p.shape))
                                                                       for n, p in tm.named_parameters()]
    assert list(em.state_dict()) == list(tm.state_dict())


def test_attention_default_init():
    ember.manual_seed(0)
    mha = ember.nn.MultiheadAttention(16, 4)
    w = mha.in_proj_weight.detach().numpy()
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform over (3E, E)
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.9 * bound
    assert not mha.in_proj_bias.detach().numpy().any() and not mha.out_proj.bias.detach().numpy().any()
