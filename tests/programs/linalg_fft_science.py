"""Scientific computing with torch: least squares by torch.linalg.lstsq and by solving the normal
equations, eigh of a covariance matrix (PCA), SVD low-rank approximation, a determinant, a
gradient through linalg.solve, and an FFT low-pass filter that denoises a signal."""
# corpus: tolerance err=0.05 snr_gain=3
# corpus: expect err<=0.2 snr_gain>=3
import math

import torch

torch.manual_seed(0)
A = torch.randn(100, 3, dtype=torch.float64)
true_w = torch.tensor([[2.0], [-1.0], [0.5]], dtype=torch.float64)
b = A @ true_w + 0.05 * torch.randn(100, 1, dtype=torch.float64)
w1 = torch.linalg.lstsq(A, b).solution
w2 = torch.linalg.solve(A.T @ A, A.T @ b)
print("lstsq == normal equations", torch.allclose(w1, w2, atol=1e-8), w1.shape)
err = torch.linalg.vector_norm(w1 - true_w).item()

X = torch.randn(500, 2) @ torch.tensor([[3.0, 0.0], [1.0, 0.5]])
cov = torch.cov(X.T)
evals, evecs = torch.linalg.eigh(cov)
print("eigh ascending", bool(evals[0] <= evals[1]), evecs.shape, evals.dtype)
M = torch.randn(20, 10)
U, S, Vh = torch.linalg.svd(M, full_matrices=False)
rank3 = U[:, :3] @ torch.diag(S[:3]) @ Vh[:3]
print("svd shapes", tuple(U.shape), tuple(S.shape), tuple(Vh.shape), torch.linalg.matrix_rank(rank3).item())
print("det of 2I", torch.linalg.det(2 * torch.eye(3)).item(), torch.linalg.norm(torch.eye(3)).item() ** 2)

K = torch.randn(4, 4) + 4 * torch.eye(4)
K.requires_grad_(True)
rhs = torch.randn(4)
torch.linalg.solve(K, rhs).sum().backward()
print("gradient through solve", K.grad.shape, bool(torch.isfinite(K.grad).all()))

t = torch.linspace(0, 1, 512)
clean = torch.sin(2 * math.pi * 5 * t) + 0.5 * torch.sin(2 * math.pi * 12 * t)
noisy = clean + 0.4 * torch.randn(512)
spectrum = torch.fft.rfft(noisy)
freqs = torch.fft.rfftfreq(512, d=1 / 512)
spectrum[freqs > 20] = 0
denoised = torch.fft.irfft(spectrum, n=512)
print("rfft", spectrum.dtype, tuple(spectrum.shape), freqs[:3])


def snr(x):
    return 10 * math.log10(clean.pow(2).mean().item() / (x - clean).pow(2).mean().item())


print(f"final err={err:.4f} snr_gain={snr(denoised) - snr(noisy):.2f}")
