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
    env.pop("VERTX_CHANNELS_TOKEN", None)
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
    proc = cli(server_target, "send", ch_id, "--progress", "--chunk-size", "1000",
               input=bytes(10_000), check=0)
    # the bar stays (leave=True): its last state, the whole transfer, is on stderr
    assert b"send stdin" in proc.stderr and proc.stderr.endswith(b"\n")
    quiet = cli(server_target, "send", ch_id, input=bytes(10), check=0)
    assert quiet.stderr == b""  # stderr is not a tty: no bar
    cli(server_target, "close", ch_id, check=0)
    got = cli(server_target, "recv", ch_id, "--count", "0", "--progress", check=0)
    assert got.stdout == bytes(10_010) and b"recv" in got.stderr


def test_bad_arguments_fail_before_connecting_without_traceback():
    # nothing listens on port 9: every one of these must fail on its arguments, not connect
    for args in (["send", "x", "--chunk-size", "0"], ["recv", "x", "--count", "-1"],
                 ["new", "--max-size", "-5"], ["--connect-timeout", "0", "new"],
                 ["--tls-ca", "/no/such/ca.pem", "new"]):
        proc = cli("127.0.0.1:9", *args)
        assert proc.returncode == 2, (args, proc.stderr)
        assert b"Traceback" not in proc.stderr and b"error:" in proc.stderr


def test_unknown_channel_is_one_line_exit_3(server_target):
    for command in ("info", "close", "recv"):
        proc = cli(server_target, command, "no-such-channel")
        assert proc.returncode == 3
        assert proc.stderr.decode().count("\n") == 1 and b"not found" in proc.stderr
    proc = cli(server_target, "send", "no-such-channel", input=b"data")
    assert proc.returncode == 3 and b"Traceback" not in proc.stderr


def test_missing_input_file_is_a_usage_error(server_target, tmp_path):
    ch_id = cli(server_target, "new", "--bytes", check=0).stdout.decode().strip()
    proc = cli(server_target, "send", ch_id, "--file", str(tmp_path / "absent.bin"))
    assert proc.returncode == 2 and b"absent.bin" in proc.stderr and b"Traceback" not in proc.stderr


def test_a_token_without_tls_is_refused_for_a_remote_target():
    proc = cli("192.0.2.1:9090", "--token", "secret-token", "new")
    assert proc.returncode == 2 and b"TLS" in proc.stderr


def test_the_console_script_is_declared():
    tomllib = pytest.importorskip("tomllib")
    with open(os.path.join(CLIENT_DIR, "pyproject.toml"), "rb") as f:
        scripts = tomllib.load(f)["project"]["scripts"]
    module, _, func = scripts["vertx-channels"].partition(":")
    assert module == "vertx_channels.__main__" and func == "main"
    import vertx_channels.__main__ as cli_module
    assert callable(getattr(cli_module, func))


def test_send_uses_one_producer_stream(server_target, tmp_path, monkeypatch, capsys):
    """The CLI streams a file with send_many + flush, never a unary send per chunk."""
    from vertx_channels import __main__ as cli_module
    calls = []
    real_send_many = vertx_channels.ByteChannel.send_many
    real_flush = vertx_channels.ByteChannel.flush

    def send_many(self, items, *a, **kw):
        calls.append("send_many")
        return real_send_many(self, items, *a, **kw)

    def flush(self, *a, **kw):
        calls.append("flush")
        return real_flush(self, *a, **kw)

    def send_bytes(self, *a, **kw):
        raise AssertionError("the CLI sent a chunk with a unary send_bytes")

    monkeypatch.setattr(vertx_channels.ByteChannel, "send_many", send_many)
    monkeypatch.setattr(vertx_channels.ByteChannel, "flush", flush)
    monkeypatch.setattr(vertx_channels.ByteChannel, "send_bytes", send_bytes)
    data = os.urandom(1_000_000)
    f = tmp_path / "big.bin"
    f.write_bytes(data)
    with vertx_channels.connect(server_target) as client:
        ch = client.new_byte_channel()
        rc = cli_module.main(["--target", server_target, "send", ch.id, "--file", str(f),
                              "--chunk-size", "16384", "--no-progress"])
        assert rc == 0 and calls == ["send_many", "flush"]
        assert ch.info()["messages"] == -(-len(data) // 16384)
        ch.close()
        assert b"".join(ch) == data


# ------------------------------------------------------------------------ TLS and a token

TOKEN = "cli-test-token-0123456789abcdef"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    from test_security import SecureServer, make_certificate
    cert, key = make_certificate(tmp_path_factory.mktemp("cli-tls"))
    server = SecureServer({"tls": {"cert": str(cert), "key": str(key)}, "auth_tokens": [TOKEN]})
    yield f"127.0.0.1:{server.port}", cert
    server.stop()


def test_tls_ca_and_token_flag_or_env(tls_server):
    target, cert = tls_server
    ch_id = cli(target, "--tls-ca", str(cert), "--token", TOKEN, "new", "--bytes",
                check=0).stdout.decode().strip()
    cli(target, "--tls-ca", str(cert), "--token", TOKEN, "send", ch_id, input=b"over tls", check=0)
    env_token = cli_env(target, {"VERTX_CHANNELS_TOKEN": TOKEN}, "--tls-ca", str(cert),
                        "recv", ch_id)
    assert env_token.returncode == 0 and env_token.stdout == b"over tls"


def test_tls_server_refuses_a_missing_or_wrong_token_in_one_line(tls_server):
    target, cert = tls_server
    for extra in ([], ["--token", "wrong-token-0123456789"]):
        proc = cli(target, "--tls-ca", str(cert), *extra, "new")
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.decode().count("\n") == 1 and b"UNAUTHENTICATED" in proc.stderr
    no_tls = cli(target, "--connect-timeout", "1", "--token", TOKEN, "new")
    assert no_tls.returncode == 1 and b"could not connect" in no_tls.stderr


def cli_env(target, extra_env, *args):
    env = dict(os.environ, **extra_env)
    env["PYTHONPATH"] = os.pathsep.join([CLIENT_DIR, env.get("PYTHONPATH", "")])
    env.pop("VERTX_CHANNELS_TARGET", None)
    return subprocess.run([sys.executable, "-m", "vertx_channels", "--target", target, *args],
                          capture_output=True, env=env, timeout=60)
