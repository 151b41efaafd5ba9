"""Convolution ops (minigrad/convolution.py): values against direct sums written out here,
gradients first and second order against finite differences in float64, and clear errors."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import functional as F

RNG = np.random.default_rng(11)


def leaf(*shape, scale=1.0):
    return mg.tensor(RNG.standard_normal(shape) * scale, requires_grad=True, dtype=np.float64)


def direct_conv2d(x, w, b, stride, padding, dilation):
    """The definition, as nested sums: y[n,o,p,q] = b[o] + sum_{c,i,j} w[o,c,i,j] x_pad[n,c,p s + i d, q s + j d]."""
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    N, C, H, W = x.shape
    O, _, kh, kw = w.shape
    xp = np.zeros((N, C, H + 2 * ph, W + 2 * pw))
    xp[:, :, ph:ph + H, pw:pw + W] = x
    oh = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    ow = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((N, O, oh, ow))
    for n in range(N):
        for o in range(O):
            for p in range(oh):
                for q in range(ow):
                    total = 0.0 if b is None else b[o]
                    for c in range(C):
                        for i in range(kh):
                            for j in range(kw):
                                total += w[o, c, i, j] * xp[n, c, p * sh + i * dh, q * sw + j * dw]
                    y[n, o, p, q] = total
    return y


def direct_conv_transpose2d(x, w, b, stride, padding, output_padding, dilation):
    """Each input pixel scatters w[c] times its value: y[n, o, p s + i d - pad, q s + j d - pad] += x[n,c,p,q] w[c,o,i,j]."""
    (sh, sw), (ph, pw), (eh, ew), (dh, dw) = stride, padding, output_padding, dilation
    N, C, H, W = x.shape
    _, O, kh, kw = w.shape
    Ho = (H - 1) * sh - 2 * ph + dh * (kh - 1) + eh + 1
    Wo = (W - 1) * sw - 2 * pw + dw * (kw - 1) + ew + 1
    y = np.zeros((N, O, Ho, Wo)) + (0 if b is None else b[None, :, None, None])
    for n in range(N):
        for c in range(C):
            for p in range(H):
                for q in range(W):
                    for i in range(kh):
                        for j in range(kw):
                            r, s = p * sh + i * dh - ph, q * sw + j * dw - pw
                            if 0 <= r < Ho and 0 <= s < Wo:
                                y[n, :, r, s] += x[n, c, p, q] * w[c, :, i, j]
    return y


# (input shape, weight shape, stride, padding, dilation)
CONV_CASES = [
    ((2, 2, 5, 4), (3, 2, 3, 2), (1, 1), (0, 0), (1, 1)),
    ((1, 1, 6, 7), (2, 1, 2, 3), (2, 3), (1, 2), (1, 1)),       # batch 1, one channel, non-square
    ((1, 2, 7, 5), (2, 2, 3, 2), (3, 1), (2, 0), (2, 1)),       # stride 3, padding 2, dilation 2
    ((2, 2, 4, 4), (3, 2, 1, 1), (1, 2), (0, 1), (1, 1)),       # 1x1 kernel
    ((1, 2, 3, 4), (2, 2, 3, 4), (1, 1), (0, 0), (1, 1)),       # kernel equal to the input
]
# (input shape, weight shape, stride, padding, output_padding, dilation)
CONV_T_CASES = [
    ((2, 2, 3, 4), (2, 3, 3, 2), (1, 1), (0, 0), (0, 0), (1, 1)),
    ((1, 2, 3, 2), (2, 2, 4, 4), (2, 2), (1, 1), (0, 0), (1, 1)),    # the DCGAN upsampling layer
    ((2, 1, 2, 3), (1, 2, 2, 3), (3, 2), (2, 0), (1, 1), (1, 2)),    # output_padding, dilation
    ((1, 2, 3, 3), (2, 2, 1, 1), (2, 1), (0, 0), (1, 0), (1, 1)),    # 1x1 kernel
    ((1, 1, 3, 2), (1, 2, 2, 3), (1, 1), (1, 0), (1, 1), (2, 2)),    # output_padding >= stride (< dilation)
]


@pytest.mark.parametrize("xs,ws,stride,padding,dilation", CONV_CASES)
def test_conv2d_equals_the_direct_sum(xs, ws, stride, padding, dilation):
    x, w, b = RNG.standard_normal(xs), RNG.standard_normal(ws), RNG.standard_normal(ws[0])
    y = F.conv2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), stride, padding, dilation)
    np.testing.assert_allclose(y.data, direct_conv2d(x, w, b, stride, padding, dilation), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("xs,ws,stride,padding,output_padding,dilation", CONV_T_CASES)
def test_conv_transpose2d_equals_the_direct_scatter(xs, ws, stride, padding, output_padding, dilation):
    x, w, b = RNG.standard_normal(xs), RNG.standard_normal(ws), RNG.standard_normal(ws[1])
    y = F.conv_transpose2d(mg.tensor(x), mg.tensor(w), mg.tensor(b), stride, padding, output_padding, dilation)
    np.testing.assert_allclose(y.data, direct_conv_transpose2d(x, w, b, stride, padding, output_padding, dilation),
                               rtol=1e-12, atol=1e-12)


def test_transposed_convolution_is_the_vjp_of_convolution():
    """conv_transpose2d(g, W) is dL/dx of y = conv2d(x, W) when g = dL/dy (same sizes)."""
    x, w = leaf(2, 3, 7, 6), mg.tensor(RNG.standard_normal((4, 3, 3, 3)), dtype=np.float64)
    y = F.conv2d(x, w, stride=2, padding=1)
    g = RNG.standard_normal(y.shape)
    (dx,) = mg.grad(y, x, grad_outputs=mg.tensor(g, dtype=np.float64))
    back = F.conv_transpose2d(mg.tensor(g, dtype=np.float64), w, stride=2, padding=1, output_padding=(0, 1))
    np.testing.assert_allclose(back.data, dx.data, rtol=1e-12, atol=1e-12)


def test_fold_is_the_adjoint_of_unfold():
    x = RNG.standard_normal((2, 3, 6, 5))
    cols = F.unfold(mg.tensor(x), (3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1))
    c = RNG.standard_normal(cols.shape)
    back = F.fold(mg.tensor(c), (6, 5), (3, 2), dilation=(1, 2), padding=(1, 0), stride=(2, 1))
    assert np.sum(cols.data * c) == pytest.approx(np.sum(x * back.data), rel=1e-12)
    # unfold by hand at one position: column (c=1, i=2, j=1) of patch (p=1, q=0)
    kw, ow = 2, cols.shape[2] // 3
    assert cols.data[0, (1 * 3 + 2) * kw + 1, 1 * ow + 0] == x[0, 1, 1 * 2 + 2 - 1, 0 + 1 * 2 - 0]


# ----------------------------------------------------------------------------- gradients

def _cases():
    cases = []
    for xs, ws, stride, padding, dilation in CONV_CASES[:4]:
        cases.append((f"conv2d {xs} {ws} s{stride} p{padding} d{dilation}",
                      lambda x, w, b, s=stride, p=padding, d=dilation: F.conv2d(x, w, b, s, p, d),
                      lambda xs=xs, ws=ws: (leaf(*xs), leaf(*ws), leaf(ws[0]))))
    for xs, ws, stride, padding, extra, dilation in CONV_T_CASES[:3] + CONV_T_CASES[4:]:
        cases.append((f"conv_transpose2d {xs} {ws} s{stride} p{padding} op{extra} d{dilation}",
                      lambda x, w, b, s=stride, p=padding, e=extra, d=dilation: F.conv_transpose2d(x, w, b, s, p, e, d),
                      lambda xs=xs, ws=ws: (leaf(*xs), leaf(*ws), leaf(ws[1]))))
    cases += [
        ("conv2d no bias", lambda x, w: F.conv2d(x, w, padding=1), lambda: (leaf(1, 2, 4, 3), leaf(2, 2, 2, 2))),
        ("unfold", lambda x: F.unfold(x, (2, 3), dilation=(2, 1), padding=1, stride=(1, 2)), lambda: (leaf(2, 2, 5, 6),)),
        ("fold", lambda c: F.fold(c, (5, 4), 2, padding=(1, 0), stride=(2, 1)), lambda: (leaf(2, 8, 9),)),
        ("max_pool2d 2", lambda x: F.max_pool2d(x, 2), lambda: (leaf(2, 2, 4, 6),)),
        ("max_pool2d 3 s2 p1", lambda x: F.max_pool2d(x, 3, 2, 1), lambda: (leaf(1, 2, 5, 5),)),
        ("avg_pool2d (3,2) s(1,2) p(1,0)", lambda x: F.avg_pool2d(x, (3, 2), (1, 2), (1, 0)), lambda: (leaf(2, 1, 5, 6),)),
        ("interpolate x2", lambda x: F.interpolate(x, scale_factor=2), lambda: (leaf(1, 2, 3, 2),)),
        ("interpolate to (5, 4)", lambda x: F.interpolate(x, size=(5, 4)), lambda: (leaf(1, 1, 3, 3),)),
        ("pad", lambda x: F.pad(x, (1, 2, 0, 1), value=0.5), lambda: (leaf(2, 1, 3, 2),)),
    ]
    return cases


CASES = _cases()


@pytest.mark.parametrize("name,fn,make", CASES, ids=[c[0] for c in CASES])
def test_first_order(name, fn, make):
    assert mg.gradcheck(fn, make())


@pytest.mark.parametrize("name,fn,make", CASES, ids=[c[0] for c in CASES])
def test_second_order(name, fn, make):
    assert mg.gradgradcheck(fn, make())


def test_gradient_penalty_through_a_conv_critic_by_finite_differences():
    """WGAN-GP through a convolution: d/dW of (||grad_x D(x)|| - 1)^2 needs the second derivative
    of conv2d (unfold's vjp is fold, fold's vjp is unfold); checked against finite differences."""
    x = leaf(2, 1, 4, 4)
    w1, w2 = leaf(2, 1, 2, 2, scale=0.5), leaf(1, 2 * 2 * 2)

    def penalty(w1, w2):
        h = F.conv2d(x, w1, stride=2).tanh()
        score = mg.linear(h.reshape(2, -1), w2)
        (grad_x,) = mg.grad(score.sum(), x, create_graph=True)
        return ((F.norm(grad_x.reshape(2, -1), axis=1) - 1.0) ** 2).mean()

    assert mg.gradcheck(penalty, (w1, w2))


# ----------------------------------------------------------------------------- errors

def test_errors_name_the_op_and_the_shapes():
    x = mg.tensor(np.zeros((2, 3, 5, 5), np.float32))
    with pytest.raises(ValueError, match=r"conv2d: weight of shape \(4, 2, 3, 3\) expects 2 input channels, "
                                         r"the input of shape \(2, 3, 5, 5\) has 3"):
        F.conv2d(x, mg.tensor(np.zeros((4, 2, 3, 3), np.float32)))
    with pytest.raises(ValueError, match=r"unfold: kernel \(4, 4\) \(dilation \(3, 3\)\) is larger than the padded "
                                         r"input \(7, 7\)"):
        F.conv2d(x, mg.tensor(np.zeros((4, 3, 4, 4), np.float32)), padding=(1, 1), dilation=(3, 3))
    with pytest.raises(ValueError, match=r"conv2d: input must be 4-D .*\(3, 5, 5\).*batch axis"):
        F.conv2d(mg.tensor(np.zeros((3, 5, 5), np.float32)), mg.tensor(np.zeros((4, 3, 3, 3), np.float32)))
    with pytest.raises(ValueError, match=r"conv_transpose2d: output size .* below 1"):
        F.conv_transpose2d(mg.tensor(np.zeros((1, 1, 1, 1), np.float32)), mg.tensor(np.zeros((1, 1, 1, 1), np.float32)),
                           padding=1)
    with pytest.raises(ValueError, match=r"conv2d: stride must be an int >= 1"):
        F.conv2d(x, mg.tensor(np.zeros((4, 3, 3, 3), np.float32)), stride=0)
    with pytest.raises(ValueError, match=r"fold: input of shape \(1, 8, 5\) does not fit output size \(4, 4\)"):
        F.fold(mg.tensor(np.zeros((1, 8, 5))), (4, 4), 2)
    with pytest.raises(TypeError, match=r"matmul: dtypes float64 and float32"):
        F.conv2d(x, mg.tensor(np.zeros((4, 3, 3, 3)), dtype=np.float64))
