# Exercise set (seed 003), part 2: autograd on torchvision's resnet18, then questions 19-26.
# Run: ember run examples/exercises_2_autograd.py
# --- settings (not in the exercises): PRETRAINED=0 skips the download of resnet18's weights ------
import os
PRETRAINED = os.environ.get("PRETRAINED", "1") != "0"
# ------------------------------------------------------------------------------------------------
import torch
from torchvision.models import resnet18, ResNet18_Weights
model = resnet18(weights=ResNet18_Weights.DEFAULT if PRETRAINED else None)
data = torch.rand(1, 3, 64, 64)
labels = torch.rand(1, 1000)

# 1. A forward pass, saved as preds
preds = model(data)
# 2. The shape of preds
print(preds.shape)
# 3. The weight of resnet18's conv1, saved as w (a corner of it printed)
w = model.conv1.weight
print(w[0, 0, 0, :3])
# 4. w.grad before backward: None
print(w.grad)
# 5. A cross-entropy loss of preds against labels (probability targets)
ce = torch.nn.CrossEntropyLoss()
loss = ce(preds, labels)
print(loss)
# 6. The last operation that produced loss
print(loss.grad_fn)
# 7. Backward
loss.backward()
# 8. Has w changed? No
print(w[0, 0, 0, :3])
# 9. Has w.grad changed? Yes, it holds the gradient now
print(w.grad[0, 0, 0, :3])
# 10. loss.grad: None (loss is not a leaf)
print(loss.grad)
# 11. loss.requires_grad: True
print(loss.requires_grad)
# 12. labels.requires_grad: False
print(labels.requires_grad)
# 13. Backward a second time: the graph was freed by the first
try:
    loss.backward()
except RuntimeError as err:
    print("RuntimeError:", err)
# 14. An SGD optimizer (lr=1e-2, momentum=0.9), one step
optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
optimizer.step()
# 15. Has w changed? Yes
print(w[0, 0, 0, :3])
# 16. Has loss changed? No
print(loss)
# 17. Zero the gradients of all trainable parameters
optimizer.zero_grad()
# 18. w.grad after zero_grad: None (set_to_none=True)
print(w.grad)

data1 = torch.rand(1, 3, 64, 64)
data2 = torch.rand(1, 3, 64, 64)
# 19. Two forward passes, two losses, two backwards: works (two graphs)
loss1 = ce(model(data1), labels)
loss2 = ce(model(data2), labels)
loss1.backward()
loss2.backward()
print("19 ran")
# 20. Two losses over one forward pass, two backwards: the second fails
preds = model(data1)
loss1 = ce(preds, labels)
loss2 = ce(preds, labels)
loss1.backward()
try:
    loss2.backward()
except RuntimeError as err:
    print("20 RuntimeError:", str(err).split(".")[0])
# 21. Their sum, one backward: works
preds = model(data1)
(ce(preds, labels) + ce(preds, labels)).backward()
print("21 ran")
# 22. Make 20 work: keep the graph through the first backward
preds = model(data1)
loss1 = ce(preds, labels)
loss2 = ce(preds, labels)
loss1.backward(retain_graph=True)
loss2.backward()
print("22 ran")
# 23. Gradients of Q = 3a^3 - b^2: dQ/da = 9a^2, dQ/db = -2b
a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2
Q.backward(gradient=torch.tensor([1., 1.]))
print(a.grad, b.grad)
# 24. requires_grad flows from any input that requires it
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
print((x + y).requires_grad, (x + z).requires_grad)
# 25. What is wrong: no zero_grad in the loop, so gradients add up across steps
p = torch.ones(3, requires_grad=True)
for step in range(2):
    (p * 2).sum().backward()
print(p.grad)  # 4s, not 2s
# 26. A training step in order: zero the gradients, forward, loss, backward, step
optimizer.zero_grad()
preds = model(data)
loss = ce(preds, labels)
loss.backward()
optimizer.step()
print(loss.requires_grad, w.grad.shape)
