"""python -m ember._kernels: compile and cache Ember's loops for this machine (see ember._kernels.build)."""
from .build import main

main()
