"""torch.profiler on Ember against torch 2.13: op names, call counts, input shapes, the table's layout,
schedules and on_trace_ready, record_function, chrome traces, and real (not invented) CPU times."""
import glob
import json
import time

import numpy as np
import pytest
import torch
import torch.profiler

import ember
import ember.profiler

X = np.random.default_rng(0).standard_normal((2, 4)).astype(np.float32)


def run_model(m, prof_mod, **kw):
    net = m.nn.Sequential(m.nn.Linear(4, 3), m.nn.ReLU())
    with prof_mod.profile(activities=[prof_mod.ProfilerActivity.CPU], **kw) as prof:
        with prof_mod.record_function("model_inference"):
            for _ in range(3):
                net(m.from_numpy(X)).sum().backward()
    return prof


@pytest.fixture(scope="module")
def profiles():
    return run_model(torch, torch.profiler, record_shapes=True), run_model(ember, ember.profiler, record_shapes=True)


@pytest.mark.parametrize("name", ["model_inference", "aten::linear", "aten::relu", "aten::sum",
                                  "autograd::engine::evaluate_function: ReluBackward0", "ReluBackward0",
                                  "autograd::engine::evaluate_function: AddmmBackward0", "AddmmBackward0"])
def test_op_names_and_call_counts(profiles, name):
    counts = [{e.key: e.count for e in p.key_averages()} for p in profiles]
    assert counts[1].get(name) == counts[0].get(name)


def test_input_shapes(profiles):
    shapes = [{(e.key, str(e.input_shapes)) for e in p.key_averages(group_by_input_shape=True)} for p in profiles]
    for key in ("aten::linear", "aten::relu"):
        assert {s for k, s in shapes[1] if k == key} == {s for k, s in shapes[0] if k == key}


@pytest.mark.parametrize("group", [False, True])
@pytest.mark.parametrize("sort_by", ["cpu_time_total", "self_cpu_time_total"])
def test_table_layout(profiles, group, sort_by):
    tables = [p.key_averages(group_by_input_shape=group).table(sort_by="cpu_time_total", row_limit=1)
              for p in profiles]
    t, e = (tab.split("\n") for tab in tables)
    # separator, headers, separator: same columns, widths and spacing (the shapes column's width follows
    # the longest shapes, and torch's list has ops Ember does not split into, e.g. aten::addmm under linear)
    cut = t[1].index("# of Calls") + len("# of Calls")
    assert [line[:cut] for line in e[:3]] == [line[:cut] for line in t[:3]]
    assert e[1].split() == t[1].split()
    assert len(e) == len(t) and e[-2].startswith("Self CPU time total: ")
    fields = [line.split() for line in (t[3], e[3])]
    assert fields[1][0] == fields[0][0] == "model_inference" and fields[1][3] == fields[0][3] == "100.00%"
    assert len(e[3]) == len(e[0])
    if sort_by == "self_cpu_time_total":
        rows = profiles[1].key_averages().table(sort_by=sort_by).split("\n")[3:-3]
        selfs = [e.self_cpu_time_total for e in sorted(profiles[1].key_averages(),
                                                       key=lambda e: -e.self_cpu_time_total)]
        assert len(rows) == len(selfs)


def test_memory_columns_as_torch():
    tables = [run_model(m, p, profile_memory=True).key_averages().table(row_limit=1)
              for m, p in ((torch, torch.profiler), (ember, ember.profiler))]
    assert tables[1].split("\n")[1] == tables[0].split("\n")[1]


def test_times_are_measured():
    with ember.profiler.profile() as prof:
        with ember.profiler.record_function("sleepy"):
            time.sleep(0.02)
            ember.ones(3).relu()
    avg = {e.key: e for e in prof.key_averages()}
    assert avg["sleepy"].cpu_time_total >= 20000
    assert avg["sleepy"].self_cpu_time_total == pytest.approx(avg["sleepy"].cpu_time_total -
                                                             avg["aten::ones"].cpu_time_total -
                                                             avg["aten::relu"].cpu_time_total)
    assert 0 < avg["aten::relu"].cpu_time_total < 20000


