"""A tiny "find the square" detector trained with torchvision.transforms.v2 on tv_tensors: the flips,
crops and resizes move each image's bounding box with it; the model regresses the box."""
# corpus: tolerance iou=0.15
# corpus: expect iou>=0.3
import torch
from torch import nn
from torchvision import tv_tensors
from torchvision.ops import box_iou
from torchvision.transforms import v2

torch.manual_seed(0)
g = torch.Generator().manual_seed(0)


def sample(at=None):
    """A 40x40 noise image with one bright square (random, or at (x, y, size)), and its box (x1, y1, x2, y2)."""
    img = torch.rand(3, 40, 40, generator=g) * 0.3
    if at is None:
        s = int(torch.randint(8, 16, (1,), generator=g))
        x, y = (int(v) for v in torch.randint(0, 40 - s, (2,), generator=g))
    else:
        x, y, s = at
    img[:, y:y + s, x:x + s] = 1.0
    return tv_tensors.Image(img), tv_tensors.BoundingBoxes([[x, y, x + s, y + s]], format="XYXY", canvas_size=(40, 40))


augment = v2.Compose([v2.RandomHorizontalFlip(p=0.5), v2.RandomVerticalFlip(p=0.5),
                      v2.Resize((32, 32), antialias=True), v2.ToDtype(torch.float32, scale=True)])
plain = v2.Compose([v2.Resize((32, 32), antialias=True), v2.ToDtype(torch.float32, scale=True)])
img, box = sample(at=(25, 19, 8))
flipped_img, flipped_box = v2.RandomHorizontalFlip(p=1.0)(img, box)
print("box", box.tolist(), "flipped", flipped_box.tolist(), type(flipped_box).__name__, flipped_box.format)
print("resized", plain(img, box)[1].tolist(), plain(img, box)[1].canvas_size)

model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(16, 32, 3, padding=1),
                      nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(32 * 8 * 8, 64), nn.ReLU(), nn.Linear(64, 4))
opt = torch.optim.Adam(model.parameters(), lr=2e-3)
for step in range(150):
    batch = [augment(*sample()) for _ in range(16)]
    x = torch.stack([b[0] for b in batch])
    target = torch.cat([b[1] for b in batch]).float() / 32
    loss = nn.functional.smooth_l1_loss(model(x), target)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step % 50 == 0:
        print(f"step {step} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    tests = [plain(*sample()) for _ in range(64)]
    pred = model(torch.stack([t[0] for t in tests])) * 32
    truth = torch.cat([t[1] for t in tests]).float()
    iou = box_iou(pred, truth).diagonal().mean().item()
print(f"final iou={iou:.4f}")
