"""ember.mps: no Apple GPU here."""


def is_available():
    return False


def manual_seed(seed):
    pass
