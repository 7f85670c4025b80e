"""Multivariate distributions: MultivariateNormal, LowRankMultivariateNormal, Wishart, LKJCholesky; and
MixtureSameFamily and OneHotCategoricalStraightThrough."""

from __future__ import annotations

import math
from typing import Any, Callable

from .. import Tensor, arange, broadcast_shapes, broadcast_tensors, cat, eye, finfo, linalg, no_grad, randn
from ..ops.gamma import digamma, lgamma, mvlgamma
from . import constraints
from .discrete import Categorical, OneHotCategorical
from .distribution import Distribution, broadcast_all
from .gamma_family import Beta, Chi2

__all__ = ["MultivariateNormal", "LowRankMultivariateNormal", "Wishart", "LKJCholesky", "MixtureSameFamily",
           "OneHotCategoricalStraightThrough"]

_LOG_2PI = math.log(2 * math.pi)


def _batch_mv(m: Tensor, v: Tensor) -> Tensor:
    return (m @ v.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(tril: Tensor, x: Tensor) -> Tensor:
    """``x^T (L L^T)^-1 x`` over the last dim, ``L`` broadcast against ``x``'s batch dims."""
    n = x.shape[-1]
    shape = broadcast_shapes(tuple(tril.shape[:-2]), tuple(x.shape[:-1]))
    y = linalg.solve_triangular(tril.expand(tuple(shape) + (n, n)), x.expand(tuple(shape) + (n,)).unsqueeze(-1),
                                upper=False)
    return y.squeeze(-1).pow(2).sum(-1)


def _half_log_det(tril: Tensor) -> Tensor:
    return tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)


def _tril_inverse(tril: Tensor) -> Tensor:
    n = tril.shape[-1]
    return linalg.solve_triangular(tril, eye(n, dtype=tril.dtype, device=tril.device).expand(tril.shape), upper=False)


def _precision_to_scale_tril(p: Tensor) -> Tensor:
    lf = linalg.cholesky(p.flip((-2, -1)))
    l_inv = lf.flip((-2, -1)).mT
    return _tril_inverse(l_inv)


