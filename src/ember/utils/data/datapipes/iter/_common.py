"""What several stages share."""


def source_len(pipe, source):
    """len(source), or the TypeError torch raises for a stage whose source has no length."""
    try:
        return len(source)
    except TypeError:
        raise TypeError(f"{type(pipe).__name__} instance doesn't have valid length") from None