def test_ops_are_restored_after_profiling():
    mm, matmul, relu_node = ember.mm, ember.Tensor.__matmul__, type(ember.ones(1, requires_grad=True).relu().grad_fn)
    backward = relu_node.backward
    with ember.profiler.profile():
        assert ember.mm is not mm
    assert ember.mm is mm and ember.Tensor.__matmul__ is matmul and relu_node.backward is backward


@pytest.mark.parametrize("kw", [dict(wait=1, warmup=1, active=2), dict(wait=0, warmup=0, active=1, repeat=3),
                                dict(wait=2, warmup=1, active=3, repeat=1, skip_first=2)])
def test_schedule_actions_and_trace_ready(kw):
    actions = [[s(i).name for i in range(14)] for s in (torch.profiler.schedule(**kw), ember.profiler.schedule(**kw))]
    assert actions[1] == actions[0]
    calls = []
    for m, p in ((torch, torch.profiler), (ember, ember.profiler)):
        seen = []
        with p.profile(schedule=p.schedule(**kw), on_trace_ready=lambda prof: seen.append(
                {e.key: e.count for e in prof.key_averages()}.get("aten::relu"))) as prof:
            for _ in range(14):
                m.ones(2).relu()
                prof.step()
        calls.append(seen)
    assert calls[1] == calls[0]


def test_record_function_decorator_and_legacy_profiler():
    names = []
    for m in (torch, ember):
        @m.profiler.record_function("my_block")
        def f():
            return m.ones(2, 2).mm(m.ones(2, 2))
        with m.autograd.profiler.profile(record_shapes=True) as prof:
            f()
        names.append({e.key: e.count for e in prof.key_averages()})
    for key in ("my_block", "aten::mm"):
        assert names[1][key] == names[0][key]


def test_chrome_trace_and_tensorboard_handler(tmp_path):
    prof = run_model(ember, ember.profiler)
    prof.export_chrome_trace(str(tmp_path / "trace.json"))
    trace = json.loads((tmp_path / "trace.json").read_text())
    ops = [e for e in trace["traceEvents"] if e["ph"] == "X"]
    assert {"aten::linear", "model_inference"} <= {e["name"] for e in ops}
    assert all(e["dur"] >= 0 and e["ts"] >= 0 for e in ops)
    handler = ember.profiler.tensorboard_trace_handler(str(tmp_path / "tb"), worker_name="w")
    with ember.profiler.profile(on_trace_ready=handler):
        ember.ones(2).relu()
    files = glob.glob(str(tmp_path / "tb" / "w.*.pt.trace.json"))
    assert len(files) == 1 and json.load(open(files[0]))["traceEvents"]


@pytest.mark.parametrize("order", ["profile_inside_autocast", "autocast_inside_profile", "closed_out_of_order"])
def test_profiler_and_autocast_together(order):
    """Both swap op functions: each must keep working, in either nesting and when closed out of order."""
    x = ember.ones(2, 2)
    if order == "profile_inside_autocast":
        with ember.autocast("cpu"):
            with ember.profiler.profile() as prof:
                y = x @ x
    elif order == "autocast_inside_profile":
        with ember.profiler.profile() as prof:
            with ember.autocast("cpu"):
                y = x @ x
    else:
        cast, prof = ember.autocast("cpu"), ember.profiler.profile()
        cast.__enter__()
        prof.__enter__()
        y = x @ x
        cast.__exit__(None, None, None)
        prof.__exit__(None, None, None)
    assert y.dtype is ember.bfloat16
    assert "aten::matmul" in {e.key for e in prof.key_averages()}
    assert (x @ x).dtype is ember.float32  # nothing casts after both closed
    with ember.autocast("cpu"):
        assert (x @ x).dtype is ember.bfloat16  # and autocast still works afterwards
    with ember.profiler.profile() as again:
        x @ x
    assert "aten::matmul" in {e.key for e in again.key_averages()}
