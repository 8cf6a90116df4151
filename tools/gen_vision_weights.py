"""Write src/ember/data/vision_weights.json: the facts behind torchvision's classification and segmentation
weights (urls, meta, preprocessing sizes, the ImageNet-1K and VOC class names), read from the installed torchvision.

Run at development time, when torchvision is upgraded:  python tools/gen_vision_weights.py
The prose in meta["_docs"] is left out (Ember writes its own text)."""
import json
import os
import sys
import types

# torchvision's C++ ops cannot load beside a CPU-only torch; its pure-Python model code needs none of them
sys.modules.setdefault("torchvision._meta_registrations", types.ModuleType("torchvision._meta_registrations"))
import torchvision  # noqa: E402
import torchvision.models as tvm  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), os.pardir, "src", "ember", "data", "vision_weights.json")


def main():
    categories = {}  # one copy of each list of class names, referenced by key
    enums = {}
    for builder in tvm.list_models(module=tvm) + tvm.list_models(module=tvm.segmentation):
        enum = tvm.get_model_weights(builder)
        members = {}
        for name, w in enum.__members__.items():
            if name == "DEFAULT":
                continue
            meta = {k: v for k, v in w.meta.items() if k != "_docs"}
            cats = meta.get("categories")
            if cats is not None:
                key = "imagenet1k" if len(cats) == 1000 else "voc" if cats[0] == "__background__" else \
                    f"{enum.__name__}.{name}"
                assert categories.setdefault(key, cats) == cats
                meta["categories"] = key
            t = w.transforms
            kwargs = {k: (v.value if hasattr(v, "value") else v) for k, v in t.keywords.items()}
            members[name] = {"url": w.url, "transforms": {"preset": t.func.__name__, **kwargs}, "meta": meta}
        default = next(n for n, m in enum.__members__.items() if m is enum.DEFAULT and n != "DEFAULT")
        enums[enum.__name__] = {"builder": builder, "default": default, "members": members}
    with open(OUT, "w") as f:
        json.dump({"torchvision": torchvision.__version__.split("+")[0], "categories": categories,
                   "enums": enums}, f, indent=1)
        f.write("\n")
    print(f"{OUT}: {len(enums)} enums, {sum(len(e['members']) for e in enums.values())} weights")


if __name__ == "__main__":
    main()
