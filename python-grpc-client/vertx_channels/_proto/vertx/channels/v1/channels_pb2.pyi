from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

CHANNEL_KIND_BYTES: ChannelKind
CHANNEL_KIND_TERM: ChannelKind
CHANNEL_KIND_UNSPECIFIED: ChannelKind
DESCRIPTOR: _descriptor.FileDescriptor
RECEIVE_STATUS_CLOSED: ReceiveStatus
RECEIVE_STATUS_EMPTY: ReceiveStatus
RECEIVE_STATUS_MESSAGE: ReceiveStatus
RECEIVE_STATUS_TIMEOUT: ReceiveStatus
RECEIVE_STATUS_UNSPECIFIED: ReceiveStatus
SEND_RESULT_BUSY: SendResult
SEND_RESULT_CLOSED: SendResult
SEND_RESULT_INVALID: SendResult
SEND_RESULT_LIMIT: SendResult
SEND_RESULT_OK: SendResult
SEND_RESULT_TIMEOUT: SendResult
SEND_RESULT_TOO_LARGE: SendResult
SEND_RESULT_UNSPECIFIED: SendResult

class Ack(_message.Message):
    __slots__ = ["up_to_seq"]
    UP_TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    up_to_seq: int
    def __init__(self, up_to_seq: _Optional[int] = ...) -> None: ...

