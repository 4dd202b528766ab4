#!/usr/bin/env python3
"""A Beats (Lumberjack v2) test receiver: the server side of the protocol Logstash's `beats` input speaks.

Logstash is not installable here (no Elastic repository, no internet), so the Logstash sink is tested against this
stand-in. It follows the protocol as Logstash's beats input and Elastic's go-lumber server implement it:

* every frame is the version byte ``2``, a type byte and big-endian uint32 fields;
* ``W`` (window size, uint32) announces how many events the client sends before it waits for an ack;
* ``J`` (sequence uint32, length uint32, JSON payload) carries one event, sequences 1..n within a window;
* ``C`` (length uint32, zlib RFC 1950 bytes) carries further frames compressed, and is inflated and read in place;
* ``D`` (v1 key/value data frames) is refused, as a v2-only server would;
* the server answers ``2A`` + uint32 sequence once the window's last event is processed. Before that it may ack
  an earlier sequence (events up to it are processed) and, while slow, repeat it as a keep-alive.

Test controls (flags) make the failure cases reproducible:

--port N           listen on 127.0.0.1:N (0: any free port); the chosen port is printed as "PORT <n>" on stdout
--out FILE         append each received event's JSON payload as one line, in processing order
--partial-ack      ack half of each window first (sequence n//2), then the rest
--drop-after K     after processing K events of a window (and acking them), close the connection ...
--drop-times T     ... on the first T connections only (default 1)
--drop-unacked     ... without acking the events processed since the last ack (with --partial-ack, half the
                   window is acked first, so part of the window is acked, part processed and never acked, and
                   the rest sent and never read): Logstash has those in its pipeline, the client must resend them
--unacked-out FILE append the payload of every event processed and never acked, as one line, when a connection is
                   dropped (what a correct client sends twice)
--ack-delay S      wait S seconds before the final ack of each window ...
--heartbeat S      ... sending a keep-alive ack of the last acked sequence every S seconds meanwhile
--no-ack           never ack (the client must time out)

Only 127.0.0.1 is ever bound. Stdlib only.
"""

import argparse
import json
import socket
import struct
import sys
import threading
import time
import zlib


class ProtocolError(Exception):
    pass


class Stream:
    """Reads exact byte counts from a socket or from an inflated buffer."""

    def __init__(self, sock=None, data=None):
        self.sock = sock
        self.data = bytearray(data or b"")

    def read(self, n):
        while len(self.data) < n:
            if self.sock is None:
                raise ProtocolError("truncated frame inside a compressed frame")
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError
            self.data += chunk
        out = bytes(self.data[:n])
        del self.data[:n]
        return out

    def at_end(self):
        return self.sock is None and not self.data


class Connection:
    def __init__(self, sock, args, number, lock):
        self.sock = sock
        self.args = args
        self.number = number
        self.lock = lock
        self.window = 0
        self.processed = 0  # events of the current window processed
        self.acked = 0
        self.unacked = []  # payloads processed since the last ack

    def ack(self, seq):
        self.sock.sendall(b"2A" + struct.pack(">I", seq))
        self.acked = seq
        keep = self.processed - seq  # a keep-alive repeats an earlier sequence: the events after it stay unacked
        self.unacked = self.unacked[-keep:] if keep > 0 else []

    def should_drop(self):
        a = self.args
        return a.drop_after is not None and self.number < a.drop_times and self.processed >= a.drop_after

    def event(self, seq, payload):
        try:
            json.loads(payload)
        except ValueError as e:
            raise ProtocolError(f"event {seq} is not JSON: {e}")
        if seq != self.processed + 1:
            raise ProtocolError(f"sequence {seq} after {self.processed}")
        with self.lock:
            if self.args.out:
                with open(self.args.out, "ab") as f:
                    f.write(payload + b"\n")
        self.processed = seq
        self.unacked.append(payload)
        a = self.args
        if a.partial_ack and self.window >= 2 and seq == self.window // 2:
            self.ack(seq)
        if self.should_drop():
            if a.drop_unacked:
                with self.lock:
                    if a.unacked_out:
                        with open(a.unacked_out, "ab") as f:
                            f.write(b"".join(p + b"\n" for p in self.unacked))
            elif self.acked < self.processed:
                self.ack(self.processed)
            raise EOFError  # drop the connection mid-window
        if seq == self.window:
            self.finish_window()

    def finish_window(self):
        a = self.args
        if a.no_ack:
            time.sleep(3600)
        if a.ack_delay:
            deadline = time.monotonic() + a.ack_delay
            while time.monotonic() < deadline:
                step = min(a.heartbeat or a.ack_delay, deadline - time.monotonic())
                time.sleep(max(0, step))
                if a.heartbeat and time.monotonic() < deadline:
                    self.ack(self.acked)  # keep-alive: repeats the last acked sequence
        self.ack(self.window)
        self.window = 0
        self.processed = 0
        self.acked = 0
        self.unacked = []

    def frame(self, stream):
        version, kind = stream.read(2)
        if version != ord("2"):
            raise ProtocolError(f"version byte {version}")
        if kind == ord("W"):
            (self.window,) = struct.unpack(">I", stream.read(4))
            self.processed = 0
            self.acked = 0
            self.unacked = []
        elif kind == ord("J"):
            seq, length = struct.unpack(">II", stream.read(8))
            self.event(seq, stream.read(length))
        elif kind == ord("C"):
            (length,) = struct.unpack(">I", stream.read(4))
            inner = Stream(data=zlib.decompress(stream.read(length)))
            while not inner.at_end():
                self.frame(inner)
        else:
            raise ProtocolError(f"frame type {chr(kind)!r} is not supported")

    def serve(self):
        stream = Stream(sock=self.sock)
        try:
            while True:
                self.frame(stream)
        except EOFError:
            pass
        except (ProtocolError, zlib.error) as e:
            print(f"protocol error: {e}", file=sys.stderr, flush=True)
        except OSError:
            pass
        finally:
            self.sock.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--out")
    parser.add_argument("--partial-ack", action="store_true")
    parser.add_argument("--drop-after", type=int)
    parser.add_argument("--drop-times", type=int, default=1)
    parser.add_argument("--drop-unacked", action="store_true")
    parser.add_argument("--unacked-out")
    parser.add_argument("--ack-delay", type=float, default=0)
    parser.add_argument("--heartbeat", type=float, default=0)
    parser.add_argument("--no-ack", action="store_true")
    args = parser.parse_args()

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", args.port))
    server.listen(16)
    print(f"PORT {server.getsockname()[1]}", flush=True)
    lock = threading.Lock()
    number = 0
    while True:
        sock, _ = server.accept()
        threading.Thread(target=Connection(sock, args, number, lock).serve, daemon=True).start()
        number += 1


if __name__ == "__main__":
    main()
