"""A TCP proxy on 127.0.0.1 between a bench and the center, for fault tests: it can cut a
connection after a given number of response bytes (mid-response) or drop everything (a partition)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress


class TcpProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.cuts: list[int] = []  # per new connection: cut after this many server→client bytes
        self.down = False
        self.connections = 0
        self.cut_count = 0
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._stopping = False
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def partition(self) -> None:
        """Drops every open connection and refuses new ones until heal()."""
        with self._lock:
            self.down = True
            for s in list(self._open):
                _close(s)
            self._open.clear()

    def heal(self) -> None:
        with self._lock:
            self.down = False

    def close(self) -> None:
        self._stopping = True
        self.partition()
        _close(self._server)

    def _accept(self) -> None:
        while not self._stopping:
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            with self._lock:
                if self.down:
                    _close(client)
                    continue
                self.connections += 1
                limit = self.cuts.pop(0) if self.cuts else None
                try:
                    upstream = socket.create_connection(self.target, timeout=5)
                except OSError:
                    _close(client)
                    continue
                upstream.settimeout(None)
                self._open.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, limit), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if limit is not None and sent + len(data) >= limit:
                    dst.sendall(data[: max(0, limit - sent)])  # part of the answer, then the line goes dead
                    with self._lock:
                        self.cut_count += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                _close(s)
                with self._lock:
                    self._open.discard(s)


def _close(s: socket.socket) -> None:
    with suppress(OSError):
        s.shutdown(socket.SHUT_RDWR)
    s.close()


@contextmanager
def proxy_to(port: int) -> Iterator[TcpProxy]:
    p = TcpProxy(port)
    try:
        yield p
    finally:
        p.close()
