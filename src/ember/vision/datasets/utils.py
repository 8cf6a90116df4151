"""Downloading, checking and unpacking dataset files (torchvision.datasets.utils).

Every file is fetched to a temporary name, checked against its MD5 and only then renamed into
place; archives are unpacked into a temporary folder and moved into place whole. So an
interrupted or failed download never leaves a half-written file or a half-extracted dataset."""
import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile

USER_AGENT = "ember-vision"
_DECOMPRESSORS = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def calculate_md5(fpath, chunk_size=1024 * 1024):
    md5 = hashlib.md5(usedforsecurity=False)
    with open(fpath, "rb") as f:
        for chunk in iter(lambda: f.read(chunk_size), b""):
            md5.update(chunk)
    return md5.hexdigest()


def check_md5(fpath, md5, **kwargs):
    return md5 == calculate_md5(fpath, **kwargs)


def check_integrity(fpath, md5=None):
    """The file exists and, when an MD5 is given, has it."""
    if not os.path.isfile(fpath):
        return False
    return md5 is None or check_md5(fpath, md5)


def _fetch(url, fpath, timeout=60):
    """Write the bytes at `url` to `fpath`. The one place that touches the network."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=timeout) as response, open(fpath, "wb") as out:
        shutil.copyfileobj(response, out, 1024 * 1024)


def download_url(url, root, filename=None, md5=None, max_redirect_hops=3):
    """Download `url` to root/filename unless a file with the right MD5 is already there.

    Raises RuntimeError saying which file could not be fetched or failed its checksum, and where
    to put a good copy by hand."""
    root = os.path.expanduser(root)
    filename = filename or os.path.basename(url)
    fpath = os.path.join(root, filename)
    os.makedirs(root, exist_ok=True)
    had_file = os.path.isfile(fpath)
    if had_file and check_integrity(fpath, md5):
        return fpath
    where = f"put the official file {filename}" + (f" (MD5 {md5})" if md5 else "") + f" at {fpath}"
    fd, part = tempfile.mkstemp(prefix=f".{filename}.", suffix=".part", dir=root)
    os.close(fd)
    try:
        print(f"Downloading {url} to {fpath}")
        try:
            _fetch(url, part)
        except (urllib.error.URLError, OSError, ValueError) as e:
            state = f"{fpath} is corrupt (MD5 mismatch) and a fresh copy" if had_file else f"{filename}"
            raise RuntimeError(f"Could not download {url}: {e}. {state[0].upper() + state[1:]} could not be "
                               f"fetched; without network access, {where}.") from None
        if md5 is not None and not check_md5(part, md5):
            raise RuntimeError(f"The download of {url} is corrupt: its MD5 {calculate_md5(part)} is not the expected "
                               f"{md5}. Try again, or {where}.")
        os.replace(part, fpath)
    finally:
        if os.path.exists(part):
            os.remove(part)
    return fpath


def _archive_kind(path):
    name = path.lower()
    for suffix in (".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar"):
        if name.endswith(suffix):
            return "tar"
    if name.endswith(".zip"):
        return "zip"
    for suffix in _DECOMPRESSORS:
        if name.endswith(suffix):
            return suffix
    raise RuntimeError(f"Archive type of {path} is not supported: expected .tar[.gz|.bz2|.xz], .tgz, .zip, "
                       f".gz, .bz2 or .xz")


def extract_archive(from_path, to_path=None, remove_finished=False):
    """Unpack an archive (tar, zip) or decompress a single file (.gz, .bz2, .xz) into to_path
    (default: its folder), atomically: entries appear only once all of them are unpacked.
    Returns to_path, or the decompressed file's path for single-file formats."""
    to_path = os.path.dirname(from_path) if to_path is None else to_path
    os.makedirs(to_path, exist_ok=True)
    kind = _archive_kind(from_path)
    staging = tempfile.mkdtemp(prefix=".extracting.", dir=to_path)
    try:
        try:
            if kind == "tar":
                with tarfile.open(from_path) as tar:
                    # the "data" filter refuses members that would land outside the folder
                    tar.extractall(staging, **({"filter": "data"} if hasattr(tarfile, "data_filter") else {}))
            elif kind == "zip":
                with zipfile.ZipFile(from_path) as z:
                    z.extractall(staging)
            else:
                target = os.path.basename(from_path)[:-len(kind)]
                with _DECOMPRESSORS[kind](from_path, "rb") as src, open(os.path.join(staging, target), "wb") as dst:
                    shutil.copyfileobj(src, dst, 1024 * 1024)
        except (tarfile.TarError, zipfile.BadZipFile, EOFError, OSError, lzma.LZMAError) as e:
            raise RuntimeError(f"Could not extract {from_path}: {e}. The file is corrupt or truncated; delete it "
                               f"and download it again.") from None
        for entry in os.listdir(staging):
            dest = os.path.join(to_path, entry)
            if os.path.isdir(dest) and not os.path.islink(dest):
                shutil.rmtree(dest)
            os.replace(os.path.join(staging, entry), dest)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if remove_finished:
        os.remove(from_path)
    return to_path if kind in ("tar", "zip") else os.path.join(to_path, os.path.basename(from_path)[:-len(kind)])


