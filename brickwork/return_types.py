"""The named tuples that ops with several results return, as ``torch.return_types`` does.

``torch.max(x, 1)`` gives ``brickwork.return_types.max(values=..., indices=...)``: it unpacks as a tuple,
its fields read by name, and its repr matches PyTorch's, one field per line.

Example:
    >>> import brickwork as torch
    >>> torch.max(torch.tensor([[1, 5], [7, 2]]), 1)
    brickwork.return_types.max(
    values=tensor([5, 7]),
    indices=tensor([1, 0]))
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

__all__ = ["aminmax", "cummax", "cummin", "frexp", "geqrf", "histogram", "histogramdd", "kthvalue", "linalg_eig",
           "linalg_eigh", "linalg_ldl_factor", "linalg_ldl_factor_ex", "linalg_lstsq", "linalg_lu", "linalg_lu_factor",
           "linalg_lu_factor_ex", "linalg_qr", "linalg_slogdet", "linalg_solve_ex", "linalg_svd", "lu_unpack", "max",
           "median", "min", "mode", "nanmedian", "qr", "sort", "svd", "topk", "triangular_solve"]


def _return_type(name: str, fields: tuple[str, ...]) -> type:
    """A named tuple class ``brickwork.return_types.<name>`` with PyTorch's multi-line repr."""

    def __repr__(self: Any) -> str:
        body = ",\n".join(f"{f}={v!r}" for f, v in zip(self._fields, self))
        return f"{type(self).__module__}.{type(self).__name__}(\n{body})"

    cls = type(name, (namedtuple(name, fields),), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__,
                                                  "__module__": __name__})
    cls.__doc__ = (f"``({', '.join(fields)})`` as returned by ``{name}``; unpacks like a tuple.\n\n"
                   f"    Example:\n        >>> import brickwork as torch\n"
                   f"        >>> torch.return_types.{name}({', '.join(f'torch.tensor({i})' for i in range(len(fields)))})"
                   f".{fields[1]}\n        tensor(1)\n    ")
    return cls


max = _return_type("max", ("values", "indices"))  # noqa: A001
min = _return_type("min", ("values", "indices"))  # noqa: A001
sort = _return_type("sort", ("values", "indices"))
topk = _return_type("topk", ("values", "indices"))
kthvalue = _return_type("kthvalue", ("values", "indices"))
median = _return_type("median", ("values", "indices"))
nanmedian = _return_type("nanmedian", ("values", "indices"))
mode = _return_type("mode", ("values", "indices"))
histogram = _return_type("histogram", ("hist", "bin_edges"))
histogramdd = _return_type("histogramdd", ("hist", "bin_edges"))
aminmax = _return_type("aminmax", ("min", "max"))
cummax = _return_type("cummax", ("values", "indices"))
cummin = _return_type("cummin", ("values", "indices"))
frexp = _return_type("frexp", ("mantissa", "exponent"))
linalg_slogdet = _return_type("linalg_slogdet", ("sign", "logabsdet"))
linalg_qr = _return_type("linalg_qr", ("Q", "R"))
linalg_eigh = _return_type("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_svd = _return_type("linalg_svd", ("U", "S", "Vh"))
linalg_lstsq = _return_type("linalg_lstsq", ("solution", "residuals", "rank", "singular_values"))
linalg_eig = _return_type("linalg_eig", ("eigenvalues", "eigenvectors"))
linalg_lu = _return_type("linalg_lu", ("P", "L", "U"))
linalg_lu_factor = _return_type("linalg_lu_factor", ("LU", "pivots"))
linalg_lu_factor_ex = _return_type("linalg_lu_factor_ex", ("LU", "pivots", "info"))
linalg_ldl_factor = _return_type("linalg_ldl_factor", ("LD", "pivots"))
linalg_ldl_factor_ex = _return_type("linalg_ldl_factor_ex", ("LD", "pivots", "info"))
linalg_solve_ex = _return_type("linalg_solve_ex", ("result", "info"))
lu_unpack = _return_type("lu_unpack", ("P", "L", "U"))
geqrf = _return_type("geqrf", ("a", "tau"))
qr = _return_type("qr", ("Q", "R"))
svd = _return_type("svd", ("U", "S", "V"))
triangular_solve = _return_type("triangular_solve", ("solution", "cloned_coefficient"))
