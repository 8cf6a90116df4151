"""Data-parallel scaling of the seed ConvNet: steps and images per second on N ranks.

    ember launch --nproc-per-node 1 benchmarks/ddp_scaling.py
    ember launch --nproc-per-node 2 benchmarks/ddp_scaling.py

Each rank trains on its own 32 random images per step (Adadelta, nll_loss) under DistributedDataParallel;
rank 0 prints the rate over 60 steps after 10 warm-up steps.
"""
import time

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

from seed_convnet import seed_convnet


def main(batch=32, warmup=10, steps=60):
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    torch.manual_seed(rank)
    model = DistributedDataParallel(seed_convnet(torch, nn, F))
    opt = torch.optim.Adadelta(model.parameters(), lr=0.5)
    X, y = torch.randn(20 * batch, 1, 28, 28), torch.randint(0, 10, (20 * batch,))

    def step(s):
        j = (s % 20) * batch
        opt.zero_grad()
        F.nll_loss(model(X[j:j + batch]), y[j:j + batch]).backward()
        opt.step()

    for s in range(warmup):
        step(s)
    dist.barrier()
    start = time.perf_counter()
    for s in range(steps):
        step(s)
    dist.barrier()
    seconds = time.perf_counter() - start
    if rank == 0:
        print(f"ranks={world} threads/rank={torch.get_num_threads()} steps/s={steps / seconds:.1f} "
              f"images/s={steps * batch * world / seconds:.0f}")
    dist.destroy_process_group()


if __name__ == "__main__":
    import warnings
    warnings.filterwarnings("ignore", "dropout2d: Received a 2-D input")  # the seed's dp2, as in PyTorch
    main()
