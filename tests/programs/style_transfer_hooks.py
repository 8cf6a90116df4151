"""Neural style transfer in miniature: a fixed random conv "feature extractor" with forward hooks
collecting activations, Gram-matrix style loss and content loss, the input image optimised with
LBFGS and clamped to [0, 1] in place under no_grad."""
# corpus: tolerance ratio=0.15
# corpus: expect ratio<=0.5
import torch
import torch.nn as nn
import torch.nn.functional as F
import torch.optim as optim

torch.manual_seed(7)
features = nn.Sequential(
    nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.Conv2d(16, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU()).eval()
for p in features.parameters():
    p.requires_grad_(False)
activations = {}


def save_to(name):
    def hook(module, inputs, output):
        activations[name] = output
    return hook


handles = [features[i].register_forward_hook(save_to(f"relu{i}")) for i in (1, 3, 6, 8)]
print("hooked", len(handles), sorted(features._modules)[:3])


def gram_matrix(x):
    b, c, h, w = x.size()
    f = x.view(b * c, h * w)
    return torch.mm(f, f.t()).div(b * c * h * w)


normalization_mean = torch.tensor([0.485, 0.456, 0.406]).view(-1, 1, 1)
normalization_std = torch.tensor([0.229, 0.224, 0.225]).view(-1, 1, 1)


def extract(img):
    activations.clear()
    features((img - normalization_mean) / normalization_std)
    return dict(activations)


style_img = torch.rand(1, 3, 32, 32).mul(0.5).add(torch.linspace(0, 0.5, 32).view(1, 1, 1, 32))
content_img = torch.rand(1, 3, 32, 32)
style_targets = {k: gram_matrix(v).detach() for k, v in extract(style_img).items()}
content_target = extract(content_img)["relu6"].detach()
input_img = content_img.clone().requires_grad_(True)
optimizer = optim.LBFGS([input_img], tolerance_grad=0, tolerance_change=0)  # a fixed number of evaluations


def total_loss():
    acts = extract(input_img)
    style = sum(F.mse_loss(gram_matrix(acts[k]), style_targets[k]) for k in style_targets)
    content = F.mse_loss(acts["relu6"], content_target)
    return 1e5 * style + content, style, content


with torch.no_grad():
    start = total_loss()[0].item()
run = [0]
while run[0] <= 40:
    def closure():
        with torch.no_grad():
            input_img.clamp_(0, 1)
        optimizer.zero_grad()
        loss, style, content = total_loss()
        loss.backward()
        run[0] += 1
        if run[0] % 20 == 0:
            print(f"run {run[0]}: Style Loss : {1e5 * style.item():4f} Content Loss: {content.item():4f}")
        return loss
    optimizer.step(closure)
with torch.no_grad():
    input_img.clamp_(0, 1)
    end = total_loss()[0].item()
for h in handles:
    h.remove()
features(content_img)
print("hooks removed", len(activations) == 4, input_img.grad is not None)
print(f"final ratio={end / start:.4f}")
