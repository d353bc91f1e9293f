"""The command line, `python3 -m vertx_channels`, run as a user would (subprocesses)."""

import json
import os
import subprocess
import sys

import pytest

import vertx_channels

CLIENT_DIR = os.path.dirname(os.path.dirname(vertx_channels.__file__))


def cli(target, *args, input=None, check=None):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([CLIENT_DIR, env.get("PYTHONPATH", "")])
    env.pop("VERTX_CHANNELS_TARGET", None)
    cmd = [sys.executable, "-m", "vertx_channels"]
    if target is not None:
        cmd += ["--target", target]
    proc = subprocess.run(cmd + list(args), input=input, capture_output=True, env=env,
                          timeout=60)
    if check is not None:
        assert proc.returncode == check, proc.stderr.decode()
    return proc


def test_bytes_pipeline_new_send_close_recv_info(server_target, tmp_path):
    ch_id = cli(server_target, "new", "--bytes", check=0).stdout.decode().strip()
    data = os.urandom(300_000)
    cli(server_target, "send", ch_id, "-", "--chunk-size", "65536", input=data, check=0)
    info = json.loads(cli(server_target, "info", ch_id, check=0).stdout)
    assert info["size"] == len(data) and info["messages"] == 5 and info["kind"] == "bytes"
    f = tmp_path / "more.bin"
    f.write_bytes(b"tail")
    cli(server_target, "send", ch_id, "--file", str(f), check=0)
    cli(server_target, "close", ch_id, check=0)
    out = cli(server_target, "recv", ch_id, "--count", "0", check=0).stdout
    assert out == data + b"tail"


def test_term_send_and_recv_prints_repr(server_target):
    ch_id = cli(server_target, "new", "--max-size", "1000", check=0).stdout.decode().strip()
    cli(server_target, "send", ch_id, "--term", "('ok', [1, 2.5, b'\\xff'], {'k': None})",
        check=0)
    cli(server_target, "send", ch_id, "--atom", "hello", check=0)
    out = cli(server_target, "recv", ch_id, "--count", "2", "--timeout-ms", "1000",
              check=0).stdout.decode()
    assert out.splitlines() == ["('ok', [1, 2.5, b'\\xff'], {'k': None})", "Atom('hello')"]
    assert json.loads(cli(server_target, "info", ch_id, check=0).stdout)["max_size"] == 1000


def test_exit_codes(server_target):
    assert cli(server_target, "info", "no-such-channel").returncode == 3
    ch_id = cli(server_target, "new", check=0).stdout.decode().strip()
    timeout = cli(server_target, "recv", ch_id, "--timeout-ms", "10")
    assert timeout.returncode == 5 and timeout.stderr.decode().count("\n") == 1
    bad_term = cli(server_target, "send", ch_id, "--term", "open('x')")
    assert bad_term.returncode == 2
    missing_term = cli(server_target, "send", ch_id, input=b"x")
    assert missing_term.returncode == 2 and b"term channel" in missing_term.stderr
    cli(server_target, "close", ch_id, check=0)
    closed = cli(server_target, "send", ch_id, "--atom", "x")
    assert closed.returncode == 4 and b"closed" in closed.stderr
    assert cli(server_target, "recv", ch_id).returncode == 4
    assert cli(server_target, "recv", ch_id, "--count", "0").returncode == 0


def test_usage_errors_exit_2(server_target):
    assert cli(server_target).returncode == 2
    assert cli(server_target, "frobnicate").returncode == 2
    assert cli(server_target, "new", "--max-size", "ten").returncode == 2
    bch = cli(server_target, "new", "--bytes", check=0).stdout.decode().strip()
    assert cli(server_target, "send", bch, "--term", "1").returncode == 2


def test_unreachable_server_exits_1_with_one_line():
    proc = cli("127.0.0.1:9", "--connect-timeout", "0.3", "new")
    assert proc.returncode == 1
    assert proc.stderr.decode().strip().count("\n") == 0
    assert b"could not connect" in proc.stderr


def test_progress_bar_on_request(server_target):
    pytest.importorskip("tqdm")
    ch_id = cli(server_target, "new", "--bytes", check=0).stdout.decode().strip()
    proc = cli(server_target, "--progress", "send", ch_id, "--chunk-size", "1000",
               input=bytes(10_000), check=0)
    assert b"send" in proc.stderr
    quiet = cli(server_target, "send", ch_id, input=bytes(10), check=0)
    assert quiet.stderr == b""  # stderr is not a tty: no bar
