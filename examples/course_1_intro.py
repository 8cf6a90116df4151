# Course (seed 000), lesson 1: PyTorch's symbolic expressions, and its version.
# Run: ember run examples/course_1_intro.py
# Example of PyTorch library
import torch
# declare two symbolic floating-point scalars
a = torch.tensor(1.5)
b = torch.tensor(2.5)
# create a simple symbolic expression using the add function
c = torch.add(a, b)
print(c)

print(torch.__version__)
