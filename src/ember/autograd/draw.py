"""ember.autograd.draw_graph: a picture of the autograd graph behind a tensor, as torchviz draws it,
laid out here in layers so no Graphviz program is needed."""
import os
from html import escape  # (xml.sax takes 0.1 s to import)

from .graph import AccumulateGrad

FONT = 12                 # px
CHAR = 7.2                # px per character of the monospace font at FONT
LINE = 16                 # px between text lines
PAD, GAP_X, GAP_Y = 8, 24, 48
FILL = {"tensor": "#caff70", "leaf": "#add8e6", "node": "#d3d3d3"}


def _shape(t):
    return "(" + ", ".join(str(s) for s in t._data.shape) + ")"


def _saved_shapes(node):
    """The shapes of the tensors a node saved for backward (empty once backward freed them)."""
    saved = node.__dict__.get("_saved") or ()
    return [_shape(t) for t in saved if getattr(t, "_data", None) is not None]


def _build(tensor, params):
    """The graph as (nodes, edges): nodes {key: (kind, [label lines])} in the order backward meets them,
    edges [(from key, to key)] from each node to the nodes its gradient flows to."""
    names = {id(p): name for name, p in (params or {}).items()}
    nodes, edges = {}, []
    root = ("tensor", id(tensor))
    nodes[root] = ("tensor", [names.get(id(tensor), "tensor"), _shape(tensor)])
    stack = []
    if tensor.grad_fn is not None:
        edges.append((root, id(tensor.grad_fn)))
        stack.append(tensor.grad_fn)
    elif tensor.requires_grad:
        nodes[root] = ("leaf", [names.get(id(tensor), ""), _shape(tensor)])
    order = []
    while stack:  # depth first, inputs in next_functions order
        fn = stack.pop()
        if id(fn) in nodes:
            continue
        if isinstance(fn, AccumulateGrad):
            var = fn.variable
            nodes[id(fn)] = ("leaf", [names.get(id(var), ""), _shape(var)])
        else:
            saved = _saved_shapes(fn)
            nodes[id(fn)] = ("node", [fn.name()] + (["saved " + ", ".join(saved)] if saved else []))
        order.append(fn)
        children = [child for child, _ in fn.next_functions if child is not None]
        edges.extend((id(fn), id(child)) for child in children)
        stack.extend(reversed(children))
    for key, (kind, lines) in nodes.items():  # drop an empty name line (an unnamed leaf)
        nodes[key] = (kind, [line for line in lines if line] or [""])
    return nodes, edges


def _layout(nodes, edges):
    """Positions: a node's layer is its longest distance from the tensor, so every edge points down;
    within a layer nodes keep the order backward meets them. Returns ({key: (x, y, w, h)}, width, height)."""
    children = {}
    for a, b in edges:
        children.setdefault(a, []).append(b)
    depth = dict.fromkeys(nodes, 0)
    changed = True
    while changed:  # longest path on a DAG by relaxation; the graph is small
        changed = False
        for a, b in edges:
            if depth[b] < depth[a] + 1:
                depth[b], changed = depth[a] + 1, True
    layers = {}
    for key in nodes:
        layers.setdefault(depth[key], []).append(key)
    sizes = {key: (max(len(line) for line in lines) * CHAR + 2 * PAD, len(lines) * LINE + 2 * PAD - 4)
             for key, (kind, lines) in nodes.items()}
    widths = {d: sum(sizes[k][0] for k in keys) + GAP_X * (len(keys) - 1) for d, keys in layers.items()}
    width = max(widths.values()) + 2 * GAP_X
    boxes, y = {}, GAP_X
    for d in sorted(layers):
        x = (width - widths[d]) / 2
        h = max(sizes[k][1] for k in layers[d])
        for key in layers[d]:
            w = sizes[key][0]
            boxes[key] = (x, y, w, sizes[key][1])
            x += w + GAP_X
        y += h + GAP_Y
    return boxes, width, y - GAP_Y + GAP_X


def _svg(nodes, edges, boxes, width, height):
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="monospace" font-size="{FONT}">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
           'orient="auto"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>']
    for a, b in edges:
        xa, ya, wa, ha = boxes[a]
        xb, yb, wb, hb = boxes[b]
        out.append(f'<g class="edge"><title>{_key(a)}-&gt;{_key(b)}</title><line x1="{xa + wa / 2:.1f}" '
                   f'y1="{ya + ha:.1f}" x2="{xb + wb / 2:.1f}" y2="{yb:.1f}" stroke="black" '
                   'marker-end="url(#arrow)"/></g>')
    for key, (kind, lines) in nodes.items():
        x, y, w, h = boxes[key]
        out.append(f'<g class="node {kind}"><title>{_key(key)}</title>'
                   f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.1f}" height="{h:.1f}" fill="{FILL[kind]}" '
                   'stroke="black"/>')
        for i, line in enumerate(lines):
            out.append(f'<text x="{x + w / 2:.1f}" y="{y + PAD + FONT - 2 + i * LINE:.1f}" '
                       f'text-anchor="middle">{escape(line, quote=False)}</text>')
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)


def _key(key):
    return f"{key[0]}{key[1]}" if isinstance(key, tuple) else f"n{key}"


def _png(path, nodes, edges, boxes, width, height):
    """The same picture drawn with matplotlib (Agg), one figure pixel per SVG pixel at dpi 100."""
    from matplotlib.figure import Figure
    from matplotlib.patches import FancyArrowPatch, Rectangle
    fig = Figure(figsize=(width / 100, height / 100), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, width)
    ax.set_ylim(height, 0)
    ax.axis("off")
    for a, b in edges:
        xa, ya, wa, ha = boxes[a]
        xb, yb, wb, hb = boxes[b]
        ax.add_patch(FancyArrowPatch((xa + wa / 2, ya + ha), (xb + wb / 2, yb), arrowstyle="-|>",
                                     mutation_scale=10, shrinkA=0, shrinkB=0))
    for key, (kind, lines) in nodes.items():
        x, y, w, h = boxes[key]
        ax.add_patch(Rectangle((x, y), w, h, facecolor=FILL[kind], edgecolor="black"))
        ax.text(x + w / 2, y + h / 2, "\n".join(lines), ha="center", va="center", family="monospace",
                fontsize=FONT * 0.72, linespacing=1.3)
    fig.savefig(path, dpi=100)


def draw_graph(tensor, path, params=None):
    """Draw the autograd graph behind `tensor` to `path` (SVG, or PNG when the name ends in .png):
    grad_fn nodes by their PyTorch names with the shapes they saved, parameter leaves by their names in
    `params` (e.g. dict(model.named_parameters())) and shapes, arrows the way gradients flow."""
    nodes, edges = _build(tensor, params)
    boxes, width, height = _layout(nodes, edges)
    if os.fspath(path).lower().endswith(".png"):
        _png(path, nodes, edges, boxes, width, height)
    else:
        with open(path, "w", encoding="utf-8") as f:
            f.write(_svg(nodes, edges, boxes, width, height))
