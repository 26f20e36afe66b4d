"""A child process the system starts (nats-server, a service): stopped politely or crashed."""

from __future__ import annotations

import os
import signal
import subprocess
from abc import ABC, abstractmethod
from typing import Self


class ManagedProcess(ABC):
    process: subprocess.Popen[bytes] | None = None
    stop_timeout: float = 15.0

    @abstractmethod
    def start(self) -> Self:
        """Start the process and return once it serves."""

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it does not leave in time."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: a crash, not a shutdown; no chance to flush or acknowledge anything."""
        if self.process and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
