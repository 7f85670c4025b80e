"""Variable-length batches for the recurrent layers: `PackedSequence` (time-major data with the batch
size of every step) and ``pad_sequence``, ``pack_padded_sequence``, ``pad_packed_sequence``, ``pack_sequence``,
``unpad_sequence``, ``unpack_sequence``, with PyTorch's layouts, so RNN/GRU/LSTM accept packed input."""

from __future__ import annotations

from typing import Any, NamedTuple, Sequence

import numpy as np

from ... import ops
from ..._tensor import Tensor

__all__ = ["PackedSequence", "pad_sequence", "pack_padded_sequence", "pad_packed_sequence", "pack_sequence",
           "unpad_sequence", "unpack_sequence", "invert_permutation"]


class _PackedFields(NamedTuple):
    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None
    unsorted_indices: Tensor | None


class PackedSequence(_PackedFields):
    """A batch of sequences of different lengths, packed time step by time step.

    ``data`` holds step 0 of every sequence, then step 1 of those still running, ...; ``batch_sizes[t]`` is how
    many run at step ``t`` (the sequences sorted longest first); ``sorted_indices`` maps that order to the
    original batch and ``unsorted_indices`` back (both None when the batch came sorted). Build one with
    `pack_padded_sequence` or `pack_sequence`, never directly.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.rnn import pack_sequence
        >>> p = pack_sequence([torch.tensor([1, 2, 3]), torch.tensor([4, 5])])
        >>> p.data, p.batch_sizes
        (tensor([1, 4, 2, 5, 3]), tensor([2, 2, 1]))
    """

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """The same packed batch with ``data`` (and the index tensors) moved or cast as ``Tensor.to`` does.

        Example:
            >>> import brickwork as torch
            >>> from brickwork.nn.utils.rnn import pack_sequence
            >>> pack_sequence([torch.ones(2)]).to(torch.float64).data.dtype
            brickwork.float64
        """
        data = self.data.to(*args, **kwargs)
        move = (lambda t: None if t is None else t.to(data.device))  # noqa: E731
        return type(self)(data, self.batch_sizes, move(self.sorted_indices), move(self.unsorted_indices))

    def cpu(self) -> PackedSequence:
        """The packed batch on the CPU.

        Example:
            >>> import brickwork as torch
            >>> from brickwork.nn.utils.rnn import pack_sequence
            >>> pack_sequence([torch.ones(2)]).cpu().data.device
            device(type='cpu')
        """
        return self.to("cpu")

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` is on a CUDA device."""
        return self.data.device.type == "cuda"


def invert_permutation(permutation: Tensor | None) -> Tensor | None:
    """The inverse of a permutation of ``range(n)`` (None stays None).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.rnn import invert_permutation
        >>> invert_permutation(torch.tensor([2, 0, 1]))
        tensor([1, 2, 0])
    """
    if permutation is None:
        return None
    p = permutation.cpu().numpy()
    out = np.empty_like(p)
    out[p] = np.arange(p.size)
    return ops.tensor(out, device=permutation.device)


def _lengths(lengths: Any) -> np.ndarray:
    return np.asarray(lengths.cpu().numpy() if isinstance(lengths, Tensor) else lengths, dtype=np.int64).reshape(-1)


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded (T, B, *) batch (``(B, T, *)`` with ``batch_first``) of sequences of ``lengths``.

    ``enforce_sorted=False`` accepts any order (the sequences are sorted here, longest first).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.rnn import pack_padded_sequence
        >>> x = torch.tensor([[1, 2, 3], [4, 5, 0]])
        >>> pack_padded_sequence(x, [3, 2], batch_first=True).data
        tensor([1, 4, 2, 5, 3])
    """
    n = _lengths(lengths)
    x = input.transpose(0, 1) if batch_first else input
    if n.size != x.shape[1]:
        raise RuntimeError(f"pack_padded_sequence: expected {x.shape[1]} lengths (one per sequence of the batch), "
                           f"got {n.size}")
    if enforce_sorted:
        if np.any(n[1:] > n[:-1]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True. "
                               "You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to "
                               "sidestep this requirement if you do not need ONNX exportability.")
        sorted_indices = None
    else:
        order = np.argsort(-n, kind="stable")
        n = n[order]
        sorted_indices = ops.tensor(order, device=input.device)
        x = x.index_select(1, sorted_indices)
    if n.size and n.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an element in 'lengths' that "
                           "is <= 0")
    if n.size and n.max() > x.shape[0]:
        raise RuntimeError(f"pack_padded_sequence: a length ({n.max()}) exceeds the padded length {x.shape[0]}")
    sizes = np.array([(n > t).sum() for t in range(int(n.max(initial=0)))], dtype=np.int64)
    data = ops.cat([x[t, :int(b)] for t, b in enumerate(sizes)], 0)
    return PackedSequence(data, ops.tensor(sizes), sorted_indices, invert_permutation(sorted_indices))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False, padding_value: float = 0.0,
                        total_length: int | None = None) -> tuple[Tensor, Tensor]:
    """The padded (T, B, *) batch (``(B, T, *)`` with ``batch_first``) and the lengths of a packed batch.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.rnn import pack_sequence, pad_packed_sequence
        >>> pad_packed_sequence(pack_sequence([torch.tensor([1, 2]), torch.tensor([3])]), batch_first=True)
        (tensor([[1, 2],
                [3, 0]]), tensor([2, 1]))
    """
    sizes = sequence.batch_sizes.cpu().numpy().astype(np.int64)
    t_max, b = len(sizes), int(sizes[0]) if len(sizes) else 0
    if total_length is not None:
        if total_length < t_max:
            raise ValueError(f"Expected total_length to be at least the length of the longest sequence in input, but "
                             f"got total_length={total_length} and max sequence length being {t_max}")
        t_max = total_length
    data = sequence.data
    steps = ops.split(data, [int(s) for s in sizes], 0) if len(sizes) else []
    rows = []
    for t in range(t_max):
        step = steps[t] if t < len(steps) else data[:0]
        if step.shape[0] < b:
            fill = ops.full((b - step.shape[0],) + tuple(data.shape[1:]), padding_value, dtype=data.dtype,
                            device=data.device)
            step = ops.cat([step, fill], 0)
        rows.append(step)
    padded = ops.stack(rows, 0) if rows else data.new_zeros((0, b) + tuple(data.shape[1:]))
    lengths = np.array([(sizes > i).sum() for i in range(b)], dtype=np.int64)
    if sequence.unsorted_indices is not None:
        padded = padded.index_select(1, sequence.unsorted_indices)
        lengths = lengths[sequence.unsorted_indices.cpu().numpy()]
    return (padded.transpose(0, 1) if batch_first else padded), ops.tensor(lengths)


def pad_sequence(sequences: Tensor | Sequence[Tensor], batch_first: bool = False, padding_value: float = 0.0,
                 padding_side: str = "right") -> Tensor:
    """Stack sequences of shapes (L_i, *) into (L_max, B, *) (``(B, L_max, *)`` with ``batch_first``), padded.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.rnn import pad_sequence
        >>> pad_sequence([torch.tensor([1, 2]), torch.tensor([3])], batch_first=True, padding_side='left')
        tensor([[1, 2],
                [0, 3]])
    """
    if padding_side not in ("left", "right"):
        raise RuntimeError(f"Expected padding_side to be one of left or right, but got {padding_side}.")
    seqs = list(sequences.unbind(0) if isinstance(sequences, Tensor) else sequences)
    if not seqs:
        raise RuntimeError("received an empty list of sequences")
    longest = max(s.shape[0] for s in seqs)
    rows = []
    for s in seqs:
        extra = longest - s.shape[0]
        if extra:
            fill = ops.full((extra,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype, device=s.device)
            s = ops.cat([s, fill] if padding_side == "right" else [fill, s], 0)
        rows.append(s)
    return ops.stack(rows, 0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences (L_i, *) (longest first unless ``enforce_sorted=False``).

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.rnn import pack_sequence
        >>> pack_sequence([torch.tensor([1]), torch.tensor([2, 3])], enforce_sorted=False).data
        tensor([2, 1, 3])
    """
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any, batch_first: bool = False) -> list[Tensor]:
    """The list of sequences of a padded batch, each cut to its length.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.rnn import unpad_sequence
        >>> unpad_sequence(torch.tensor([[1, 2], [3, 0]]), torch.tensor([2, 1]), batch_first=True)
        [tensor([1, 2]), tensor([3])]
    """
    x = padded_sequences if batch_first else padded_sequences.transpose(0, 1)
    return [x[i, :int(n)] for i, n in enumerate(_lengths(lengths))]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """The list of sequences of a packed batch, in their original order.

    Example:
        >>> import brickwork as torch
        >>> from brickwork.nn.utils.rnn import pack_sequence, unpack_sequence
        >>> unpack_sequence(pack_sequence([torch.tensor([1]), torch.tensor([2, 3])], enforce_sorted=False))
        [tensor([1]), tensor([2, 3])]
    """
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
