# Exercise set (seed 003), part 1: tensors. One answer per question, printed.
# Run: ember run examples/exercises_1_tensors.py
import torch

# 1. Convert the 2-D list [[5,3], [0,9]] to a tensor
data = [[5, 3], [0, 9]]
x_data = torch.tensor(data)
print(x_data)

# 2. A tensor t of shape (5, 4) of random numbers uniform on [0, 1)
t = torch.rand((5, 4))
print(t)

# 3. The device and dtype of t
print(t.device, t.dtype)

# 4. Two random (4, 4) tensors u and v, concatenated into shape (8, 4)
u = torch.rand((4, 4))
v = torch.rand((4, 4))
print(torch.cat((u, v), dim=0).shape)

# 5. u and v joined into shape (2, 4, 4)
print(torch.stack((u, v), dim=0).shape)

# 6. u and v joined into w of shape (4, 4, 2)
w = torch.stack((u, v), dim=2)
print(w.shape)

# 7. Index w at 3, 3, 0: e
e = w[3, 3, 0]
print(e)

# 8. Which of u and v holds e? u, at [3, 3]
print(e == u[3, 3], e == v[3, 3])

# 9. A (4, 3) tensor a of ones, multiplied by itself elementwise
a = torch.ones((4, 3))
a *= a
print(a)

# 10. A new leading dimension on a
a = a.unsqueeze(0)
print(a.shape)

# 11. a times its transpose
print(a @ a.mT)

# 12. What does a.mul(a) give? The elementwise product, a tensor of ones of a's shape
print(a.mul(a))
