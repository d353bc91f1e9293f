"""A consumer process killed with SIGKILL in the middle of an iteration loses nothing: the
server returns what it had pushed but not seen acknowledged to the head of the channel, and a
second consumer gets every remaining message in order (S-EXT-REDELIVER, S-FIX-CANCEL)."""

import os
import signal
import subprocess
import sys
import time

import pytest

import vertx_channels

CONSUMER = r"""
import sys, time
import vertx_channels
target, channel_id = sys.argv[1], sys.argv[2]
with vertx_channels.connect(target, credit_messages=16) as client:
    for m in client.byte_channel(channel_id):
        sys.stdout.write(m.decode() + "\n")
        sys.stdout.flush()
        time.sleep(0.002)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_consumer_killed_mid_stream_loses_nothing__S_EXT_REDELIVER(client, server_target):
    n_messages = 400
    ch = client.new_byte_channel()
    for i in range(n_messages):
        ch.send_bytes(b"%d" % i)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [os.path.dirname(os.path.dirname(vertx_channels.__file__)), env.get("PYTHONPATH", "")])
    proc = subprocess.Popen([sys.executable, "-c", CONSUMER, server_target, ch.id],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    first = []
    try:
        assert proc.stdout is not None
        while len(first) < 60:
            line = proc.stdout.readline()
            if not line:
                break
            first.append(int(line))
    finally:
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
    first += [int(x) for x in out.split()]  # what it printed before it died
    assert len(first) >= 60, err
    assert proc.returncode == -signal.SIGKILL
    assert first == list(range(len(first)))

    # The server notices the broken connection and gives back what the dead stream held.
    deadline = time.monotonic() + 30
    while ch.info()["waiting_receivers"] > 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    ch.close()
    second = [int(m) for m in ch]

    assert set(first) | set(second) == set(range(n_messages))
    assert second == list(range(second[0], n_messages))  # the rest, in order, from the head
    assert second[0] <= len(first)  # messages it printed but had not acknowledged come again
