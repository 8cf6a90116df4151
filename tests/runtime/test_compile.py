"""torch.compile, torch.jit and torch._dynamo entry points: Ember runs eagerly but must accept what torch
accepts, refuse what it refuses, and give the same numbers and module structure."""
import io

import numpy as np
import pytest
import torch

import ember


def models():
    torch.manual_seed(0)
    t = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 2))
    e = ember.nn.Sequential(ember.nn.Linear(4, 3), ember.nn.ReLU(), ember.nn.Linear(3, 2))
    e.load_state_dict({k: ember.from_numpy(v.detach().numpy().copy()) for k, v in t.state_dict().items()})
    return t, e


X = np.random.default_rng(0).standard_normal((5, 4)).astype(np.float32)


@pytest.mark.parametrize("kwargs", [{}, {"mode": "max-autotune"}, {"fullgraph": True, "dynamic": False},
                                    {"backend": "eager"}, {"backend": "aot_eager", "mode": "reduce-overhead"},
                                    {"disable": True}])
def test_compiled_module_matches_torch(kwargs):
    t, e = models()
    ct, ce = torch.compile(t, **{**kwargs, "backend": "eager"}), ember.compile(e, **kwargs)  # no inductor import
    assert type(ce).__name__ == type(ct).__name__
    assert list(ce.state_dict()) == list(ct.state_dict())
    assert [n for n, _ in ce.named_parameters()] == [n for n, _ in ct.named_parameters()]
    assert repr(ce) == repr(ct)
    # torch's compiled module is not called: compiling with inductor takes seconds; its eager model is the oracle
    np.testing.assert_allclose(ce(ember.from_numpy(X)).detach().numpy(), t(torch.from_numpy(X)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    if not kwargs.get("disable"):
        assert ce._orig_mod is e and ct._orig_mod is t
        assert getattr(ce, "0") is e[0]  # attribute reads fall through to the original module, as torch's do
        ce.eval()
        assert e.training is False


@pytest.mark.parametrize("form", ["plain", "decorator", "decorator_with_args"])
def test_compiled_function(form):
    def f(m, x):
        return m.sin(x) * 2 + 1
    results = []
    for mod in (torch, ember):
        fn = (lambda x: f(mod, x))
        c = {"plain": lambda: mod.compile(fn, backend="eager"), "decorator": lambda: mod.compile(fn, backend="eager"),
             "decorator_with_args": lambda: mod.compile(backend="eager", fullgraph=True)(fn)}[form]()
        results.append(c(mod.from_numpy(X)).numpy())
    np.testing.assert_allclose(results[1], results[0], rtol=1e-6)


@pytest.mark.parametrize("args,kwargs", [((3,), {}), ((), {"mode": "bogus"}), ((), {"mode": "default", "options": {}}),
                                         ((), {"backend": "nonexistent"})])
def test_compile_rejects_as_torch(args, kwargs):
    target = args[0] if args else (lambda x: x)
    with pytest.raises(Exception) as te:
        torch.compile(target, **kwargs)
    with pytest.raises(Exception) as ee:
        ember.compile(target, **kwargs)
    assert (type(ee.value).__name__, str(ee.value)) == (type(te.value).__name__, str(te.value))


def test_module_compile_method_returns_none_and_runs():
    t, e = models()
    assert e.compile() is None and t.compile() is None


def test_dynamo_config_and_helpers():
    import ember._dynamo
    import torch._dynamo
    for mod in (torch, ember):
        assert mod._dynamo.config.suppress_errors is False
        assert mod._dynamo.config.cache_size_limit == 8
        mod._dynamo.config.suppress_errors = True
        mod._dynamo.config.suppress_errors = False
        with pytest.raises(AttributeError, match="torch._dynamo.config.nonexistent does not exist"):
            mod._dynamo.config.nonexistent = 1
        mod._dynamo.reset()
        assert mod._dynamo.is_compiling() is False and mod.compiler.is_compiling() is False
        assert mod.compiler.disable(len)([1, 2]) == 2
    assert ember._dynamo.list_backends() == torch._dynamo.list_backends()
    assert isinstance(ember.compile(ember.nn.Linear(1, 1)), ember._dynamo.eval_frame.OptimizedModule)


@pytest.mark.parametrize("how", ["script", "trace"])
def test_jit_module_runs_saves_and_loads(how):
    t, e = models()
    xt, xe = torch.from_numpy(X), ember.from_numpy(X)
    st = torch.jit.script(t) if how == "script" else torch.jit.trace(t, xt)
    se = ember.jit.script(e) if how == "script" else ember.jit.trace(e, xe)
    assert list(se.state_dict()) == list(st.state_dict())
    np.testing.assert_allclose(se(xe).detach().numpy(), st(xt).detach().numpy(), rtol=1e-6)
    for save in (lambda m, f: ember.jit.save(m, f), lambda m, f: m.save(f)):  # the function and the method
        buf = io.BytesIO()
        save(se, buf)
        buf.seek(0)
        loaded = ember.jit.load(buf)
        np.testing.assert_allclose(loaded(xe).detach().numpy(), st(xt).detach().numpy(), rtol=1e-6)
    assert hasattr(st, "save") and not hasattr(e.__class__(), "save")


def test_jit_save_refuses_an_unscripted_module_as_torch():
    t, e = models()
    with pytest.raises(AttributeError, match="save_to_buffer"):
        torch.jit.save(t, io.BytesIO())
    with pytest.raises(AttributeError, match="save_to_buffer"):
        ember.jit.save(e, io.BytesIO())


def test_jit_trace_needs_example_inputs():
    for mod in (torch, ember):
        with pytest.raises(TypeError):
            mod.jit.trace(lambda x: x)


def test_jit_decorators_and_queries():
    for mod in (torch, ember):
        def f(x):
            return x + 1
        assert mod.jit.ignore(f)(1) == 2 and mod.jit.ignore(drop=True)(f)(1) == 2
        assert mod.jit.unused(f)(1) == 2 and mod.jit.export(f)(1) == 2
        assert mod.jit.is_scripting() is False and mod.jit.is_tracing() is False
        assert mod.jit.annotate(int, 3) == 3
        assert mod.jit.wait(mod.jit.fork(f, 1)) == 2
