"""The machine line every benchmark prints, so README figures say where they were measured."""

from __future__ import annotations

import os
import platform


def machine() -> str:
    """CPU model, logical and usable CPUs, OS, Python and the numeric libraries' versions."""
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            cpu = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                cpu,
            )
    except OSError:
        pass
    import numpy as np
    import pandas as pd

    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{cpu}, {os.cpu_count()} logical CPUs ({usable} usable), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}"
    )
