"""procstat - CPU seconds and memory of a process tree, read from /proc (Linux only).

A tree is a root process (Postfix's master, Tern's daemon JVM) and every process below it.
CPU is user+system of every live process in the tree plus what each has collected from its
reaped children (cutime+cstime), so that a Postfix smtpd that exited during a run still counts:
its time moves into the master's cutime/cstime when the master reaps it. The difference of two
samples is the CPU the tree used in between.

Memory: "rss" is the sum of the resident sets (it counts shared pages once per process, so it
overstates a many-process MTA), "pss" the sum of proportional set sizes from smaps_rollup (shared
pages split between the processes that map them: the fair sum). Pss costs more to read, so it is
taken only when asked.

Fails soft: a process that exits while being read is skipped; a tree whose root is gone samples
as empty (alive=False). Nothing here raises for a vanished process.
"""

import os

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def read_stat(pid):
    """read_stat - (ppid, cpu_ticks_with_children, start_time) of pid, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    # the command name is in parentheses and may contain spaces: split after the last ')'
    rest = data[data.rfind(b")") + 2:].split()
    # rest[0] is field 3 (state); ppid is field 4, utime..cstime fields 14..17, starttime 22
    try:
        ppid = int(rest[1])
        ticks = int(rest[11]) + int(rest[12]) + int(rest[13]) + int(rest[14])
        start = int(rest[19])
    except (IndexError, ValueError):
        return None
    return ppid, ticks, start


def children_map():
    """children_map - {ppid: [pid, ...]} for every process on the machine right now."""
    kids = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        st = read_stat(int(name))
        if st is not None:
            kids.setdefault(st[0], []).append(int(name))
    return kids


def tree_pids(root):
    """tree_pids - root and all its descendants that are alive now (root first); [] if root is gone."""
    if read_stat(root) is None:
        return []
    kids = children_map()
    out = [root]
    i = 0
    while i < len(out):
        out.extend(kids.get(out[i], ()))
        i += 1
    return out


def rss_bytes(pid):
    """rss_bytes - resident set size of pid in bytes (0 when gone)."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, IndexError, ValueError):
        return 0


def pss_bytes(pid):
    """pss_bytes - proportional set size of pid in bytes (0 when gone or unreadable)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, IndexError, ValueError):
        pass
    return 0


class Sample:
    """Sample - one look at a tree: pids, CPU seconds so far, summed RSS and (maybe) Pss."""

    def __init__(self, pids, cpu, rss, pss):
        self.pids = pids
        self.cpu = cpu
        self.rss = rss
        self.pss = pss

    @property
    def alive(self):
        return bool(self.pids)


def sample(root, with_pss=False):
    """sample - CPU, RSS and optionally Pss of the tree under root."""
    pids = tree_pids(root)
    ticks = 0
    rss = 0
    pss = 0
    for p in pids:
        st = read_stat(p)
        if st is None:
            continue
        ticks += st[1]
        rss += rss_bytes(p)
        if with_pss:
            pss += pss_bytes(p)
    return Sample(pids, ticks / CLK_TCK, rss, pss if with_pss else None)


def start_time(pid):
    """start_time - the kernel's start time of pid (to tell a pid from a reused one), or None."""
    st = read_stat(pid)
    return None if st is None else st[2]


class Peak:
    """Peak - CPU used and the largest RSS/Pss seen over a run, from samples taken along the way."""

    def __init__(self, root):
        self.root = root
        first = sample(root)
        self.cpu0 = first.cpu
        self.cpu1 = first.cpu
        self.rss = first.rss
        self.pss = 0

    def take(self, with_pss=False):
        """take - sample now and fold the result into the peaks; returns the sample."""
        s = sample(self.root, with_pss)
        if s.alive:
            # the root's cutime grows as children are reaped; a late sample never lowers the total
            self.cpu1 = max(self.cpu1, s.cpu)
            self.rss = max(self.rss, s.rss)
            if s.pss is not None:
                self.pss = max(self.pss, s.pss)
        return s

    @property
    def cpu(self):
        return self.cpu1 - self.cpu0
