"""The public names of the package are exactly the documented ones (explicit __all__)."""

import vertx_channels
import vertx_channels.aio
import vertx_channels.errors
import vertx_channels.terms

EXCEPTIONS = [
    "ChannelError", "ChannelClosed", "ByteChannelClosed", "ChannelBusy", "MessageTooLarge",
    "InvalidArgument", "ChannelNotFound", "WrongChannelKind", "ConnectionLost", "OwnerLost", "LimitExceeded", "Unauthenticated",
    "DeadlineExceeded", "ClientClosed", "SendFailed",
]


def test_package_all_is_exactly_the_public_api():
    assert sorted(vertx_channels.__all__) == sorted(
        ["__version__", "connect", "Client", "Channel", "ByteChannel", "Atom", "ImproperList",
         "errors", "terms"] + EXCEPTIONS)


def test_every_exported_name_exists_and_is_public():
    for module in (vertx_channels, vertx_channels.aio, vertx_channels.errors):
        assert len(set(module.__all__)) == len(module.__all__), module.__name__
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
            member = getattr(module, name)
            if hasattr(member, "__module__") and isinstance(member, type):
                assert member.__module__.startswith("vertx_channels"), name
                assert not member.__module__.split(".")[-1] == "__main__"


def test_aio_mirrors_the_sync_api_by_name():
    """The aio package exports exactly what the sync package does, the same objects (Atom,
    ImproperList, terms, errors, __version__ and every exception)."""
    assert sorted(vertx_channels.aio.__all__) == sorted(vertx_channels.__all__)
    for name in vertx_channels.__all__:
        if name in ("connect", "Client", "Channel", "ByteChannel"):
            continue
        assert getattr(vertx_channels.aio, name) is getattr(vertx_channels, name), name
    for cls in ("Client", "Channel", "ByteChannel"):
        sync_names = {n for n in dir(getattr(vertx_channels, cls)) if not n.startswith("_")}
        aio_names = {n for n in dir(getattr(vertx_channels.aio, cls)) if not n.startswith("_")}
        assert sync_names == aio_names, cls


def test_channel_and_bytechannel_use_erlang_python_names():
    ch, bch = vertx_channels.Channel, vertx_channels.ByteChannel
    for name in ("send", "receive", "try_receive", "async_receive", "close", "info", "id"):
        assert hasattr(ch, name), name
    for name in ("send_bytes", "receive_bytes", "try_receive_bytes", "async_receive_bytes",
                 "close", "info", "id"):
        assert hasattr(bch, name), name
    for cls in (ch, bch):
        for dunder in ("__iter__", "__aiter__", "__anext__", "__enter__", "__exit__"):
            assert hasattr(cls, dunder), (cls, dunder)
    for cls in (vertx_channels.aio.Channel, vertx_channels.aio.ByteChannel):
        for dunder in ("__aiter__", "__anext__", "__aenter__", "__aexit__"):
            assert hasattr(cls, dunder), (cls, dunder)


def test_errors_are_shared_between_sync_and_aio():
    for name in EXCEPTIONS:
        assert getattr(vertx_channels, name) is getattr(vertx_channels.errors, name)
        assert getattr(vertx_channels.aio, name) is getattr(vertx_channels.errors, name)


def test_terms_codec_is_public():
    for name in ("binary_to_term", "term_to_binary", "Atom", "ImproperList", "Pid", "Ref",
                 "Port", "Fun", "BitString", "ETFDecodeError"):
        assert name in vertx_channels.terms.__all__


def test_py_typed_marker_is_shipped():
    import pathlib
    assert (pathlib.Path(vertx_channels.__file__).parent / "py.typed").exists()
