"""Entry point kept at the repo's top level: the workloads live in the package as `ember.bench`.

    python benchmarks/seed_workloads.py --compare ember,torch --rounds 3
"""
from ember.bench import main

if __name__ == "__main__":
    main()
