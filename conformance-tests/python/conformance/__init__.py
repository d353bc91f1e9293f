"""The Python engine of the vertx-channels conformance suite.

It reads the same catalogue as the Java engine (``conformance-tests/cases``), runs it on the
surfaces ``python-sync`` (``vertx_channels``) and ``python-asyncio`` (``vertx_channels.aio``)
and the ETF categories on ``etf-python`` (``vertx_channels.terms``), and serves the Java engine
as an agent for the cross-language cases. Entry point: ``run_conformance.py``.
"""