def download_and_extract_archive(url, download_root, extract_root=None, filename=None, md5=None,
                                 remove_finished=False):
    """download_url, then extract_archive into extract_root (default: download_root)."""
    archive = download_url(url, download_root, filename, md5)
    return extract_archive(archive, extract_root or download_root, remove_finished)


def verify_str_arg(value, arg=None, valid_values=None, custom_msg=None):
    """torchvision.datasets.utils.verify_str_arg: `value` must be a str (and one of `valid_values`), else ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"Expected type str{'' if arg is None else f' for argument {arg}'}, but got type {type(value)}.")
    if valid_values is None or value in valid_values:
        return value
    if custom_msg is not None:
        raise ValueError(custom_msg)
    raise ValueError(f"Unknown value '{value}' for argument {arg}. Valid values are {{{iterable_to_str(valid_values)}}}.")


def iterable_to_str(iterable):
    """torchvision.datasets.utils.iterable_to_str: the items quoted and comma-separated ('a', 'b')."""
    return "'" + "', '".join(str(item) for item in iterable) + "'"


def list_dir(root, prefix=False):
    """torchvision.datasets.utils.list_dir: the sub-folders of `root` (in os.listdir order), with root prefixed
    when `prefix`."""
    root = os.path.expanduser(root)
    found = [p for p in os.listdir(root) if os.path.isdir(os.path.join(root, p))]
    return [os.path.join(root, p) for p in found] if prefix else found


def list_files(root, suffix, prefix=False):
    """torchvision.datasets.utils.list_files: the files of `root` ending in `suffix` (os.listdir order)."""
    root = os.path.expanduser(root)
    found = [p for p in os.listdir(root) if os.path.isfile(os.path.join(root, p)) and p.endswith(suffix)]
    return [os.path.join(root, p) for p in found] if prefix else found


def download_file_from_google_drive(file_id, root, filename=None, md5=None):
    """torchvision.datasets.utils.download_file_from_google_drive: fetch a shared Google Drive file into
    root/filename (MD5-checked), unless a good copy is already there. Uses Drive's direct-download address
    (confirming the large-file warning) rather than gdown."""
    url = f"https://drive.usercontent.google.com/download?id={file_id}&export=download&confirm=t"
    return download_url(url, root, filename or file_id, md5)


def _read_pfm(file_name, slice_channels=2):
    """A .pfm file (Portable Float Map: 'PF' colour or 'Pf' gray, bottom row first, scale's sign giving the byte
    order) as a (C, H, W) float32 array of its first `slice_channels` channels, top row first."""
    import re
    import numpy as np
    with open(file_name, "rb") as f:
        header = f.readline().rstrip()
        if header not in (b"PF", b"Pf"):
            raise ValueError("Invalid PFM file")
        size = re.match(rb"^(\d+)\s(\d+)\s$", f.readline())
        if not size:
            raise Exception("Malformed PFM header.")
        w, h = (int(v) for v in size.groups())
        endian = "<" if float(f.readline().rstrip()) < 0 else ">"
        data = np.fromfile(f, dtype=endian + "f")
    data = data.reshape(h, w, 3 if header == b"PF" else 1).transpose(2, 0, 1)
    return np.flip(data, axis=1)[:slice_channels].astype(np.float32)
