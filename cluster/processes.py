"""Background services as detached process groups with pid files and logs in the state folder.

A service started here runs in its own session, its output appended to ``logs/<name>.log``;
``pids/<name>.json`` records its pid and command. Stopping sends SIGTERM to the process and
every descendant (flow runs start their own sessions, so the group is not enough), waits, then
SIGKILLs what is left. Only processes recorded in our pid files are ever signalled.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class ProcessRecord:
    name: str
    pid: int
    argv: list[str]
    started_at: str

    @property
    def alive(self) -> bool:
        return pid_alive(self.pid)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


def descendants(pid: int) -> list[int]:
    """Every descendant of ``pid``, read from /proc."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def signal_tree(pid: int, sig: int) -> list[int]:
    victims = [pid, *descendants(pid)]
    for p in victims:
        try:
            os.kill(p, sig)
        except ProcessLookupError:
            pass
    return victims


class ProcessTable:
    """The services this host started, by name."""

    def __init__(self, state_dir: Path) -> None:
        self.pids_dir = state_dir / "pids"
        self.logs_dir = state_dir / "logs"

    def log_path(self, name: str) -> Path:
        return self.logs_dir / f"{name}.log"

    def read(self, name: str) -> ProcessRecord | None:
        try:
            data = json.loads((self.pids_dir / f"{name}.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        return ProcessRecord(**data)

    def records(self) -> list[ProcessRecord]:
        if not self.pids_dir.exists():
            return []
        return [r for p in sorted(self.pids_dir.glob("*.json")) if (r := self.read(p.stem))]

    def start(self, name: str, argv: list[str], env: dict[str, str], cwd: Path) -> ProcessRecord:
        """Start ``argv`` detached unless a live process is already recorded under ``name``."""
        existing = self.read(name)
        if existing and existing.alive:
            return existing
        self.pids_dir.mkdir(parents=True, exist_ok=True)
        self.logs_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path(name), "ab") as log:
            log.write(f"\n--- {datetime.now(timezone.utc).isoformat()} starting: {' '.join(argv)}\n".encode())
            log.flush()
            proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True)
        record = ProcessRecord(name, proc.pid, argv, datetime.now(timezone.utc).isoformat(timespec="seconds"))
        tmp = self.pids_dir / f".{name}.tmp"
        tmp.write_text(json.dumps(record.__dict__))
        os.replace(tmp, self.pids_dir / f"{name}.json")
        return record

    def stop(self, name: str, grace_seconds: float = 20) -> bool:
        """Stop the recorded process and its descendants; returns whether one was running."""
        record = self.read(name)
        if record is None:
            return False
        was_alive = record.alive
        if was_alive:
            victims = signal_tree(record.pid, signal.SIGTERM)
            deadline = time.monotonic() + grace_seconds
            while time.monotonic() < deadline and any(pid_alive(p) for p in victims):
                _reap(record.pid)
                time.sleep(0.2)
            for p in [*victims, *descendants(record.pid)]:
                if pid_alive(p):
                    try:
                        os.kill(p, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            _reap(record.pid)
        (self.pids_dir / f"{name}.json").unlink(missing_ok=True)
        return was_alive


def _reap(pid: int) -> None:
    """Collect a child we started in this process (when `up` and `down` share one process)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def port_open(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_until(what: str, check: Callable[[], object], timeout: float, every: float = 0.5,
               log: Path | None = None) -> object:
    """Poll ``check`` until truthy; raise ``TimeoutError`` naming ``what`` (and the log) after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            value = check()
            if value:
                return value
        except Exception as exc:  # not up yet
            last = exc
        time.sleep(every)
    tail = ""
    if log and log.exists():
        tail = "\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}"
                       + (f" (last error: {last})" if last else "") + (f"; log {log}:{tail}" if log else ""))


def _bindable(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def free_loopback_ports(n: int, low: int = 20000, high: int = 45000) -> list[int]:
    """``n`` free loopback ports whose +10000 neighbours are free too (SeaweedFS's gRPC ports),
    for throw-away clusters (tests, benchmarks)."""
    ports: list[int] = []
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        start = low + probe.getsockname()[1] % (high - low)
    for port in [*range(start, high), *range(low, start)]:
        if _bindable(port) and _bindable(port + 10000) and all(abs(port - p) not in (0, 10000) for p in ports):
            ports.append(port)
            if len(ports) == n:
                return ports
    raise RuntimeError(f"fewer than {n} free loopback ports between {low} and {high}")
