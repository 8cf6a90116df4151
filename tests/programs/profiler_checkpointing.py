"""Profiling and memory-saving tools on a deep MLP: torch.profiler.profile with record_function
regions and a schedule, key_averages().table(), export_chrome_trace; activation checkpointing with
torch.utils.checkpoint (checkpoint and checkpoint_sequential) giving the same gradients as the plain
forward."""
# corpus: expect same>=1
import json

import torch
import torch.nn as nn
from torch.profiler import ProfilerActivity, profile, record_function, schedule
from torch.utils.checkpoint import checkpoint, checkpoint_sequential

torch.manual_seed(0)
model = nn.Sequential(*[nn.Sequential(nn.Linear(64, 64), nn.GELU()) for _ in range(6)], nn.Linear(64, 1))
x = torch.randn(32, 64)

with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
    with record_function("model_inference"):
        model(x)
table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
names = {e.key for e in prof.key_averages()}
print("regions and ops seen:", "model_inference" in names, "aten::linear" in names, "aten::gelu" in names)
print("table has header", "Self CPU %" in table and "CPU total" in table and "# of Calls" in table)
prof.export_chrome_trace("trace.json")
with open("trace.json") as f:
    trace = json.load(f)
print("trace events", isinstance(trace["traceEvents"], list) and len(trace["traceEvents"]) > 0)

steps_seen = []
def on_trace_ready(p):
    steps_seen.append(len(p.key_averages()))
with profile(activities=[ProfilerActivity.CPU], schedule=schedule(wait=1, warmup=1, active=2, repeat=1),
             on_trace_ready=on_trace_ready) as p:
    for step in range(6):
        model(x).sum().backward()
        p.step()
print("schedule fired", len(steps_seen))


def grads(fn):
    model.zero_grad()
    fn().pow(2).mean().backward()
    return [p.grad.clone() for p in model.parameters()]


plain = grads(lambda: model(x))
blocks = list(model)
ckpt = grads(lambda: blocks[-1](checkpoint(lambda t: nn.Sequential(*blocks[:-1])(t), x, use_reentrant=False)))
seq = grads(lambda: checkpoint_sequential(model, 3, x, use_reentrant=False))
same = all(torch.allclose(a, b, atol=1e-6) for a, b in zip(plain, ckpt)) and all(
    torch.allclose(a, b, atol=1e-6) for a, b in zip(plain, seq))
print("checkpointed gradients equal", same)
print(f"final same={int(same)}")
