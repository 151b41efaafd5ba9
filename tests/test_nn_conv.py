"""The image layers of minigrad.nn: PyTorch's shapes, state_dict keys and initialisation, the
formulas of BatchNorm2d and LayerNorm by hand, errors that name the layer, and gradchecks."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn

RNG = np.random.default_rng(5)


def images(*shape, dtype=np.float64):
    return mg.tensor(RNG.standard_normal(shape), dtype=dtype)


def test_conv_layers_have_pytorch_shapes_keys_and_init_bounds():
    conv = nn.Conv2d(3, 8, (4, 2), stride=2, padding=1, rng=np.random.default_rng(0))
    assert conv.weight.shape == (8, 3, 4, 2) and conv.bias.shape == (8,)
    assert list(conv.state_dict()) == ["weight", "bias"]
    bound = 1 / np.sqrt(3 * 4 * 2)                        # fan_in = in_channels kh kw
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.weight.data).max() > 0.9 * bound
    convt = nn.ConvTranspose2d(64, 3, 4, rng=np.random.default_rng(0))
    assert convt.weight.shape == (64, 3, 4, 4)           # (in, out, kh, kw)
    bound_t = 1 / np.sqrt(3 * 16)                         # PyTorch's fan_in: weight.shape[1] kh kw
    assert np.abs(convt.weight.data).max() <= bound_t and np.abs(convt.weight.data).max() > 0.95 * bound_t
    assert conv(images(2, 3, 9, 6, dtype=np.float32)).shape == (2, 8, 4, 4)
    assert convt(images(2, 64, 5, 5, dtype=np.float32)).shape == (2, 3, 8, 8)
    assert nn.ConvTranspose2d(128, 64, 4, 2, 1)(images(1, 128, 7, 7, dtype=np.float32)).shape == (1, 64, 14, 14)
    assert "kernel_size=(4, 2), stride=(2, 2), padding=(1, 1)" in repr(conv)


def test_layer_errors_name_the_layer_and_the_shapes():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8, kernel_size=\(3, 3\).*expects 3 input channels.*has 1"):
        conv(images(2, 1, 5, 5, dtype=np.float32))
    with pytest.raises(ValueError, match=r"Conv2d\(3, 8.*4-D.*\(3, 5, 5\).*batch axis"):
        conv(images(3, 5, 5, dtype=np.float32))
    with pytest.raises(ValueError, match=r"kernel \(3, 3\).*larger than the padded input \(2, 2\)"):
        conv(images(1, 3, 2, 2, dtype=np.float32))
    with pytest.raises(ValueError, match="Conv2d: in_channels must be an int >= 1"):
        nn.Conv2d(0, 8, 3)
    with pytest.raises(ValueError, match="ConvTranspose2d: output_padding"):
        nn.ConvTranspose2d(2, 2, 3, stride=1, output_padding=-1)
    with pytest.raises(ValueError, match=r"BatchNorm2d: expected input of shape \(batch, 4, height, width\)"):
        nn.BatchNorm2d(4)(images(2, 3, 5, 5, dtype=np.float32))
    with pytest.raises(ValueError, match=r"Unflatten: axis 1 .* 6272 values, \(128, 7, 8\) needs 7168"):
        nn.Unflatten(1, (128, 7, 8))(images(2, 6272, dtype=np.float32))


def test_batchnorm2d_by_hand_and_its_running_statistics():
    bn = nn.BatchNorm2d(2, momentum=0.1).double()
    bn.weight.data, bn.bias.data = np.array([2.0, 0.5]), np.array([0.1, -0.3])
    x = RNG.standard_normal((4, 2, 3, 5))
    y = bn(mg.tensor(x, dtype=np.float64)).data
    mu = x.mean(axis=(0, 2, 3))
    var = x.var(axis=(0, 2, 3))                                  # biased, divide by n = 4 * 3 * 5
    expected = (x - mu[None, :, None, None]) / np.sqrt(var[None, :, None, None] + 1e-5)
    expected = expected * bn.weight.data[None, :, None, None] + bn.bias.data[None, :, None, None]
    np.testing.assert_allclose(y, expected, rtol=1e-12)
    n = 4 * 3 * 5
    np.testing.assert_allclose(bn.running_mean, 0.1 * mu, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, 0.9 + 0.1 * var * n / (n - 1), rtol=1e-12)   # unbiased
    assert int(bn.num_batches_tracked) == 1
    bn.eval()
    x2 = RNG.standard_normal((3, 2, 2, 2))
    expected2 = (x2 - bn.running_mean[None, :, None, None]) / np.sqrt(bn.running_var[None, :, None, None] + 1e-5)
    expected2 = expected2 * bn.weight.data[None, :, None, None] + bn.bias.data[None, :, None, None]
    np.testing.assert_allclose(bn(mg.tensor(x2, dtype=np.float64)).data, expected2, rtol=1e-12)
    assert int(bn.num_batches_tracked) == 1                     # eval mode does not count
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]


def test_layer_norm_by_hand_does_not_mix_samples():
    ln = nn.LayerNorm((3, 4)).double()
    ln.weight.data = RNG.standard_normal((3, 4))
    ln.bias.data = RNG.standard_normal((3, 4))
    x = RNG.standard_normal((5, 2, 3, 4))
    y = ln(mg.tensor(x, dtype=np.float64)).data
    mu = x.mean(axis=(2, 3), keepdims=True)
    var = x.var(axis=(2, 3), keepdims=True)
    np.testing.assert_allclose(y, (x - mu) / np.sqrt(var + 1e-5) * ln.weight.data + ln.bias.data, rtol=1e-12)
    x[0] += 100.0                                                # another sample changes nothing
    np.testing.assert_allclose(ln(mg.tensor(x, dtype=np.float64)).data[1:], y[1:], rtol=1e-12)


def test_pooling_upsampling_flatten_and_channel_dropout():
    x = np.arange(2 * 1 * 4 * 4, dtype=np.float64).reshape(2, 1, 4, 4)
    np.testing.assert_array_equal(nn.MaxPool2d(2)(mg.tensor(x)).data[0, 0], [[5, 7], [13, 15]])
    np.testing.assert_array_equal(nn.AvgPool2d(2)(mg.tensor(x)).data[0, 0], [[2.5, 4.5], [10.5, 12.5]])
    # padding never wins a max (it is -inf there), but counts as zeros in an average (as in torch)
    np.testing.assert_array_equal(nn.MaxPool2d(3, 2, 1)(mg.tensor(-1.0 - x)).data[0, 0], [[-1, -2], [-5, -6]])
    np.testing.assert_allclose(nn.AvgPool2d(3, 2, 1)(mg.tensor(np.ones((1, 1, 4, 4)))).data[0, 0],
                               [[4 / 9, 6 / 9], [6 / 9, 1.0]])
    up = nn.Upsample(scale_factor=2)(mg.tensor(x[:, :, :2, :2])).data[0, 0]
    np.testing.assert_array_equal(up, [[0, 0, 1, 1], [0, 0, 1, 1], [4, 4, 5, 5], [4, 4, 5, 5]])
    flat = nn.Flatten()(mg.tensor(x))
    assert flat.shape == (2, 16) and nn.Unflatten(1, (1, 4, 4))(flat).shape == (2, 1, 4, 4)
    drop = nn.Dropout2d(0.5, rng=np.random.default_rng(0))
    y = drop(mg.tensor(np.ones((8, 6, 3, 3)))).data
    per_channel = y.reshape(8, 6, 9)
    assert np.all((per_channel == 0).all(axis=2) | (per_channel == 2.0).all(axis=2))   # whole channels
    assert 0.2 < (per_channel[:, :, 0] == 0).mean() < 0.8
    drop.eval()
    np.testing.assert_array_equal(drop(mg.tensor(np.ones((2, 2, 2, 2)))).data, 1.0)


def _layers():
    rng = np.random.default_rng(2)
    bn = nn.BatchNorm2d(2).double()
    bn.weight.data, bn.bias.data = rng.standard_normal(2), rng.standard_normal(2)
    return {
        "Conv2d": (nn.Conv2d(2, 3, (3, 2), stride=(2, 1), padding=1, rng=rng).double(), (2, 2, 5, 4)),
        "ConvTranspose2d": (nn.ConvTranspose2d(2, 2, 4, 2, 1, rng=rng).double(), (1, 2, 3, 3)),
        "BatchNorm2d-train": (bn, (3, 2, 2, 3)),
        "LayerNorm": (nn.LayerNorm(4).double(), (3, 2, 4)),
        "MaxPool2d": (nn.MaxPool2d(2), (2, 2, 4, 4)),
        "AvgPool2d": (nn.AvgPool2d(3, 2, 1), (1, 2, 5, 5)),
        "Upsample": (nn.Upsample(scale_factor=2), (1, 2, 2, 3)),
    }


@pytest.mark.parametrize("name", list(_layers()))
def test_layers_gradcheck_and_gradgradcheck(name):
    layer, shape = _layers()[name]
    x = mg.tensor(RNG.standard_normal(shape), requires_grad=True, dtype=np.float64)
    inputs = (x, *layer.parameters())
    assert mg.gradcheck(lambda x, *params: layer(x), inputs)
    assert mg.gradgradcheck(lambda x, *params: layer(x), inputs)


def small_dcgan(rng):
    G = nn.Sequential(nn.Linear(8, 16 * 3 * 3, rng=rng), nn.BatchNorm1d(16 * 3 * 3), nn.ReLU(),
                      nn.Unflatten(1, (16, 3, 3)), nn.ConvTranspose2d(16, 8, 4, 2, 1, rng=rng), nn.BatchNorm2d(8),
                      nn.ReLU(), nn.ConvTranspose2d(8, 1, 4, 2, 1, rng=rng), nn.Tanh())
    D = nn.Sequential(nn.Conv2d(1, 8, 4, 2, 1, rng=rng), nn.LeakyReLU(0.2), nn.Conv2d(8, 16, 4, 2, 1, rng=rng),
                      nn.BatchNorm2d(16), nn.LeakyReLU(0.2), nn.Flatten(), nn.Linear(16 * 3 * 3, 1, rng=rng))
    return G, D


def test_a_dcgan_trains_a_few_steps_and_its_state_dict_round_trips():
    G, D = small_dcgan(np.random.default_rng(0))
    opt = mg.optim.Adam(D.parameters() + G.parameters(), lr=1e-2)
    z = mg.tensor(RNG.standard_normal((16, 8)), dtype=np.float32)
    losses = []
    for _ in range(15):
        loss = mg.functional.softplus(-D(G(z))).mean()       # G and D together push D(G(z)) up
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    state = G.state_dict()
    assert "5.num_batches_tracked" in state and state["4.weight"].shape == (16, 8, 4, 4)
    G2, _ = small_dcgan(np.random.default_rng(1))
    G2.load_state_dict(state)
    G.eval(), G2.eval()
    np.testing.assert_array_equal(G2(z).data, G(z).data)
