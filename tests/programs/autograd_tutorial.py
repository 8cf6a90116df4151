"""The autograd tutorials, printed: requires_grad, grad_fn and next_functions of a small network's
loss, backward and .grad, vector-Jacobian products, retain_graph, detach, no_grad, and the
torch.autograd.functional helpers."""
# corpus: expect ok>=1
import torch

torch.manual_seed(0)
x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn}")
print(f"Gradient function for loss = {loss.grad_fn}")
loss.backward()
print(w.grad.shape, b.grad.shape)
z = torch.matmul(x, w) + b
print(z.requires_grad)
with torch.no_grad():
    z = torch.matmul(x, w) + b
print(z.requires_grad)
z_det = (torch.matmul(x, w) + b).detach()
print(z_det.requires_grad)
inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"First call\n{inp.grad}")
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nSecond call\n{inp.grad}")
inp.grad.zero_()
out.backward(torch.ones_like(out), retain_graph=True)
print(f"\nCall after zeroing gradients\n{inp.grad}")

net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1))
target = torch.randn(2, 1)
loss = torch.nn.MSELoss()(net(torch.randn(2, 4)), target)
print(loss.grad_fn)
print(loss.grad_fn.next_functions[0][0])
print(loss.grad_fn.next_functions[0][0].next_functions[0][0])
a = torch.tensor([2.0, 3.0], requires_grad=True)
b = torch.tensor([6.0, 4.0], requires_grad=True)
Q = 3 * a ** 3 - b ** 2
Q.backward(gradient=torch.tensor([1.0, 1.0]))
print(9 * a ** 2 == a.grad, -2 * b == b.grad)
try:
    Q.backward(gradient=torch.tensor([1.0, 1.0]))
except RuntimeError as e:
    print("second backward:", type(e).__name__, "Trying to backward through the graph a second time" in str(e))
try:
    (a * 2).backward()
except RuntimeError as e:
    print("non-scalar:", e)
x = torch.tensor(2.0, requires_grad=True)
y = x ** 3
g, = torch.autograd.grad(y, x, create_graph=True)
g2, = torch.autograd.grad(g, x)
print(g, g2)
print(torch.autograd.functional.jacobian(lambda t: t ** 2, torch.tensor([1.0, 2.0])))
print(torch.autograd.functional.hessian(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0])))
h = torch.tensor([1.0, 2.0], requires_grad=True)
h.register_hook(lambda grad: grad * 10)
(h * h).sum().backward()
print(h.grad, h.is_leaf, (h * 2).is_leaf)
print(f"final ok=1")
