"""Software prefetch for the numba kernels that stream large arrays.

The solver's per-step kernels (the product with A, the supernodal triangular solves) read
arrays of 10-20 MB from memory in order, but with enough work between the loads that the
hardware prefetchers fall behind: a hint a few kilobytes ahead of the reads overlaps the
memory traffic with that work (figures: ``benchmarks/README.md``, "Memory-bandwidth floor").
A prefetch only asks the cache to load a line; it changes no value, so the kernels' results
are bit for bit what they were without it.
"""

from __future__ import annotations

import numba
from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

__all__ = ["prefetch", "prefetch_down", "prefetch_up"]

#: Bytes of a cache line.
LINE = 64


@intrinsic
def prefetch(typingctx, array, index):
    """Ask the cache to load the line holding ``array[index]`` (``llvm.prefetch``, read,
    keep in all levels). ``index`` may lie outside the array: a prefetch never faults."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None
    sig = types.void(array, index)

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        address = builder.bitcast(builder.gep(data, [args[1]]), ir.IntType(8).as_pointer())
        i32 = ir.IntType(32)
        function = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [address.type, i32, i32, i32]),
            "llvm.prefetch.p0")
        builder.call(function, [address, i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@numba.njit(cache=True, nogil=True, inline="always")
def prefetch_up(array, done, end):
    """Prefetch ``array[done:end]`` one line at a time, for a pass reading upwards.

    Parameters
    ----------
    array : (N,) ndarray
    done : int
        Where the prefetches so far ended.
    end : int
        Where they should end now (past the array's end is harmless).

    Returns
    -------
    int
        The new ``done`` (>= ``end``, in whole lines).
    """
    step = max(LINE // array.itemsize, 1)
    while done < end:
        prefetch(array, done)
        done += step
    return done


@numba.njit(cache=True, nogil=True, inline="always")
def prefetch_down(array, done, end):
    """Prefetch ``array[end:done]`` one line at a time, for a pass reading downwards; returns
    the new ``done`` (<= ``end``). Below the array's start is harmless."""
    step = max(LINE // array.itemsize, 1)
    while done > end:
        done -= step
        prefetch(array, done)
    return done
