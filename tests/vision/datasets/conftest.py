"""Fixtures for the dataset tests."""
import urllib.error

import pytest

from ember.vision.datasets import utils as dutils


@pytest.fixture
def served(monkeypatch):
    """A stand-in for the network: `served.files[url] = bytes` serves a file, any other URL fails as
    it does without a network; `served.requests` lists the URLs asked for."""
    class Server:
        def __init__(self):
            self.files, self.requests = {}, []

        def fetch(self, url, fpath, timeout=60):
            self.requests.append(url)
            if url not in self.files:
                raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
            with open(fpath, "wb") as f:
                f.write(self.files[url])
    server = Server()
    monkeypatch.setattr(dutils, "_fetch", server.fetch)
    return server
