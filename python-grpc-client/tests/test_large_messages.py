"""Large messages: 1 MiB and 16 MiB round trips with unary calls and with iteration, and a
payload above the server's limit (contract section 5: at least 16 MiB go through; grpcio's
4 MiB default is lifted by the client)."""

import os

import pytest

from vertx_channels.errors import MessageTooLarge

MiB = 1024 * 1024


@pytest.fixture(scope="module")
def big():
    return os.urandom(16 * MiB)


def test_one_mib_term_round_trip(client):
    ch = client.new_channel()
    data = os.urandom(MiB)
    ch.send(data)
    assert ch.info()["size"] == MiB + 6
    got = ch.receive()
    assert got == data or got == data.decode("utf-8")


def test_sixteen_mib_bytes_round_trip_unary(client, big):
    ch = client.new_byte_channel()
    ch.send_bytes(big)
    assert ch.info()["size"] == 16 * MiB
    assert ch.receive_bytes() == big


def test_sixteen_mib_bytes_through_iteration__S_EXT_CREDIT(client, big):
    """The byte window (8 MiB by default) is raised to the server's largest message, so a
    16 MiB message is pushed; smaller ones around it keep their order."""
    ch = client.new_byte_channel()
    ch.send_bytes(b"before")
    ch.send_bytes(big)
    ch.send_bytes(b"after")
    ch.close()
    got = list(ch)
    assert [len(m) for m in got] == [6, 16 * MiB, 5]
    assert got[1] == big


async def test_sixteen_mib_bytes_round_trip_aio(aclient, big):
    ch = await aclient.new_byte_channel()
    await ch.send_bytes(big)
    await ch.send_bytes(big[:MiB])
    await ch.close()
    assert await ch.receive_bytes() == big
    assert [len(m) async for m in ch] == [MiB]


def test_payload_above_the_server_limit_is_message_too_large(client):
    ch = client.new_byte_channel()
    with pytest.raises(MessageTooLarge) as e:
        ch.send_bytes(bytes(16 * MiB + 1))
    assert isinstance(e.value, ValueError)
    assert e.value.size == 16 * MiB + 1
    assert ch.info()["size"] == 0
    ch.send_bytes(b"still usable")
    assert ch.receive_bytes(0) == b"still usable"
