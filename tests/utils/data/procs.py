"""The processes of this machine as /proc shows them (no torch import: loader_cases.py runs it bare)."""
import os


def processes():
    """(pid, state letter, parent pid, process group) of every process."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    state, ppid, pgrp = f.read().rsplit(")", 1)[1].split()[:3]
            except (OSError, ValueError):
                continue
            yield int(entry), state, int(ppid), int(pgrp)


def group_members(pgid):
    """Processes still alive (not zombies) in process group pgid."""
    return [pid for pid, state, _, pgrp in processes() if pgrp == pgid and state != "Z"]
