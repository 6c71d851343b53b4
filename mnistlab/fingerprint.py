"""Where a run was trained: what sets its rounding (processor, vector instructions, torch, threads, device).

Two runs of one config are the same to the last bit only where these all match: another processor or another vector
instruction set sums a matrix product in another order, another thread count splits it differently. Elsewhere a retrain
differs by rounding, which five epochs of Adam grow to the size of a change of seed.
"""
from __future__ import annotations

import functools
import platform
import subprocess
from pathlib import Path

import torch

from . import i18n

UNKNOWN = "unknown"
FIELDS = ("cpu", "isa", "torch", "threads", "device")  # what a fingerprint holds; all must match for equal bits


@functools.lru_cache(maxsize=1)
def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """The processor's model name: Linux's /proc/cpuinfo, macOS's sysctl, else what the platform module says; 'unknown'
    where that names an architecture only ('x86_64', 'arm'): two machines of one architecture may round differently."""
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            if line.lower().startswith(("model name", "hardware")) and ":" in line and line.split(":", 1)[1].strip():
                return line.split(":", 1)[1].strip()
    except OSError:  # not Linux: the platform's own name for it
        pass
    if platform.system() == "Darwin":
        try:
            named = subprocess.run(["sysctl", "-n", "machdep.cpu.brand_string"], capture_output=True, text=True,
                                   timeout=5).stdout.strip()
            if named:
                return named
        except (OSError, subprocess.SubprocessError):
            pass
    named = platform.processor()
    return named if named and named.lower() not in (platform.machine().lower(), "arm", "i386") else UNKNOWN


def this_machine(device: str = "cpu") -> dict:
    """This process's fingerprint now: inside train() the thread count is the run's own (mnistlab.training)."""
    on = str(device)
    if on.startswith("cuda") and torch.cuda.is_available():
        on = torch.cuda.get_device_name(torch.device(on))
    return {"cpu": cpu_model(), "isa": torch.backends.cpu.get_cpu_capability(), "torch": torch.__version__,
            "threads": torch.get_num_threads(), "device": on}


def known(fingerprint: dict | None) -> bool:
    """A fingerprint with every field recorded (runs and lessons saved before fingerprints have none)."""
    return isinstance(fingerprint, dict) and all(fingerprint.get(key) not in (None, "", UNKNOWN) for key in FIELDS)


def bit_comparable(first: dict | None, second: dict | None) -> bool:
    """Whether two runs of one config trained on these can be expected to be equal bit for bit."""
    return known(first) and known(second) and all(first[key] == second[key] for key in FIELDS)


def valid(fingerprint) -> bool:
    """What a file may hold for it: nothing, or an object of text and counts."""
    return fingerprint is None or (isinstance(fingerprint, dict) and all(
        isinstance(key, str) and (value is None or isinstance(value, (str, int)) and not isinstance(value, bool))
        for key, value in fingerprint.items()))


def described(fingerprint: dict | None, lang: str = "en") -> str:
    """Where a run trained, for a reader: 'AMD EPYC (AVX512, torch 2.14.1, 2 threads)'; 'a processor not recorded'."""
    if not isinstance(fingerprint, dict) or not fingerprint.get("cpu") or fingerprint.get("cpu") == UNKNOWN:
        return i18n.text(lang, "trained_on.unknown")
    threads = fingerprint.get("threads")
    threads = i18n.count(threads, "thread", lang) if isinstance(threads, int) else f"{UNKNOWN} threads"
    return i18n.text(lang, "trained_on.known", cpu=fingerprint["cpu"], isa=fingerprint.get("isa") or UNKNOWN,
                     torch=fingerprint.get("torch") or UNKNOWN, threads=threads)
