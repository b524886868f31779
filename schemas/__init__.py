"""The raw data contract: canonical columns, vocabulary and the Pandera models per dataset."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from schemas.columns import PRICE_COLUMNS, ROUTE_COLUMNS
from schemas.prices import PRICE_NUMBERS, PRICE_TEXT, PriceObservations, prepare_prices
from schemas.routes import ROUTE_NUMBERS, ROUTE_TEXT, RouteObservations, prepare_routes


@dataclass(frozen=True)
class Contract:
    """What one dataset folder under data/raw must hold and how it is checked."""

    dataset: str
    columns: tuple[str, ...]
    text_columns: tuple[str, ...]
    number_columns: tuple[str, ...]
    #: ``prepare(raw, conventions, currencies, stored_decimals, units)``: the typed frame of a chunk
    #: of raw rows (:func:`schemas.prepare.prepare`).
    prepare: Callable[..., pd.DataFrame]
    model: type[pa.DataFrameModel]

    @property
    def raw_table(self) -> str:
        """Every row read, as text, with unknown columns kept in ``extra``."""
        return f"raw_{self.dataset}_rows"

    @property
    def valid_table(self) -> str:
        """Typed rows that passed the model (before currency normalisation)."""
        return f"valid_{self.dataset}_rows"


CONTRACTS: dict[str, Contract] = {
    "prices": Contract(
        "prices", PRICE_COLUMNS, PRICE_TEXT, PRICE_NUMBERS, prepare_prices, PriceObservations
    ),
    "routes": Contract(
        "routes", ROUTE_COLUMNS, ROUTE_TEXT, ROUTE_NUMBERS, prepare_routes, RouteObservations
    ),
}

__all__ = ["CONTRACTS", "Contract", "PriceObservations", "RouteObservations"]
