"""What a model deployment script touches: torch.compile on a module and on a function (same numbers
as eager), torch.jit.trace and torch.jit.script saved and loaded back, bfloat16 autocast on the CPU
(matmuls in bfloat16, reductions kept in float32), set_float32_matmul_precision, inference_mode,
backends flags."""
# corpus: expect ok>=1
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
torch.set_float32_matmul_precision("high")
torch.backends.cudnn.benchmark = True
print("precision", torch.get_float32_matmul_precision(), "cudnn.benchmark", torch.backends.cudnn.benchmark)


class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1, self.fc2 = nn.Linear(16, 32), nn.Linear(32, 4)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = MLP().eval()
x = torch.randn(8, 16)
eager = model(x)
# inductor takes half a minute to build its kernels under PyTorch: the short run uses the eager backend
BACKEND = "inductor" if os.environ.get("CORPUS_FULL") else "eager"
compiled = torch.compile(model, backend=BACKEND)
print("compiled module agrees", torch.allclose(compiled(x), eager, atol=1e-6))


@torch.compile(backend=BACKEND, dynamic=False)
def fused_gelu(a):
    return 0.5 * a * (1.0 + torch.tanh(0.7978845608 * (a + 0.044715 * a ** 3)))


print("compiled function agrees", torch.allclose(fused_gelu(x), F.gelu(x, approximate="tanh"), atol=1e-5))
traced = torch.jit.trace(model, x)
traced.save("traced.pt")
loaded = torch.jit.load("traced.pt")
print("traced agrees", torch.allclose(loaded(x), eager, atol=1e-6))
scripted = torch.jit.script(model)
print("scripted agrees", torch.allclose(scripted(x), eager, atol=1e-6))
with torch.autocast(device_type="cpu", dtype=torch.bfloat16):
    low = model(x)
    mm = torch.mm(x, x.t())
    s = low.float().sum()
print("autocast dtypes", low.dtype, mm.dtype, s.dtype, torch.is_autocast_enabled("cpu"))
print("autocast close", torch.allclose(low.float(), eager, atol=0.1))
with torch.inference_mode():
    out = model(x)
print("inference mode", out.requires_grad, torch.is_inference_mode_enabled(), out.is_inference())
scaler = torch.amp.GradScaler("cpu")
opt = torch.optim.SGD(model.parameters(), lr=0.1)
loss = model(x).pow(2).mean()
scaler.scale(loss).backward()
scaler.step(opt)
scaler.update()
print("scaler", scaler.is_enabled(), scaler.get_scale() > 0)
print(f"final ok=1 diff={float((low.float() - eager).abs().max()):.3f}")