class _FromScaleTril:
    """The three matrix parameterizations of a distribution held by the lower Cholesky factor
    ``_unbroadcasted_scale_tril``: the one it was given, or computed (``_full`` expands to the batch)."""

    _unbroadcasted_scale_tril: Tensor
    _full: Callable[[Tensor], Tensor]

    @property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor ``L`` of the (covariance or scale) matrix ``L @ L.mT``."""
        if "scale_tril" in self.__dict__:
            return self.__dict__["scale_tril"]
        return self._full(self._unbroadcasted_scale_tril)

    @property
    def covariance_matrix(self) -> Tensor:
        """The covariance matrix (for `Wishart`, the scale matrix)."""
        if "covariance_matrix" in self.__dict__:
            return self.__dict__["covariance_matrix"]
        lt = self._unbroadcasted_scale_tril
        return self._full(lt @ lt.mT)

    @property
    def precision_matrix(self) -> Tensor:
        """The inverse of `covariance_matrix`."""
        if "precision_matrix" in self.__dict__:
            return self.__dict__["precision_matrix"]
        inv = _tril_inverse(self._unbroadcasted_scale_tril)
        return self._full(inv.mT @ inv)


class MultivariateNormal(_FromScaleTril, Distribution):
    """The multivariate normal distribution with mean ``loc``.

    The covariance is given by exactly one of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril`` (a
    lower Cholesky factor of the covariance).

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.MultivariateNormal(torch.zeros(2), torch.eye(2))
        >>> d.log_prob(torch.zeros(2)), d.entropy()
        (tensor(-1.8379), tensor(2.8379))
    """

    arg_constraints = {"loc": constraints.real_vector, "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None, precision_matrix: Tensor | None = None,
                 scale_tril: Tensor | None = None, validate_args: bool | None = None) -> None:
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        given = next((k, v) for k, v in (("scale_tril", scale_tril), ("covariance_matrix", covariance_matrix),
                                         ("precision_matrix", precision_matrix)) if v is not None)
        name, m = given
        if m.ndim < 2:
            raise ValueError(f"{name} matrix must be at least two-dimensional, with optional leading batch "
                             "dimensions")
        batch_shape = tuple(broadcast_shapes(tuple(m.shape[:-2]), tuple(loc.shape[:-1])))
        self.__dict__[name] = m.expand(batch_shape + (-1, -1))
        self.loc = loc.expand(batch_shape + (-1,))
        self._given = name
        super().__init__(batch_shape, self.loc.shape[-1:], validate_args=validate_args)  # validates first
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = m
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(m)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(m)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "MultivariateNormal":
        shape = tuple(batch_shape)
        new = MultivariateNormal(self.loc.expand(shape + tuple(self.event_shape)),
                                 **{self._given: self.__dict__[self._given].expand(shape + tuple(self.event_shape) * 2)},
                                 validate_args=False)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        new._validate_args = self._validate_args
        return new

    def _full(self, m: Tensor) -> Tensor:
        return m.expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(tuple(self._batch_shape) +
                                                                    tuple(self._event_shape))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        eps = randn(*shape, dtype=self.loc.dtype, device=self.loc.device)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        m = _batch_mahalanobis(self._unbroadcasted_scale_tril, value - self.loc)
        return -0.5 * (self._event_shape[0] * _LOG_2PI + m) - _half_log_det(self._unbroadcasted_scale_tril)

    def entropy(self) -> Tensor:
        h = 0.5 * self._event_shape[0] * (1.0 + _LOG_2PI) + _half_log_det(self._unbroadcasted_scale_tril)
        return h.expand(tuple(self._batch_shape))


class LowRankMultivariateNormal(Distribution):
    """The multivariate normal with covariance ``cov_factor @ cov_factor.T + diag(cov_diag)``.

    Densities use the capacitance matrix ``I + W^T D^-1 W`` (Woodbury), so nothing ``n x n`` is factored.

    Example:
        >>> import brickwork as torch
        >>> d = torch.distributions.LowRankMultivariateNormal(torch.zeros(2), torch.ones(2, 1), torch.ones(2))
        >>> d.log_prob(torch.zeros(2))
        tensor(-2.3872)
    """

    arg_constraints = {"loc": constraints.real_vector, "cov_factor": constraints.independent(constraints.real, 2),
                       "cov_diag": constraints.independent(constraints.positive, 1)}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, cov_factor: Tensor, cov_diag: Tensor, validate_args: bool | None = None) -> None:
        if loc.ndim < 1:
            raise ValueError("loc must be at least one-dimensional.")
        n = loc.shape[-1]
        if cov_factor.ndim < 2:
            raise ValueError("cov_factor must be at least two-dimensional, with optional leading batch dimensions")
        if tuple(cov_factor.shape[-2:-1]) != (n,):
            raise ValueError(f"cov_factor must be a batch of matrices with shape {n} x m")
        if tuple(cov_diag.shape[-1:]) != (n,):
            raise ValueError(f"cov_diag must be a batch of vectors with shape {(n,)}")
        loc_, self.cov_factor, cov_diag_ = broadcast_tensors(loc.unsqueeze(-1), cov_factor, cov_diag.unsqueeze(-1))
        self.loc, self.cov_diag = loc_[..., 0], cov_diag_[..., 0]
        self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag = cov_factor, cov_diag
        w, d = cov_factor, cov_diag
        k = (w.mT / d.unsqueeze(-2)) @ w
        self._capacitance_tril = linalg.cholesky(k + eye(w.shape[-1], dtype=w.dtype, device=w.device))
        super().__init__(self.loc.shape[:-1], loc.shape[-1:], validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "LowRankMultivariateNormal":
        shape = tuple(batch_shape)
        new = LowRankMultivariateNormal(self.loc.expand(shape + tuple(self.event_shape)),
                                        self.cov_factor.expand(shape + tuple(self.cov_factor.shape[-2:])),
                                        self.cov_diag.expand(shape + tuple(self.event_shape)), validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        v = self._unbroadcasted_cov_factor.pow(2).sum(-1) + self._unbroadcasted_cov_diag
        return v.expand(tuple(self._batch_shape) + tuple(self._event_shape))

    @property
    def covariance_matrix(self) -> Tensor:
        """The full covariance ``W W^T + diag(D)``."""
        w = self._unbroadcasted_cov_factor
        cov = w @ w.mT + self._unbroadcasted_cov_diag.diag_embed()
        return cov.expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    @property
    def scale_tril(self) -> Tensor:
        """The lower Cholesky factor of the covariance."""
        return linalg.cholesky(self.covariance_matrix)

    @property
    def precision_matrix(self) -> Tensor:
        """The inverse covariance, by Woodbury's identity."""
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        a = linalg.solve_triangular(self._capacitance_tril, w.mT / d.unsqueeze(-2), upper=False)
        p = d.reciprocal().diag_embed() - a.mT @ a
        return p.expand(tuple(self._batch_shape) + tuple(self._event_shape) * 2)

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        shape = tuple(self._extended_shape(sample_shape))
        w = self._unbroadcasted_cov_factor
        eps_w = randn(*(shape[:-1] + (w.shape[-1],)), dtype=w.dtype, device=w.device)
        eps_d = randn(*shape, dtype=w.dtype, device=w.device)
        return self.loc + _batch_mv(w, eps_w) + self._unbroadcasted_cov_diag.sqrt() * eps_d

    def _log_det(self) -> Tensor:
        return 2 * _half_log_det(self._capacitance_tril) + self._unbroadcasted_cov_diag.log().sum(-1)

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        w, d = self._unbroadcasted_cov_factor, self._unbroadcasted_cov_diag
        wt_dinv_x = _batch_mv(w.mT / d.unsqueeze(-2), diff)
        m = (diff.pow(2) / d).sum(-1) - _batch_mahalanobis(self._capacitance_tril, wt_dinv_x)
        return -0.5 * (self._event_shape[0] * _LOG_2PI + self._log_det() + m)

    def entropy(self) -> Tensor:
        h = 0.5 * (self._event_shape[0] * (1.0 + _LOG_2PI) + self._log_det())
        return h.expand(tuple(self._batch_shape))


