"""File helpers of the file stages: StreamWrapper, and listing files by masks."""
import fnmatch
import os

__all__ = ["StreamWrapper", "match_masks", "get_file_pathnames_from_root"]


class StreamWrapper:
    """A file object a file stage yields: reads pass through, and it is closed when dropped."""

    def __init__(self, file_obj, parent_stream=None, name=None):
        self.file_obj, self.parent_stream, self.name, self.closed = file_obj, parent_stream, name, False

    def __getattr__(self, name):
        return getattr(self.__dict__["file_obj"], name)

    def close(self, *args, **kwargs):
        if not self.closed:
            self.closed = True
            self.file_obj.close(*args, **kwargs)

    def __del__(self):
        if not self.__dict__.get("closed", True):
            self.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __iter__(self):
        yield from self.file_obj

    def __next__(self):
        return next(self.file_obj)

    def __repr__(self):
        return f"StreamWrapper<{self.file_obj!r}>" if self.name is None else f"StreamWrapper<{self.name},{self.file_obj!r}>"

    def __getstate__(self):
        return self.file_obj

    def __setstate__(self, obj):
        self.file_obj, self.parent_stream, self.name, self.closed = obj, None, None, False


def match_masks(name, masks):
    """Whether a file name matches a glob mask or any of a list of them (no mask: any name)."""
    if not masks:
        return True
    return any(fnmatch.fnmatch(name, m) for m in ([masks] if isinstance(masks, str) else masks))


def get_file_pathnames_from_root(root, masks, recursive=False, abspath=False, non_deterministic=False):
    """The files under root (or root itself, a file) whose names match masks; sorted by name, directory
    by directory, unless non_deterministic."""
    if os.path.isfile(root):
        path = os.path.abspath(root) if abspath else root
        if match_masks(os.path.basename(path), masks):
            yield path
        return

    def fail(err):
        raise err
    for path, dirs, files in os.walk(root, onerror=fail):
        path = os.path.abspath(path) if abspath else path
        if not non_deterministic:
            files.sort()
            dirs.sort()  # os.walk descends in this list's order
        for f in files:
            if match_masks(f, masks):
                yield os.path.join(path, f)
        if not recursive:
            break
