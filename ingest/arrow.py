"""Text columns as Arrow arrays, the form the validators and the graph tables share.

pandas keeps CSV text in Arrow (the ``str`` dtype); :func:`arrow_text` hands that array on
without a copy, so hash lookups, joins and byte-level id checks run on it directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

__all__ = ["arrow_text"]


def arrow_text(
    values: pd.Series | pa.Array | pa.ChunkedArray | np.ndarray | list[object],
) -> pa.ChunkedArray:
    """Text as an Arrow ``large_string`` array; missing values (None, NaN, NA) become null.

    A column pandas already holds in Arrow (the ``str`` dtype) is taken as it is, without a
    copy; anything else is converted value by value."""
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        held: pa.Array | pa.ChunkedArray | None = values
    else:
        to_arrow = getattr(getattr(values, "array", None), "__arrow_array__", None)
        held = to_arrow() if to_arrow is not None else None
    if held is not None:
        if not isinstance(held, pa.ChunkedArray):
            held = pa.chunked_array([held])
        if pa.types.is_large_string(held.type):
            return held
        if pa.types.is_string(held.type) or pa.types.is_null(held.type):
            return held.cast(pa.large_string())
    obj = np.asarray(values, dtype=object)
    return pa.chunked_array([pa.array(obj, type=pa.large_string(), from_pandas=True)])
