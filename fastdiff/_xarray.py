"""xarray DataArrays in fastdiff.grid: labelled in, labelled out.

``axes``/``axis`` may be dimension names; when ``spacing`` is not given it is
taken from each differentiated dimension's coordinate (uniform or not; a
dimension without a numeric coordinate has step 1).  The result keeps the
dims and coords; gradients, Jacobians and Hessians get new leading dims
(``"axis"``, and ``"axis2"`` for the Hessian's second index) labelled with the
differentiated dimension names.  Dask-backed DataArrays stay lazy.
"""
from __future__ import annotations

import numpy as np


def is_xarray(a):
    return type(a).__name__ == "DataArray" and type(a).__module__.split(".")[0] == "xarray"


def _axis_index(da, a, name):
    if isinstance(a, str):
        if a not in da.dims:
            raise ValueError(f"{name} {a!r} is not a dimension of the DataArray "
                             f"(dims: {da.dims})")
        return da.dims.index(a)
    return a


def _axes(da, axes, offset=0):
    if axes is None:
        return None
    if isinstance(axes, (str, int, np.integer)):
        axes = (axes,)
    return tuple(_axis_index(da, a, "axes") - offset if isinstance(a, str) else a
                 for a in axes)


def _spacing(da, axes_idx, spacing, offset=0):
    """spacing as given, or each differentiated dim's coordinate values."""
    if spacing is not None:
        return spacing
    out = []
    for ax in axes_idx:
        dim = da.dims[ax + offset]
        c = da.coords.get(dim)
        if c is not None and c.ndim == 1 and np.asarray(c.values).dtype.kind in "iuf":
            out.append(np.asarray(c.values, dtype=np.float64))
        else:
            out.append(1.0)
    return out


def _norm_axes(da, axes, offset=0):
    nd = da.ndim - offset
    idx = _axes(da, axes, offset)
    if idx is None:
        return tuple(range(nd))
    return tuple(int(a) % nd if isinstance(a, (int, np.integer)) and -nd <= a < nd else a
                 for a in idx)


def _wrap(da, data, lead_dims=(), lead_coords=None, drop_first=False):
    import xarray as xr
    dims = tuple(lead_dims) + (tuple(da.dims[1:]) if drop_first else tuple(da.dims))
    coords = {k: v for k, v in da.coords.items()
              if all(d in dims for d in v.dims) and not (drop_first and da.dims[0] in v.dims)}
    coords.update(lead_coords or {})
    return xr.DataArray(data, dims=dims, coords=coords, name=da.name, attrs=dict(da.attrs))


def call(fn_name, da, *args, **kw):
    """Apply fastdiff.grid.<fn_name> to a DataArray (see the module docstring)."""
    from . import grid
    fn = getattr(grid, fn_name)
    if kw.get("out") is not None:
        raise ValueError("out is not supported for DataArrays")
    kw.pop("out", None)
    vector = fn_name in ("divergence", "curl", "jacobian")
    off = 1 if vector else 0
    if fn_name == "derivative":
        axis = _axis_index(da, args[0], "axis")
        ax_idx = (axis % da.ndim,) if isinstance(axis, (int, np.integer)) else (axis,)
        sp = _spacing(da, ax_idx, kw.pop("spacing", None))
        if isinstance(sp, list):
            sp = sp[0]
        res = fn(da.data, axis, *args[1:], spacing=sp, **kw)
        return _wrap(da, res)
    ax_idx = _norm_axes(da, kw.pop("axes", None), off)
    sp = _spacing(da, ax_idx, kw.pop("spacing", None), off)
    names = [da.dims[a + off] for a in ax_idx]
    extra = args
    if fn_name == "directional" and is_xarray(args[0]):
        extra = (args[0].data,)
    res = fn(da.data, *extra, axes=ax_idx, spacing=sp, **kw)
    if fn_name == "gradient":
        return _wrap(da, res, ("axis",), {"axis": names})
    if fn_name == "hessian":
        return _wrap(da, res, ("axis", "axis2"), {"axis": names, "axis2": names})
    if fn_name in ("laplacian", "directional"):
        return _wrap(da, res)
    if fn_name == "divergence":
        return _wrap(da, res, drop_first=True)
    if fn_name == "curl":
        if len(ax_idx) == 2:
            return _wrap(da, res, drop_first=True)
        return _wrap(da, res, (da.dims[0],), {}, drop_first=True)
    if fn_name == "jacobian":
        return _wrap(da, res, (da.dims[0], "axis"), {"axis": names}, drop_first=True)
    raise ValueError(f"internal: no DataArray rule for {fn_name}")  # pragma: no cover