class AttachRequest(_message.Message):
    __slots__ = ["channel_id", "expected_kind"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_KIND_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    expected_kind: ChannelKind
    def __init__(self, channel_id: _Optional[str] = ..., expected_kind: _Optional[_Union[ChannelKind, str]] = ...) -> None: ...

class AttachResponse(_message.Message):
    __slots__ = ["info"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: ChannelInfo
    def __init__(self, info: _Optional[_Union[ChannelInfo, _Mapping]] = ...) -> None: ...

class ChannelClosed(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ChannelInfo(_message.Message):
    __slots__ = ["closed", "id", "in_flight_bytes", "kind", "max_size", "messages", "reserved_bytes", "size", "waiting_receivers", "waiting_senders"]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IN_FLIGHT_BYTES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    RESERVED_BYTES_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    WAITING_RECEIVERS_FIELD_NUMBER: _ClassVar[int]
    WAITING_SENDERS_FIELD_NUMBER: _ClassVar[int]
    closed: bool
    id: str
    in_flight_bytes: int
    kind: ChannelKind
    max_size: int
    messages: int
    reserved_bytes: int
    size: int
    waiting_receivers: int
    waiting_senders: int
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[ChannelKind, str]] = ..., size: _Optional[int] = ..., max_size: _Optional[int] = ..., closed: bool = ..., messages: _Optional[int] = ..., waiting_receivers: _Optional[int] = ..., waiting_senders: _Optional[int] = ..., reserved_bytes: _Optional[int] = ..., in_flight_bytes: _Optional[int] = ...) -> None: ...

class ClientFrame(_message.Message):
    __slots__ = ["ack", "credit", "open", "release", "reserve", "send"]
    ACK_FIELD_NUMBER: _ClassVar[int]
    CREDIT_FIELD_NUMBER: _ClassVar[int]
    OPEN_FIELD_NUMBER: _ClassVar[int]
    RELEASE_FIELD_NUMBER: _ClassVar[int]
    RESERVE_FIELD_NUMBER: _ClassVar[int]
    SEND_FIELD_NUMBER: _ClassVar[int]
    ack: Ack
    credit: Credit
    open: OpenStream
    release: Release
    reserve: Reserve
    send: Send
    def __init__(self, open: _Optional[_Union[OpenStream, _Mapping]] = ..., credit: _Optional[_Union[Credit, _Mapping]] = ..., ack: _Optional[_Union[Ack, _Mapping]] = ..., release: _Optional[_Union[Release, _Mapping]] = ..., send: _Optional[_Union[Send, _Mapping]] = ..., reserve: _Optional[_Union[Reserve, _Mapping]] = ...) -> None: ...

class CloseRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class CloseResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class CreateRequest(_message.Message):
    __slots__ = ["kind", "max_size"]
    KIND_FIELD_NUMBER: _ClassVar[int]
    MAX_SIZE_FIELD_NUMBER: _ClassVar[int]
    kind: ChannelKind
    max_size: int
    def __init__(self, kind: _Optional[_Union[ChannelKind, str]] = ..., max_size: _Optional[int] = ...) -> None: ...

class CreateResponse(_message.Message):
    __slots__ = ["info"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: ChannelInfo
    def __init__(self, info: _Optional[_Union[ChannelInfo, _Mapping]] = ...) -> None: ...

class Credit(_message.Message):
    __slots__ = ["bytes", "messages"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    messages: int
    def __init__(self, messages: _Optional[int] = ..., bytes: _Optional[int] = ...) -> None: ...

class Deliveries(_message.Message):
    __slots__ = ["first_seq", "payloads"]
    FIRST_SEQ_FIELD_NUMBER: _ClassVar[int]
    PAYLOADS_FIELD_NUMBER: _ClassVar[int]
    first_seq: int
    payloads: _containers.RepeatedScalarFieldContainer[bytes]
    def __init__(self, first_seq: _Optional[int] = ..., payloads: _Optional[_Iterable[bytes]] = ...) -> None: ...

class InfoRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class InfoResponse(_message.Message):
    __slots__ = ["info"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    info: ChannelInfo
    def __init__(self, info: _Optional[_Union[ChannelInfo, _Mapping]] = ...) -> None: ...

class OpenStream(_message.Message):
    __slots__ = ["channel_id", "expected_kind", "initial_credit_bytes", "initial_credit_messages", "reserve_bytes", "reserve_messages", "revocable"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_KIND_FIELD_NUMBER: _ClassVar[int]
    INITIAL_CREDIT_BYTES_FIELD_NUMBER: _ClassVar[int]
    INITIAL_CREDIT_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    RESERVE_BYTES_FIELD_NUMBER: _ClassVar[int]
    RESERVE_MESSAGES_FIELD_NUMBER: _ClassVar[int]
    REVOCABLE_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    expected_kind: ChannelKind
    initial_credit_bytes: int
    initial_credit_messages: int
    reserve_bytes: int
    reserve_messages: int
    revocable: bool
    def __init__(self, channel_id: _Optional[str] = ..., expected_kind: _Optional[_Union[ChannelKind, str]] = ..., initial_credit_messages: _Optional[int] = ..., initial_credit_bytes: _Optional[int] = ..., reserve_bytes: _Optional[int] = ..., reserve_messages: _Optional[int] = ..., revocable: bool = ...) -> None: ...

class Opened(_message.Message):
    __slots__ = ["info", "max_message_bytes"]
    INFO_FIELD_NUMBER: _ClassVar[int]
    MAX_MESSAGE_BYTES_FIELD_NUMBER: _ClassVar[int]
    info: ChannelInfo
    max_message_bytes: int
    def __init__(self, info: _Optional[_Union[ChannelInfo, _Mapping]] = ..., max_message_bytes: _Optional[int] = ...) -> None: ...

class ReceiveRequest(_message.Message):
    __slots__ = ["channel_id", "timeout_ms"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    timeout_ms: int
    def __init__(self, channel_id: _Optional[str] = ..., timeout_ms: _Optional[int] = ...) -> None: ...

class ReceiveResponse(_message.Message):
    __slots__ = ["payload", "status"]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    payload: bytes
    status: ReceiveStatus
    def __init__(self, status: _Optional[_Union[ReceiveStatus, str]] = ..., payload: _Optional[bytes] = ...) -> None: ...

class Release(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Released(_message.Message):
    __slots__ = ["returned", "up_to_seq"]
    RETURNED_FIELD_NUMBER: _ClassVar[int]
    UP_TO_SEQ_FIELD_NUMBER: _ClassVar[int]
    returned: int
    up_to_seq: int
    def __init__(self, up_to_seq: _Optional[int] = ..., returned: _Optional[int] = ...) -> None: ...

class Reserve(_message.Message):
    __slots__ = ["bytes", "messages"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    messages: int
    def __init__(self, bytes: _Optional[int] = ..., messages: _Optional[int] = ...) -> None: ...

class Revoke(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class Send(_message.Message):
    __slots__ = ["first_seq", "payloads", "reserved", "timeout_ms", "wait"]
    FIRST_SEQ_FIELD_NUMBER: _ClassVar[int]
    PAYLOADS_FIELD_NUMBER: _ClassVar[int]
    RESERVED_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    first_seq: int
    payloads: _containers.RepeatedScalarFieldContainer[bytes]
    reserved: bool
    timeout_ms: int
    wait: bool
    def __init__(self, first_seq: _Optional[int] = ..., payloads: _Optional[_Iterable[bytes]] = ..., wait: bool = ..., timeout_ms: _Optional[int] = ..., reserved: bool = ...) -> None: ...

class SendCredit(_message.Message):
    __slots__ = ["bytes", "messages", "reset"]
    BYTES_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    RESET_FIELD_NUMBER: _ClassVar[int]
    bytes: int
    messages: int
    reset: bool
    def __init__(self, bytes: _Optional[int] = ..., messages: _Optional[int] = ..., reset: bool = ...) -> None: ...

class SendRequest(_message.Message):
    __slots__ = ["channel_id", "payload", "timeout_ms", "wait"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_MS_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    payload: bytes
    timeout_ms: int
    wait: bool
    def __init__(self, channel_id: _Optional[str] = ..., payload: _Optional[bytes] = ..., wait: bool = ..., timeout_ms: _Optional[int] = ...) -> None: ...

class SendResponse(_message.Message):
    __slots__ = ["result"]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: SendResult
    def __init__(self, result: _Optional[_Union[SendResult, str]] = ...) -> None: ...

class SendResults(_message.Message):
    __slots__ = ["detail", "first_seq", "results"]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    FIRST_SEQ_FIELD_NUMBER: _ClassVar[int]
    RESULTS_FIELD_NUMBER: _ClassVar[int]
    detail: str
    first_seq: int
    results: _containers.RepeatedScalarFieldContainer[SendResult]
    def __init__(self, first_seq: _Optional[int] = ..., results: _Optional[_Iterable[_Union[SendResult, str]]] = ..., detail: _Optional[str] = ...) -> None: ...

class SendToAddressRequest(_message.Message):
    __slots__ = ["address", "kind", "payload"]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    address: str
    kind: ChannelKind
    payload: bytes
    def __init__(self, address: _Optional[str] = ..., kind: _Optional[_Union[ChannelKind, str]] = ..., payload: _Optional[bytes] = ...) -> None: ...

class SendToAddressResponse(_message.Message):
    __slots__ = []
    def __init__(self) -> None: ...

class ServerFrame(_message.Message):
    __slots__ = ["closed", "deliveries", "opened", "released", "revoke", "send_credit", "send_results"]
    CLOSED_FIELD_NUMBER: _ClassVar[int]
    DELIVERIES_FIELD_NUMBER: _ClassVar[int]
    OPENED_FIELD_NUMBER: _ClassVar[int]
    RELEASED_FIELD_NUMBER: _ClassVar[int]
    REVOKE_FIELD_NUMBER: _ClassVar[int]
    SEND_CREDIT_FIELD_NUMBER: _ClassVar[int]
    SEND_RESULTS_FIELD_NUMBER: _ClassVar[int]
    closed: ChannelClosed
    deliveries: Deliveries
    opened: Opened
    released: Released
    revoke: Revoke
    send_credit: SendCredit
    send_results: SendResults
    def __init__(self, opened: _Optional[_Union[Opened, _Mapping]] = ..., deliveries: _Optional[_Union[Deliveries, _Mapping]] = ..., send_results: _Optional[_Union[SendResults, _Mapping]] = ..., released: _Optional[_Union[Released, _Mapping]] = ..., closed: _Optional[_Union[ChannelClosed, _Mapping]] = ..., send_credit: _Optional[_Union[SendCredit, _Mapping]] = ..., revoke: _Optional[_Union[Revoke, _Mapping]] = ...) -> None: ...

class TryReceiveRequest(_message.Message):
    __slots__ = ["channel_id"]
    CHANNEL_ID_FIELD_NUMBER: _ClassVar[int]
    channel_id: str
    def __init__(self, channel_id: _Optional[str] = ...) -> None: ...

class ChannelKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class SendResult(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []

class ReceiveStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = []
