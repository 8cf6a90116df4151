"""Flickr8k and Flickr30k image captions (torchvision.datasets.flickr): images in root, captions in the
official annotation file (Flickr8k's HTML table, Flickr30k's tab-separated token file)."""
import collections
import glob
import os
from html.parser import HTMLParser

from ._labelled import LabelledImageFiles
from .folder import default_loader


class Flickr8kParser(HTMLParser):
    """Reads Flickr8k's annotation page: a table whose rows hold a link to the photo (its id is the link's
    second-to-last path part) and a list of captions; the photo is found as root/<id>_*.jpg."""

    def __init__(self, root):
        super().__init__()
        self.root = root
        self.annotations = {}
        self.in_table = False
        self.current_tag = self.current_img = None

    def handle_starttag(self, tag, attrs):
        self.current_tag = tag
        self.in_table = self.in_table or tag == "table"

    def handle_endtag(self, tag):
        self.current_tag = None
        if tag == "table":
            self.in_table = False

    def handle_data(self, data):
        if not self.in_table:
            return
        if data == "Image Not Found":
            self.current_img = None
        elif self.current_tag == "a":
            self.current_img = glob.glob(os.path.join(self.root, data.split("/")[-2] + "_*.jpg"))[0]
            self.annotations[self.current_img] = []
        elif self.current_tag == "li" and self.current_img:
            self.annotations[self.current_img].append(data.strip())


class _Captions(LabelledImageFiles):
    """Images sorted by id, each with its list of captions as the target."""

    def _index(self, annotations, path_of):
        self.annotations = annotations
        self.ids = sorted(annotations)
        self._image_files = [path_of(i) for i in self.ids]
        self._labels = [annotations[i] for i in self.ids]


class Flickr8k(_Captions):
    """(image, its five captions)."""

    def __init__(self, root, ann_file, transform=None, target_transform=None, loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.ann_file = os.path.expanduser(ann_file)
        parser = Flickr8kParser(self.root)
        with open(self.ann_file) as f:
            parser.feed(f.read())
        self._index(parser.annotations, lambda i: i)
        self.loader = loader


class Flickr30k(_Captions):
    """(image, its captions), from lines "<image>#<n>\\t<caption>"."""

    def __init__(self, root, ann_file, transform=None, target_transform=None, loader=default_loader):
        super().__init__(root, transform=transform, target_transform=target_transform)
        self.ann_file = os.path.expanduser(ann_file)
        annotations = collections.defaultdict(list)
        with open(self.ann_file) as f:
            for line in f:
                image, caption = line.strip().split("\t")
                annotations[image[:-2]].append(caption)  # drop the "#<n>" caption number
        self._index(annotations, lambda i: os.path.join(self.root, i))
        self.loader = loader