def _mvdigamma(x: Tensor, p: int) -> Tensor:
    return digamma(x.unsqueeze(-1) - arange(p, dtype=x.dtype, device=x.device) / 2).sum(-1)


class Wishart(_FromScaleTril, Distribution):
    """The Wishart distribution over positive-definite matrices with ``df`` degrees of freedom.

    The scale is given by exactly one of ``covariance_matrix``, ``precision_matrix`` or ``scale_tril``;
    ``rsample`` uses Bartlett's decomposition.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.Wishart(torch.tensor(3.0), torch.eye(2)).mean
        tensor([[3., 0.],
                [0., 3.]])
    """

    arg_constraints = {"covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite, "scale_tril": constraints.lower_cholesky,
                       "df": constraints.greater_than(0)}
    support = constraints.positive_definite
    has_rsample = True

    def __init__(self, df: Any, covariance_matrix: Tensor | None = None, precision_matrix: Tensor | None = None,
                 scale_tril: Tensor | None = None, validate_args: bool | None = None) -> None:
        if (covariance_matrix is not None) + (scale_tril is not None) + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or scale_tril may be specified.")
        name, m = next((k, v) for k, v in (("scale_tril", scale_tril), ("covariance_matrix", covariance_matrix),
                                           ("precision_matrix", precision_matrix)) if v is not None)
        if m.ndim < 2:
            raise ValueError(f"{name} must be at least two-dimensional, with optional leading batch dimensions")
        p = m.shape[-1]
        if not isinstance(df, Tensor):
            df = m.new_tensor(float(df))
        batch_shape = tuple(broadcast_shapes(tuple(m.shape[:-2]), tuple(df.shape)))
        self.df = df.expand(batch_shape)
        if bool((self.df <= p - 1).any()):
            raise ValueError(f"Value of df={df} expected to be greater than ndim - 1 = {p - 1}.")
        self.__dict__[name] = m.expand(batch_shape + (-1, -1))
        self._given = name
        if name == "scale_tril":
            self._unbroadcasted_scale_tril = m
        elif name == "covariance_matrix":
            self._unbroadcasted_scale_tril = linalg.cholesky(m)
        else:
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(m)
        self._dist_chi2 = Chi2(self.df.unsqueeze(-1) - arange(p, dtype=m.dtype, device=m.device).expand(
            batch_shape + (-1,)))
        super().__init__(batch_shape, (p, p), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "Wishart":
        shape = tuple(batch_shape)
        new = Wishart(self.df.expand(shape), **{self._given: self.__dict__[self._given].expand(
            shape + tuple(self.event_shape))}, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _full(self, m: Tensor) -> Tensor:
        return m.expand(tuple(self._batch_shape) + tuple(self._event_shape))

    def _df_matrix(self, x: Tensor) -> Tensor:
        return x.reshape(tuple(self._batch_shape) + (1, 1))

    @property
    def mean(self) -> Tensor:
        return self._df_matrix(self.df) * self.covariance_matrix

    @property
    def mode(self) -> Tensor:
        factor = self.df - self._event_shape[-1] - 1
        return self._df_matrix(factor.masked_fill(factor <= 0, math.nan)) * self.covariance_matrix

    @property
    def variance(self) -> Tensor:
        v = self.covariance_matrix
        dv = v.diagonal(dim1=-2, dim2=-1)
        return self._df_matrix(self.df) * (v.pow(2) + dv.unsqueeze(-1) * dv.unsqueeze(-2))

    def rsample(self, sample_shape: Any = (), max_try_correction: int | None = None) -> Tensor:
        p = self._event_shape[-1]
        sample_shape = tuple(sample_shape)
        diag = self._dist_chi2.rsample(sample_shape).sqrt().clamp(min=finfo(self.df.dtype).eps)
        r, c = __import__("brickwork").tril_indices(p, p, -1)
        below = randn(*(sample_shape + tuple(self._batch_shape) + (p * (p - 1) // 2,)), dtype=self.df.dtype,
                      device=self.df.device)
        select = __import__("brickwork").zeros(p * (p - 1) // 2, p * p, dtype=self.df.dtype)
        select[range(p * (p - 1) // 2), r * p + c] = 1.0
        noise = diag.diag_embed() + (below @ select).reshape(tuple(below.shape[:-1]) + (p, p))
        chol = self._unbroadcasted_scale_tril @ noise
        return chol @ chol.mT

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        nu, p = self.df, self._event_shape[-1]
        lt = self._unbroadcasted_scale_tril
        lt_inv = _tril_inverse(lt)
        trace = (lt_inv.mT @ lt_inv @ value).diagonal(dim1=-2, dim2=-1).sum(-1)
        return (-nu * (p * math.log(2) / 2 + _half_log_det(lt)) - mvlgamma(nu / 2, p)
                + (nu - p - 1) / 2 * linalg.slogdet(value).logabsdet - trace / 2)

    def entropy(self) -> Tensor:
        nu, p = self.df, self._event_shape[-1]
        return ((p + 1) * (p * math.log(2) / 2 + _half_log_det(self._unbroadcasted_scale_tril))
                + mvlgamma(nu / 2, p) - (nu - p - 1) / 2 * _mvdigamma(nu / 2, p) + nu * p / 2)


class LKJCholesky(Distribution):
    """The LKJ distribution over Cholesky factors of ``dim x dim`` correlation matrices, with ``concentration``.

    Sampled by the onion method (Ghosh & Henderson, 2003), as PyTorch does.

    Example:
        >>> import brickwork as torch
        >>> torch.distributions.LKJCholesky(3, 1.0).log_prob(torch.eye(3))
        tensor(-1.5963)
    """

    arg_constraints = {"concentration": constraints.positive}
    support = constraints.corr_cholesky

    def __init__(self, dim: int, concentration: Any = 1.0, validate_args: bool | None = None) -> None:
        if dim < 2:
            raise ValueError(f"Expected dim to be an integer greater than or equal to 2. Found dim={dim}.")
        self.dim = dim
        (self.concentration,) = broadcast_all(concentration)
        marginal_conc = self.concentration + 0.5 * (dim - 2)
        offset = arange(dim - 1, dtype=self.concentration.dtype, device=self.concentration.device)
        offset = cat([offset.new_zeros((1,)), offset])
        self._beta = Beta(offset + 0.5, marginal_conc.unsqueeze(-1) - 0.5 * offset)
        super().__init__(self.concentration.shape, (dim, dim), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "LKJCholesky":
        new = LKJCholesky(self.dim, self.concentration.expand(tuple(batch_shape)), validate_args=False)
        new._validate_args = self._validate_args
        return new

    def sample(self, sample_shape: Any = ()) -> Tensor:
        from .. import where
        with no_grad():
            y = self._beta.sample(sample_shape).unsqueeze(-1)
            shape = tuple(self._extended_shape(sample_shape))
            u = randn(*shape, dtype=y.dtype, device=y.device).tril(-1)
            norm = u.norm(dim=-1, keepdim=True)
            u = where(norm > 0, u / where(norm > 0, norm, norm * 0 + 1), u * 0)
            w = y.sqrt() * u
            diag = (1 - w.pow(2).sum(-1)).clamp(min=finfo(w.dtype).tiny).sqrt()
            return w + diag.diag_embed()

    def log_prob(self, value: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(value)
        diag = value.diagonal(dim1=-1, dim2=-2)[..., 1:]
        order = arange(2, self.dim + 1, dtype=value.dtype, device=value.device)
        order = 2 * (self.concentration - 1).unsqueeze(-1) + self.dim - order
        unnormalized = (order * diag.log()).sum(-1)
        dm1 = self.dim - 1
        alpha = self.concentration + 0.5 * dm1
        normalize = 0.5 * dm1 * math.log(math.pi) + mvlgamma(alpha - 0.5, dm1) - lgamma(alpha) * dm1
        return unnormalized - normalize


class MixtureSameFamily(Distribution):
    """A mixture over the rightmost batch dim of ``component_distribution``.

    The weights are the ``Categorical`` ``mixture_distribution``.

    Example:
        >>> import brickwork as torch
        >>> D = torch.distributions
        >>> mix = D.MixtureSameFamily(D.Categorical(torch.ones(2)), D.Normal(torch.tensor([-1.0, 1.0]), 1.0))
        >>> mix.mean, mix.variance
        (tensor(0.), tensor(2.))
    """

    arg_constraints: dict[str, Any] = {}
    has_rsample = False

    def __init__(self, mixture_distribution: Categorical, component_distribution: Distribution,
                 validate_args: bool | None = None) -> None:
        if not isinstance(mixture_distribution, Categorical):
            raise ValueError(" The Mixture distribution needs to be an  instance of torch.distributions.Categorical")
        if not isinstance(component_distribution, Distribution):
            raise ValueError("The Component distribution need to be an instance of torch.distributions.Distribution")
        mdbs = tuple(mixture_distribution.batch_shape)
        cdbs = tuple(component_distribution.batch_shape[:-1])
        for s1, s2 in zip(reversed(mdbs), reversed(cdbs)):
            if s1 != 1 and s2 != 1 and s1 != s2:
                raise ValueError(f"`mixture_distribution.batch_shape` ({mdbs}) is not compatible with "
                                 f"`component_distribution.batch_shape`({cdbs})")
        km = mixture_distribution.logits.shape[-1]
        kc = component_distribution.batch_shape[-1]
        if km != kc:
            raise ValueError(f"`mixture_distribution component` ({km}) does not equal "
                             f"`component_distribution.batch_shape[-1]` ({kc})")
        self._mixture_distribution = mixture_distribution
        self._component_distribution = component_distribution
        self._num_component = km
        self._event_ndims = len(component_distribution.event_shape)
        super().__init__(cdbs, component_distribution.event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> "MixtureSameFamily":
        shape = tuple(batch_shape)
        new = MixtureSameFamily(self._mixture_distribution.expand(shape),
                                self._component_distribution.expand(shape + (self._num_component,)),
                                validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def mixture_distribution(self) -> Categorical:
        """The mixing weights."""
        return self._mixture_distribution

    @property
    def component_distribution(self) -> Distribution:
        """The components (their rightmost batch dim)."""
        return self._component_distribution

    @property
    def support(self) -> Any:  # type: ignore[override]
        """The components' support."""
        return self._component_distribution.support

    def _pad(self, x: Tensor) -> Tensor:
        return x.unsqueeze(-1 - self._event_ndims)

    def _pad_mixture_dimensions(self, x: Tensor) -> Tensor:
        dist_batch_ndims = len(self.batch_shape)
        cat_batch_ndims = len(self._mixture_distribution.batch_shape)
        pad_ndims = 0 if cat_batch_ndims == 1 else dist_batch_ndims - cat_batch_ndims
        xs = tuple(x.shape)
        return x.reshape(xs[:-1] + (1,) * pad_ndims + xs[-1:] + (1,) * self._event_ndims)

    @property
    def mean(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        return (probs * self._component_distribution.mean).sum(-1 - self._event_ndims)

    @property
    def variance(self) -> Tensor:
        probs = self._pad_mixture_dimensions(self._mixture_distribution.probs)
        d = -1 - self._event_ndims
        mean_cond_var = (probs * self._component_distribution.variance).sum(d)
        var_cond_mean = (probs * (self._component_distribution.mean - self._pad(self.mean)).pow(2)).sum(d)
        return mean_cond_var + var_cond_mean

    def cdf(self, x: Tensor) -> Tensor:
        cdf_x = self._component_distribution.cdf(self._pad(x))
        return (cdf_x * self._mixture_distribution.probs).sum(-1)

    def log_prob(self, x: Tensor) -> Tensor:
        if self._validate_args:
            self._validate_sample(x)
        log_prob_x = self._component_distribution.log_prob(self._pad(x))
        log_mix_prob = self._mixture_distribution.logits.log_softmax(-1)
        return (log_prob_x + log_mix_prob).logsumexp(-1)

    def sample(self, sample_shape: Any = ()) -> Tensor:
        sample_shape = tuple(sample_shape)
        with no_grad():
            gather_dim = len(sample_shape) + len(self.batch_shape)
            es = tuple(self.event_shape)
            mix_sample = self._mixture_distribution.sample(sample_shape)
            ms = tuple(mix_sample.shape)
            comp_samples = self._component_distribution.sample(sample_shape)
            idx = mix_sample.reshape(ms + (1,) * (len(es) + 1)).expand(ms + (1,) + es)
            return comp_samples.gather(gather_dim, idx).squeeze(gather_dim)

    def __repr__(self) -> str:
        return (f"MixtureSameFamily(\n  {self._mixture_distribution!r},\n  {self._component_distribution!r})")


class OneHotCategoricalStraightThrough(OneHotCategorical):
    """`OneHotCategorical` whose ``rsample`` passes gradients straight through to the probabilities.

    The value is the one-hot sample, the gradient that of ``probs`` (Bengio et al., 2013).

    Example:
        >>> import brickwork as torch
        >>> p = torch.tensor([0.3, 0.7], requires_grad=True)
        >>> x = torch.distributions.OneHotCategoricalStraightThrough(probs=p).rsample()
        >>> (x * torch.tensor([1.0, 2.0])).sum().backward(); p.grad
        tensor([-0.7000,  0.3000])
    """

    has_rsample = True

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        samples = self.sample(sample_shape)
        probs = self._categorical.probs
        return samples + (probs - probs.detach())
