"""Custom autograd Functions: a third-degree Legendre polynomial with its own backward fitted to
sin(x) by hand-written gradient descent, a clamp with a straight-through gradient, once_differentiable
style checks with gradcheck, and needs_input_grad / save_for_backward / mark_non_differentiable."""
# corpus: tolerance loss=0.5
# corpus: expect loss<=10
import math

import torch


class LegendrePolynomial3(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return 0.5 * (5 * input ** 3 - 3 * input)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * (5 * input ** 2 - 1)


class StraightThroughClamp(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, lo, hi):
        return x.clamp(lo, hi)

    @staticmethod
    def backward(ctx, g):
        return g, None, None


class SortWithIndices(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        values, idx = x.sort()
        ctx.mark_non_differentiable(idx)
        ctx.save_for_backward(idx)
        return values, idx

    @staticmethod
    def backward(ctx, g, _):
        idx, = ctx.saved_tensors
        print("needs_input_grad", ctx.needs_input_grad)
        return torch.zeros_like(g).scatter(-1, idx, g)


dtype = torch.float
x = torch.linspace(-math.pi, math.pi, 2000, dtype=dtype)
y = torch.sin(x)
a = torch.full((), 0.0, dtype=dtype, requires_grad=True)
b = torch.full((), -1.0, dtype=dtype, requires_grad=True)
c = torch.full((), 0.0, dtype=dtype, requires_grad=True)
d = torch.full((), 0.3, dtype=dtype, requires_grad=True)
learning_rate = 5e-6
for t in range(2000):
    P3 = LegendrePolynomial3.apply
    y_pred = a + b * P3(c + d * x)
    loss = (y_pred - y).pow(2).sum()
    if t % 500 == 99:
        print(t, round(loss.item(), 2) > 0)
    loss.backward()
    with torch.no_grad():
        for p in (a, b, c, d):
            p -= learning_rate * p.grad
            p.grad = None
print(f"Result: y = {a.item():.3f} + {b.item():.3f} * P3({c.item():.3f} + {d.item():.3f} x)")
print(y_pred.grad_fn.__class__.__name__, type(P3(c).grad_fn).__name__)
z = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
StraightThroughClamp.apply(z, -1, 1).sum().backward()
print("straight-through grad", z.grad)
w = torch.tensor([3.0, 1.0, 2.0], requires_grad=True)
values, idx = SortWithIndices.apply(w)
(values * torch.tensor([1.0, 10.0, 100.0])).sum().backward()
print(values, idx, idx.requires_grad, w.grad)
check = torch.randn(4, dtype=torch.double, requires_grad=True)
print("gradcheck", torch.autograd.gradcheck(LegendrePolynomial3.apply, (check,)))
print(f"final loss={loss.item():.3f}")
