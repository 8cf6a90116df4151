# Course (seed 000), lessons 2-4: a multilayer perceptron on the Pima Indians diabetes CSV,
# trained with BCELoss and Adam, then used for inference and evaluated.
# Run: ember run examples/course_2_4_pima_mlp.py
# --- settings (not in the course): the CSV, and EPOCHS=N for short runs -----------------------
# The real CSV is not shipped: by default this reads data/pima-indians-diabetes.synthetic.csv,
# SYNTHETIC rows in the same 9-column format; PIMA_CSV=pima-indians-diabetes.csv uses the real one.
import os
CSV = os.environ.get("PIMA_CSV", os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                              "pima-indians-diabetes.synthetic.csv"))
EPOCHS = int(os.environ.get("EPOCHS", 100))
# ------------------------------------------------------------------------------------------------

# Lesson 2: build the model
import torch.nn as nn

model = nn.Sequential(
    nn.Linear(8, 12),
    nn.ReLU(),
    nn.Linear(12, 8),
    nn.ReLU(),
    nn.Linear(8, 1),
    nn.Sigmoid()
)
print(model)

# Lesson 3: train it
import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim

dataset = np.loadtxt(CSV, delimiter=',')
X = dataset[:,0:8]
y = dataset[:,8]
X = torch.tensor(X, dtype=torch.float32)
y = torch.tensor(y, dtype=torch.float32).reshape(-1, 1)

loss_fn = nn.BCELoss()  # binary cross-entropy
optimizer = optim.Adam(model.parameters(), lr=0.001)

n_epochs = EPOCHS
batch_size = 10
for epoch in range(n_epochs):
    for i in range(0, len(X), batch_size):
        Xbatch = X[i:i+batch_size]
        y_pred = model(Xbatch)
        ybatch = y[i:i+batch_size]
        loss = loss_fn(y_pred, ybatch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    print(f'Finished epoch {epoch}, latest loss {loss}')

# Lesson 4: inference
i = 5
X_sample = X[i:i+1]
y_pred = model(X_sample)
print(f"{X_sample[0]} -> {y_pred[0]}")

model.eval()
with torch.no_grad():
    y_pred = model(X_sample)
print(f"{X_sample[0]} -> {y_pred[0]}")

model.eval()
with torch.no_grad():
    y_pred = model(X)
accuracy = (y_pred.round() == y).float().mean()
print(f"Accuracy {accuracy}")
