"""Encodings are detected from a file's first bytes, Windows-1250 and -1252 told apart the way
a person from the region would, and binary files recognised as such."""

from __future__ import annotations

import codecs

import pytest

from flows.encodings import NotText, detect_encoding, sniff_kind

SAMPLES = {
    "utf-8": "mjesto;cijena\nBihać;1.500 KM\nСуботица;2.000 дин\n",
    "utf-8-sig": "mjesto;cijena\nBihać;1.500 KM\n",
    "utf-16": "mjesto\tcijena\nBihać\t1.500 KM\nСуботица\t2.000\n",
    "cp1250": "mjesto;cijena\nBihać;1.500 KM\nČačak;Šabac, Žepče, Đakovo\n",
    "cp1251": "место;цена\nСуботица;2.000 динара\nПрешево;1.500 динара\n",
    "cp1252": "place|price\nSão Paulo desk, Señor Müller|€1,500\nCafé crème brûlée|2,000\n",
}


@pytest.mark.parametrize("encoding", sorted(SAMPLES))
def test_each_supported_encoding_is_detected(encoding):
    data = SAMPLES[encoding].encode(encoding)
    assert detect_encoding(data) == encoding
    assert data.decode(detect_encoding(data)).lstrip("\ufeff") == SAMPLES[encoding]


def test_a_multibyte_letter_cut_at_the_end_of_the_sample_is_still_utf8():
    data = "mjesto\nBihać".encode()
    assert detect_encoding(data[:-1]) == "utf-8"


def test_utf16_without_a_byte_order_mark_is_detected():
    data = codecs.encode(SAMPLES["utf-16"] * 5, "utf-16-le")
    assert detect_encoding(data) == "utf-16-le"


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"obs_id,value\n", "text"),
        (b'\n  [{"obs_id": 1}]', "json"),
        (b'{"obs_id": 1}\n', "json"),
        (b"PK\x03\x04rest", "xlsx"),
    ],
)
def test_kind_is_decided_by_content(data, kind):
    assert sniff_kind(data) == kind


def test_binary_noise_is_not_text():
    with pytest.raises(NotText, match="binary"):
        detect_encoding(bytes(range(256)) * 4)
