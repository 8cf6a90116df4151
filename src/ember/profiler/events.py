"""The profiler's results as torch.autograd.profiler_util has them: FunctionEvent (one timed call),
FunctionEventAvg (calls grouped by name, and input shapes if asked) and EventList with `table()`."""
import json
import os

_NAME_WIDTH, _SHAPES_WIDTH, _COLUMN, _SPACING = 55, 80, 12, 2


class FunctionEvent:
    """One timed call: its name, start/end in microseconds, input shapes, its parent and children."""

    def __init__(self, name, start_us, end_us, input_shapes=(), is_user_annotation=False, thread=0, memory=0):
        self.name = self.key = name
        self.start_us, self.end_us = start_us, end_us
        self.input_shapes = list(input_shapes)
        self.is_user_annotation = is_user_annotation
        self.thread = thread
        self.cpu_parent, self.cpu_children = None, []
        self.cpu_memory_usage = memory
        self.count = 1
        self.stack = []

    @property
    def cpu_time_total(self):
        return self.end_us - self.start_us

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    @property
    def self_cpu_memory_usage(self):
        return self.cpu_memory_usage - sum(c.cpu_memory_usage for c in self.cpu_children)

    @property
    def cpu_time(self):
        return self.cpu_time_total

    def __repr__(self):
        return (f"<FunctionEvent name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
                f"input_shapes={self.input_shapes}>")


class FunctionEventAvg:
    """Every call of one op (one name, and one list of input shapes when grouped by them)."""

    def __init__(self, key, input_shapes):
        self.key, self.input_shapes = key, input_shapes
        self.count = 0
        self.cpu_time_total = self.self_cpu_time_total = 0.0
        self.cpu_memory_usage = self.self_cpu_memory_usage = 0
        self.is_user_annotation = False
        self.stack = []

    def add(self, evt):
        self.count += evt.count
        self.cpu_time_total += evt.cpu_time_total
        self.self_cpu_time_total += evt.self_cpu_time_total
        self.cpu_memory_usage += evt.cpu_memory_usage
        self.self_cpu_memory_usage += evt.self_cpu_memory_usage
        self.is_user_annotation = evt.is_user_annotation
        return self

    @property
    def cpu_time(self):
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time={_format_time(self.self_cpu_time_total)} "
                f"cpu_time={_format_time(self.cpu_time)} input_shapes={self.input_shapes}>")


def _format_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _format_memory(nbytes):
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if abs(nbytes) >= size:
            return f"{nbytes / size:.2f} {unit}"
    return f"{nbytes} B"


def _share(part, whole):
    return "NaN" if whole == 0 else f"{part * 100.0 / whole:.2f}%"


class EventList(list):
    """A list of events with torch's `table()`, `key_averages()`, `total_average()` and `export_chrome_trace()`."""

    def __init__(self, *args, profile_memory=False, with_shapes=False):
        super().__init__(*args)
        self._profile_memory, self._with_shapes = profile_memory, with_shapes

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        groups = {}
        for evt in self:
            key = (evt.key, str(evt.input_shapes) if group_by_input_shape else None)
            groups.setdefault(key, FunctionEventAvg(evt.key, evt.input_shapes if group_by_input_shape else []))
            groups[key].add(evt)
        return EventList(groups.values(), profile_memory=self._profile_memory, with_shapes=group_by_input_shape)

    def total_average(self):
        total = FunctionEventAvg("Total", [])
        for evt in self:
            total.add(evt)
        return total

    def table(self, sort_by=None, row_limit=100, max_src_column_width=75, max_name_column_width=55,
              max_shapes_column_width=80, header=None, top_level_events_only=False, time_unit=None):
        """The text table torch.profiler prints: name, self/total CPU time and shares, calls (and memory,
        input shapes when recorded), sorted by `sort_by` descending."""
        events = list(self)
        if top_level_events_only:
            events = [e for e in events if getattr(e, "cpu_parent", None) is None]
        if not events:
            return ""
        # column widths come from every event, as torch's do, before sorting and cutting
        name_w = min(max(len(e.key) for e in events) + 4, max_name_column_width or 10 ** 9)
        headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg"]
        widths = [name_w] + [_COLUMN] * 5
        if self._profile_memory:
            headers += ["CPU Mem", "Self CPU Mem"]
            widths += [_COLUMN] * 2
        headers.append("# of Calls")
        widths.append(_COLUMN)
        if self._with_shapes:
            headers.append("Input Shapes")
            widths.append(min(max(len(str(e.input_shapes)) for e in events) + 4, max_shapes_column_width))
        if sort_by is not None:
            events.sort(key=lambda e: getattr(e, sort_by.replace("cpu_time_avg", "cpu_time")), reverse=True)
        if row_limit is not None and row_limit > 0:
            events = events[:row_limit]
        row = "".join("{:>" + str(w) + "}" + " " * _SPACING for w in widths)
        sep = "".join("-" * w + " " * _SPACING for w in widths)
        total = sum(e.self_cpu_time_total for e in self)
        lines = []
        if header is not None:
            width = sum(widths) + _SPACING * (len(widths) - 1)
            lines += ["=" * width, header, "=" * width]
        lines += [sep, row.format(*headers), sep]
        for e in events:
            name = e.key
            if max_name_column_width is not None and len(name) >= max_name_column_width - 3:
                name = name[:max_name_column_width - 3] + "..."
            values = [name, _share(e.self_cpu_time_total, total), _format_time(e.self_cpu_time_total),
                      _share(e.cpu_time_total, total), _format_time(e.cpu_time_total), _format_time(e.cpu_time)]
            if self._profile_memory:
                values += [_format_memory(e.cpu_memory_usage), _format_memory(e.self_cpu_memory_usage)]
            values.append(e.count)
            if self._with_shapes:
                values.append(str(e.input_shapes)[:widths[-1]])
            lines.append(row.format(*values))
        lines += [sep, f"Self CPU time total: {_format_time(total)}", ""]
        return "\n".join(lines)

    def __str__(self):
        return self.table()

    def export_chrome_trace(self, path):
        """Write the events as a Chrome trace (JSON, complete events in microseconds)."""
        pid = os.getpid()
        trace = {"schemaVersion": 1, "deviceProperties": [], "traceEvents": [
            {"ph": "X", "cat": "user_annotation" if e.is_user_annotation else "cpu_op", "name": e.name,
             "pid": pid, "tid": e.thread, "ts": e.start_us, "dur": e.cpu_time_total,
             "args": {"Input Dims": e.input_shapes} if e.input_shapes else {}}
            for e in self if isinstance(e, FunctionEvent)], "traceName": str(path)}
        with open(path, "w") as f:
            json.dump(trace, f)
