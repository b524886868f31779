"""The header alias table: column names researchers and scrapers use, mapped to the contract.

Headers are compared after :func:`schemas.columns.header_key` (lower case, accents folded,
Cyrillic transliterated, any run of spaces/punctuation as ``_``), so ``Cijena``, ``CIJENA``,
``çmimi`` (as ``cmimi``) and ``ЦЕНА`` (as ``cena``) each need one entry. Keys are written here
already folded. A curator adds a line per new spelling; a header that matches nothing is kept
under its own name in the raw layer's ``extra``, never dropped.

Input-only columns (not stored as typed values):

- ``price``: a price written as text (``€1,500-2,000``, ``od 2.000 do 2.500 KM``) that fills
  ``price_low``/``price_high``/``price_point`` and, when it names one, ``currency``.
- ``date`` / ``period``: one cell giving the whole period (``15.07.2020``, ``Q3 2020``) when
  the file has no ``period_start``/``period_end``.

Nested JSON objects are flattened with ``_`` before matching (``{"price": {"min": 1}}``
becomes ``price_min``), so the scraper spellings below cover them too.

A price header naming a currency (``Cijena (KM)``, ``Iznos KM``, ``Price low (€)``) needs no line
here: the currency is taken out and the rest matched against this table
(:func:`schemas.columns.header_price`), so ``iznos`` covers ``Iznos KM`` and ``Iznos u eurima``.
"""

from __future__ import annotations

HEADER_ALIASES: dict[str, str] = {
    # identity and kind of observation
    "id": "obs_id", "ad_id": "obs_id", "sifra": "obs_id", "rb": "obs_id",
    "tok": "flow", "vrsta": "flow", "tip_izvora": "source_type", "lloji_burimit": "source_type",
    # price as text (Bosnian/Croatian/Serbian, Macedonian, Albanian, Turkish, German, English)
    "cijena": "price", "cena": "price", "cmimi": "price", "cmim": "price", "fiyat": "price",
    "preis": "price", "tsena": "price", "amount": "price", "iznos": "price", "price_text": "price",
    "price_amount": "price", "price_value": "price",
    # price bounds
    "min": "price_low", "price_min": "price_low", "min_price": "price_low",
    "cijena_od": "price_low", "cena_od": "price_low", "low": "price_low",
    "max": "price_high", "price_max": "price_high", "max_price": "price_high",
    "cijena_do": "price_high", "cena_do": "price_high", "high": "price_high",
    "price_point": "price_point",
    # currency
    "valuta": "currency", "monedha": "currency", "para_birimi": "currency",
    "wahrung": "currency", "price_currency": "currency", "curr": "currency",
    # date or period
    "datum": "date", "data": "date", "tarih": "date", "datum_opazanja": "date",
    "date_posted": "date", "posted_at": "date", "posted": "date", "published": "date",
    "observed_at": "date", "datum_objave": "date",
    "razdoblje": "period", "period": "period", "periudha": "period", "donem": "period",
    "zeitraum": "period", "mjesec": "period", "mesec": "period", "muaji": "period",
    "od_datuma": "period_start", "do_datuma": "period_end",
    # origin and destination (od = from, do = to; nga/deri in Albanian)
    "od": "origin_place", "nga": "origin_place", "from": "origin_place", "origin": "origin_place",
    "origin_city": "origin_place", "polaziste": "origin_place", "polazak": "origin_place",
    "do": "destination_place", "deri": "destination_place", "to": "destination_place",
    "destination": "destination_place", "destination_city": "destination_place",
    "odrediste": "destination_place", "cilj": "destination_place",
    "drzava_porijekla": "origin_country", "drzava_polaska": "origin_country",
    "drzava_porekla": "origin_country", "zemlja_porijekla": "origin_country",
    "zemlja_porekla": "origin_country", "country_of_origin": "origin_country",
    "drzava_odredista": "destination_country", "zemlja_odredista": "destination_country",
    "country_of_destination": "destination_country", "route_origin_country": "origin_country",
    "route_destination_country": "destination_country", "route_origin": "origin_place",
    "route_destination": "destination_place",
    "origin_country_code": "origin_country", "destination_country_code": "destination_country",
    # location of a drug or money figure
    "mjesto": "location_place", "mesto": "location_place", "grad": "location_place",
    "lokacija": "location_place", "vendi": "location_place", "qyteti": "location_place",
    "location": "location_place", "location_city": "location_place", "city": "location_place",
    "place": "location_place",
    "drzava": "location_country", "zemlja": "location_country", "shteti": "location_country",
    "location_country_code": "location_country", "country": "location_country",
    # what and how much
    "roba": "commodity", "droga": "commodity", "proizvod": "commodity", "product": "commodity",
    "jedinica": "unit", "njesia": "unit", "jedinica_mjere": "unit", "price_unit": "unit",
    "price_per": "unit", "unit_of_measure": "unit", "mjera": "unit", "mera": "unit",
    "nivo": "market_level", "razina": "market_level",
    "vrijednost": "value", "vrednost": "value", "vlera": "value", "broj": "value",
    "metrika": "metric", "route": "route_or_leg", "ruta": "route_or_leg",
    "relacija": "route_or_leg",
    # sources
    "izvor": "source_title", "burimi": "source_title", "kaynak": "source_title",
    "source": "source_title", "link": "source_url", "url": "source_url", "poveznica": "source_url",
    "citat": "quote", "pouzdanost": "confidence",
    # free text that may name people: kept private as notes
    "napomena": "notes", "napomene": "notes", "biljeske": "notes", "beleske": "notes",
    "shenime": "notes", "komentar": "notes", "comment": "notes", "comments": "notes",
    "remarks": "notes",
}  # fmt: skip
