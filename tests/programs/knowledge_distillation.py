"""Knowledge distillation: a wide teacher MLP trained first, then a small student trained on a blend of
the hard-label cross entropy and the KL divergence between temperature-softened outputs
(nn.KLDivLoss(reduction="batchmean") on log_softmax inputs, scaled by T^2), compared with a student
trained alone."""
# corpus: tolerance teacher=0.1 student=0.1
# corpus: expect teacher>=0.8 student>=0.75
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
centers = torch.randn(6, 20) * 1.5
def make(n):
    y = torch.randint(0, 6, (n,))
    return centers[y] + torch.randn(n, 20) * 2.2, y


x_train, y_train = make(1200)
x_test, y_test = make(600)
teacher = nn.Sequential(nn.Linear(20, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 6))


def student_net():
    return nn.Sequential(nn.Linear(20, 8), nn.ReLU(), nn.Linear(8, 6))


def evaluate(model):
    model.eval()
    with torch.no_grad():
        return (model(x_test).argmax(1) == y_test).float().mean().item()


def train(model, epochs, teacher=None, T=2.0, soft_weight=0.5):
    optimizer = torch.optim.Adam(model.parameters(), lr=5e-3)
    ce, kl = nn.CrossEntropyLoss(), nn.KLDivLoss(reduction="batchmean")
    for epoch in range(epochs):
        model.train()
        for i in torch.randperm(len(x_train)).split(64):
            logits = model(x_train[i])
            loss = ce(logits, y_train[i])
            if teacher is not None:
                with torch.no_grad():
                    teacher_logits = teacher(x_train[i])
                soft = kl(F.log_softmax(logits / T, dim=-1), F.softmax(teacher_logits / T, dim=-1)) * T * T
                loss = soft_weight * soft + (1 - soft_weight) * loss
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return evaluate(model)


t_acc = train(teacher, 8)
print(f"teacher accuracy {t_acc:.3f}, parameters {sum(p.numel() for p in teacher.parameters())}")
torch.manual_seed(1)
alone = train(student_net(), 8)
torch.manual_seed(1)
distilled = train(student_net(), 8, teacher=teacher.eval())
print(f"student alone {alone:.3f} distilled {distilled:.3f}")
print(f"final teacher={t_acc:.3f} student={distilled:.3f}")
