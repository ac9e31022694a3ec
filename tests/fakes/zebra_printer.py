"""A fake Zebra printer on 127.0.0.1: records every byte it receives and answers ~HS with chosen flags.

Like a real ZPL printer on port 9100 it takes one connection at a time, answers "~HS" at once (tilde
commands are immediate) and keeps everything else as label data. Flags can be flipped while a test
runs; `silent` makes it accept connections but never answer status (what newer firmware does when
the head is open or media is out); `stop()` takes it off the network.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field

STX, ETX = b"\x02", b"\x03"


@dataclass
class ZebraState:
    paper_out: bool = False
    paused: bool = False
    head_open: bool = False
    ribbon_out: bool = False
    buffer_full: bool = False
    thermal_transfer: bool = True
    formats_in_buffer: int = 0
    labels_remaining: int = 0
    label_length_dots: int = 1218

    def host_status(self) -> bytes:
        b = lambda flag: "1" if flag else "0"  # noqa: E731
        one = (
            f"030,{b(self.paper_out)},{b(self.paused)},{self.label_length_dots:04d},{self.formats_in_buffer:03d},"
            f"{b(self.buffer_full)},0,0,000,0,0,0"
        )
        two = (
            f"001,0,{b(self.head_open)},{b(self.ribbon_out)},{b(self.thermal_transfer)},2,4,0,"
            f"{self.labels_remaining:08d},1,000"
        )
        three = "1234,0"
        return b"".join(STX + s.encode() + ETX + b"\r\n" for s in (one, two, three))


@dataclass
class FakeZebra:
    state: ZebraState = field(default_factory=ZebraState)
    silent: bool = False  # accept, read, never answer ~HS
    jobs: list[bytes] = field(default_factory=list)  # label data per connection (~HS removed)
    status_queries: int = 0

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        self.port = self._server.getsockname()[1]
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._thread = threading.Thread(target=self._serve, name="fake-zebra", daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    @property
    def received(self) -> bytes:
        with self._lock:
            return b"".join(self.jobs)

    def wait_for(self, size: int, timeout_s: float = 3.0) -> bytes:
        """The label data once at least `size` bytes arrived (the sender does not wait for the printer)."""
        with self._arrived:
            self._arrived.wait_for(lambda: sum(map(len, self.jobs)) >= size, timeout=timeout_s)
            return b"".join(self.jobs)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                self._talk(conn)

    def _talk(self, conn: socket.socket) -> None:
        conn.settimeout(0.2)
        data = b""
        while not self._stop.is_set():
            try:
                chunk = conn.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            data += chunk
            while b"~HS" in data:
                before, _, data = data.partition(b"~HS")
                self._keep(before)
                with self._lock:
                    self.status_queries += 1
                if not self.silent:
                    conn.sendall(self.state.host_status())
        self._keep(data)

    def _keep(self, data: bytes) -> None:
        if data:
            with self._arrived:
                self.jobs.append(data)
                self._arrived.notify_all()
