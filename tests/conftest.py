"""The whole suite: Ember's compiled loops compile in the process that first calls them (the behaviour
before ember._kernels.build), so every test runs the same paths whatever the machine's cache holds;
tests/kernels/test_build.py checks the background build itself."""
import os

os.environ["EMBER_KERNELS"] = "sync"
