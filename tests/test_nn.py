"""minigrad.nn: registration, modes, state dicts, each layer against its formula, gradchecks in float64."""
import math

import numpy as np
import pytest

import minigrad as mg
from minigrad import nn


@pytest.fixture(autouse=True)
def float32_default():
    mg.set_default_dtype(np.float32)
    yield
    mg.set_default_dtype(np.float32)


class Critic(nn.Module):
    """A module with its own parameter and a nested container, as users write them."""

    def __init__(self):
        super().__init__()
        self.scale = nn.Parameter(np.ones(1))
        self.net = nn.Sequential(nn.Linear(3, 4, rng=np.random.default_rng(0)), nn.ReLU(),
                                 nn.Linear(4, 1, rng=np.random.default_rng(1)))
        self.note = "not registered"

    def forward(self, x):
        return self.net(x) * self.scale


# ----------------------------------------------------------------------------- Module mechanics

def test_registration_and_dotted_names():
    critic = Critic()
    names = [name for name, _ in critic.named_parameters()]
    assert names == ["scale", "net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]
    assert [p.shape for p in critic.parameters()] == [(1,), (4, 3), (4,), (1, 4), (1,)]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in critic.parameters())
    assert [name for name, _ in critic.named_modules()] == ["", "net", "net.0", "net.1", "net.2"]
    assert critic.num_parameters() == 1 + 12 + 4 + 4 + 1


def test_reassigning_an_attribute_unregisters_it():
    critic = Critic()
    critic.scale = None
    assert "scale" not in dict(critic.named_parameters())
    critic.net = nn.Linear(3, 1)
    assert sorted(dict(critic.named_parameters())) == ["net.bias", "net.weight"]


def test_assigning_before_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.weight = nn.Parameter(np.ones(2))

    with pytest.raises(AttributeError, match=r"call super\(\)\.__init__\(\) before assigning"):
        Broken()


def test_zero_grad_and_call_runs_forward():
    critic = Critic()
    out = critic(mg.tensor(np.ones((2, 3), dtype=np.float32)))
    assert out.shape == (2, 1)
    out.sum().backward()
    assert all(p.grad is not None for p in critic.parameters())
    critic.zero_grad()
    assert all(p.grad is None for p in critic.parameters())


def test_train_eval_reach_every_submodule():
    net = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.Dropout(0.5), nn.BatchNorm1d(3)))
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())


def test_to_double_keeps_parameter_objects():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    before = net.parameters()
    net.double()
    assert [id(p) for p in net.parameters()] == [id(p) for p in before]
    assert all(p.dtype == np.float64 for p in net.parameters())
    assert net[1].running_var.dtype == np.float64
    assert net(mg.tensor(np.ones((4, 2)), dtype=np.float64)).dtype == np.float64
    net.float()
    assert all(p.dtype == np.float32 for p in net.parameters())


def test_repr_prints_the_tree_with_shapes():
    text = repr(Critic())
    assert text.splitlines() == [
        "Critic(  # scale (1,)",
        "  (net): Sequential(",
        "    (0): Linear(in_features=3, out_features=4, bias=True)  # weight (4, 3), bias (4,)",
        "    (1): ReLU()",
        "    (2): Linear(in_features=4, out_features=1, bias=True)  # weight (1, 4), bias (1,)",
        "  )",
        ")",
    ]
    assert repr(nn.BatchNorm1d(5)).startswith("BatchNorm1d(5, eps=1e-05, momentum=0.1, affine=True)")


# ----------------------------------------------------------------------------- state dicts

def test_state_dict_round_trip_into_a_fresh_model():
    source, target = Critic(), Critic()
    for p in target.parameters():
        p.data = p.data + 1.0
    x = mg.tensor(np.random.default_rng(0).standard_normal((5, 3)), dtype=np.float32)
    target.load_state_dict(source.state_dict())
    assert np.array_equal(target(x).data, source(x).data)
    state = source.state_dict()
    state["scale"][...] = 7.0  # the state dict holds copies
    assert source.scale.data[0] == 1.0


def test_load_state_dict_accepts_tensors_and_casts_dtype():
    critic = Critic()
    state = {name: mg.tensor(np.full(p.shape, 0.5), dtype=np.float64) for name, p in critic.named_parameters()}
    critic.load_state_dict(state)
    assert critic.net[0].weight.dtype == np.float32
    assert np.all(critic.net[0].weight.data == 0.5)


def test_state_dict_includes_batchnorm_buffers():
    net = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    net(mg.tensor(np.random.default_rng(0).standard_normal((8, 2)), dtype=np.float32))
    assert net[1].running_var.dtype == np.float32
    state = net.state_dict()
    assert list(state) == ["0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean", "1.running_var",
                           "1.num_batches_tracked"]
    fresh = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    fresh.load_state_dict(state)
    assert np.array_equal(fresh[1].running_var, net[1].running_var)
    assert "running_var" in fresh[1]._buffers  # still a registered buffer after the load


def test_load_state_dict_errors_name_the_key_and_shapes():
    critic = Critic()
    good = critic.state_dict()

    wrong = dict(good, **{"net.0.weight": np.zeros((3, 4))})
    with pytest.raises(ValueError, match=r"'net.0.weight' has shape \(3, 4\) in the state dict but \(4, 3\)"):
        critic.load_state_dict(wrong)

    missing = {k: v for k, v in good.items() if k != "net.2.bias"}
    with pytest.raises(KeyError, match=r"missing keys \['net.2.bias'\]"):
        critic.load_state_dict(missing)

    with pytest.raises(nn.StateDictError, match=r"unexpected keys \['net.9.weight'\]"):
        critic.load_state_dict(dict(good, **{"net.9.weight": np.zeros(2)}))

    missing_keys, unexpected = critic.load_state_dict(dict(missing, extra=np.zeros(1)), strict=False)
    assert (missing_keys, unexpected) == (["net.2.bias"], ["extra"])


def test_failed_load_changes_nothing():
    critic = Critic()
    before = critic.state_dict()
    bad = {name: np.full(value.shape, 9.0) for name, value in before.items()}
    bad["net.2.bias"] = np.zeros(3)  # the last key is wrong: the earlier ones must not be copied either
    with pytest.raises(ValueError):
        critic.load_state_dict(bad)
    for name, value in critic.state_dict().items():
        assert np.array_equal(value, before[name])


# ----------------------------------------------------------------------------- layers against formulas

def test_linear_is_x_w_transpose_plus_b():
    layer = nn.Linear(3, 2, rng=np.random.default_rng(0))
    x = np.random.default_rng(1).standard_normal((4, 3)).astype(np.float32)
    expected = x @ layer.weight.data.T + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected, rtol=1e-6)
    assert layer.weight.shape == (2, 3)
    assert nn.Linear(3, 2, bias=False).bias is None
    with pytest.raises(ValueError, match="expects 3"):
        layer(np.ones((4, 5), dtype=np.float32))


def test_linear_init_is_uniform_within_one_over_sqrt_fan_in():
    layer = nn.Linear(64, 256, rng=np.random.default_rng(0))
    bound = 1 / 8.0
    w, b = layer.weight.data, layer.bias.data
    assert np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert np.abs(w).max() > 0.99 * bound  # the whole interval is used, not a narrower one
    # U(-a, a) has standard deviation a / sqrt(3) and mean 0
    assert w.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    assert abs(w.mean()) < 0.005
    same = nn.Linear(64, 256, rng=np.random.default_rng(0))
    assert np.array_equal(same.weight.data, w)


def test_activations_match_their_formulas():
    x = np.array([[-2.0, -0.5, 0.5, 3.0]], dtype=np.float32)
    np.testing.assert_allclose(nn.ReLU()(x).data, [[0, 0, 0.5, 3.0]])
    np.testing.assert_allclose(nn.LeakyReLU(0.2)(x).data, [[-0.4, -0.1, 0.5, 3.0]], rtol=1e-6)
    np.testing.assert_allclose(nn.Tanh()(x).data, np.tanh(x), rtol=1e-6)
    np.testing.assert_allclose(nn.Sigmoid()(x).data, 1 / (1 + np.exp(-x)), rtol=1e-6)


def test_dropout_scales_survivors_in_train_and_is_identity_in_eval():
    p = 0.25
    layer = nn.Dropout(p, rng=np.random.default_rng(0))
    x = np.full((200, 500), 2.0, dtype=np.float32)
    y = layer(x).data
    assert set(np.unique(y)) == {0.0, np.float32(2.0 / (1 - p))}
    assert np.mean(y == 0) == pytest.approx(p, abs=0.005)
    assert y.mean() == pytest.approx(2.0, rel=0.01)  # E[y] = x
    layer.eval()
    assert np.array_equal(layer(x).data, x)
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.0)


def batchnorm_by_hand(x, weight, bias, eps):
    mean = x.mean(axis=0)
    var = ((x - mean) ** 2).mean(axis=0)
    return weight * (x - mean) / np.sqrt(var + eps) + bias


def test_batchnorm_train_and_eval_by_hand_formulas():
    rng = np.random.default_rng(0)
    bn = nn.BatchNorm1d(3, eps=1e-3, momentum=0.2).double()
    bn.weight.data = rng.standard_normal(3)
    bn.bias.data = rng.standard_normal(3)
    batches = [rng.standard_normal((6, 3)) * 2 + 1 for _ in range(2)]
    running_mean, running_var = np.zeros(3), np.ones(3)
    for x in batches:
        out = bn(mg.tensor(x))
        np.testing.assert_allclose(out.data, batchnorm_by_hand(x, bn.weight.data, bn.bias.data, 1e-3), rtol=1e-12)
        running_mean = 0.8 * running_mean + 0.2 * x.mean(axis=0)
        running_var = 0.8 * running_var + 0.2 * x.var(axis=0, ddof=1)  # unbiased
    np.testing.assert_allclose(bn.running_mean, running_mean, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, running_var, rtol=1e-12)

    bn.eval()
    x = rng.standard_normal((4, 3))
    expected = bn.weight.data * (x - running_mean) / np.sqrt(running_var + 1e-3) + bn.bias.data
    np.testing.assert_allclose(bn(mg.tensor(x)).data, expected, rtol=1e-12)
    np.testing.assert_allclose(bn.running_var, running_var, rtol=1e-12)  # eval does not update


def test_batchnorm_backward_matches_the_closed_form():
    """The torch-free twin of test_batchnorm_matches_torch. Training mode, with x_hat = (x - mu) / s,
    s = sqrt(var + eps) and the upstream gradient G (means over the batch, per feature):
        dL/dx = weight / s * (G - mean G - x_hat mean(G x_hat)),  dL/dweight = sum G x_hat,  dL/dbias = sum G;
    eval mode: dL/dx = G weight / sqrt(running_var + eps)."""
    rng = np.random.default_rng(3)
    bn = nn.BatchNorm1d(4, eps=1e-5, momentum=0.3).double()
    bn.weight.data, bn.bias.data = rng.standard_normal(4), rng.standard_normal(4)
    x, upstream = rng.standard_normal((8, 4)) * 3 - 1, rng.standard_normal((8, 4))
    x_in = mg.tensor(x, requires_grad=True)
    bn(x_in).backward(mg.tensor(upstream))
    s = np.sqrt(x.var(axis=0) + 1e-5)
    x_hat = (x - x.mean(axis=0)) / s
    expected = bn.weight.data / s * (upstream - upstream.mean(axis=0) - x_hat * (upstream * x_hat).mean(axis=0))
    np.testing.assert_allclose(x_in.grad.data, expected, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(bn.weight.grad.data, (upstream * x_hat).sum(axis=0), rtol=1e-10)
    np.testing.assert_allclose(bn.bias.grad.data, upstream.sum(axis=0), rtol=1e-12)
    bn.eval()
    x_in = mg.tensor(x, requires_grad=True)
    bn(x_in).backward(mg.tensor(upstream))
    np.testing.assert_allclose(x_in.grad.data, upstream * bn.weight.data / np.sqrt(bn.running_var + 1e-5), rtol=1e-12)


def test_batchnorm_rejects_bad_inputs():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match=r"expected input of shape \(batch, 3\)"):
        bn(np.ones((4, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="more than 1 value"):
        bn(np.ones((1, 3), dtype=np.float32))


def test_batchnorm_matches_torch():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    ours = nn.BatchNorm1d(4, eps=1e-5, momentum=0.3).double()
    theirs = torch.nn.BatchNorm1d(4, eps=1e-5, momentum=0.3).double()
    weight, bias = rng.standard_normal(4), rng.standard_normal(4)
    ours.weight.data, ours.bias.data = weight.copy(), bias.copy()
    with torch.no_grad():
        theirs.weight.copy_(torch.from_numpy(weight))
        theirs.bias.copy_(torch.from_numpy(bias))
    for _ in range(3):
        x = rng.standard_normal((8, 4)) * 3 - 1
        upstream = rng.standard_normal((8, 4))
        x_ours = mg.tensor(x, requires_grad=True)
        x_theirs = torch.tensor(x, requires_grad=True)
        out_ours, out_theirs = ours(x_ours), theirs(x_theirs)
        np.testing.assert_allclose(out_ours.data, out_theirs.detach().numpy(), rtol=1e-10, atol=1e-12)
        out_ours.backward(mg.tensor(upstream))
        out_theirs.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(x_ours.grad.data, x_theirs.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(ours.weight.grad.data, theirs.weight.grad.numpy(), rtol=1e-9, atol=1e-12)
        ours.zero_grad()
        theirs.zero_grad()
    np.testing.assert_allclose(ours.running_mean, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var, theirs.running_var.numpy(), rtol=1e-12)
    ours.eval()
    theirs.eval()
    x = rng.standard_normal((5, 4))
    np.testing.assert_allclose(ours(mg.tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(), rtol=1e-10)


def test_mlp_builder():
    net = nn.MLP([2, 5, 4, 1], activation=("leaky_relu", 0.2), out_activation="sigmoid")
    # every activation fused into the Linear before it; names as torch.nn.Sequential(Linear, act, ...)
    assert [(name, type(m).__name__, m.activation) for name, m in net.named_children()] == [
        ("0", "Linear", "leaky_relu"), ("2", "Linear", "leaky_relu"), ("4", "Linear", "sigmoid")]
    assert net[0].negative_slope == 0.2
    assert list(net.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias"]
    assert [(m.in_features, m.out_features) for m in net] == [(2, 5), (5, 4), (4, 1)]
    out = net(np.zeros((3, 2), dtype=np.float32))
    assert out.shape == (3, 1) and np.all((out.data > 0) & (out.data < 1)) and out.grad_fn == "linear+sigmoid"
    assert [type(m).__name__ for m in nn.MLP([2, 3], "tanh")] == ["Linear"]
    with pytest.raises(ValueError, match="unknown activation 'swish'"):
        nn.MLP([2, 3, 1], "swish")
    # an activation that cannot be fused stays a layer of its own, under its torch index
    kept = nn.MLP([2, 3, 1], activation=("leaky_relu", -0.5))
    assert [(name, type(m).__name__) for name, m in kept.named_children()] == [
        ("0", "Linear"), ("1", "LeakyReLU"), ("2", "Linear")]


def test_mlp_equals_the_unfused_sequential_and_sequential_only_sequences():
    rng = np.random.default_rng(3)
    mlp = nn.MLP([3, 6, 2], "tanh", out_activation="sigmoid", rng=rng).double()
    seq = nn.Sequential(nn.Linear(3, 6), nn.Tanh(), nn.Linear(6, 2), nn.Sigmoid()).double()
    seq.load_state_dict(mlp.state_dict())                    # the same keys
    x = mg.tensor(rng.standard_normal((5, 3)), dtype=np.float64)
    np.testing.assert_allclose(mlp(x).data, seq(x).data, rtol=1e-14)
    assert seq(x).grad_fn == "sigmoid"                        # no fusion behind the user's back
    calls = []

    class Recorder(nn.Module):
        def forward(self, x):
            calls.append(x.shape)
            return x
    nn.Sequential(nn.Linear(3, 4), Recorder(), nn.ReLU(), Recorder())(x.float())
    assert calls == [(5, 4), (5, 4)]                          # every module through its own __call__


def test_linear_forward_takes_only_x():
    layer = nn.Linear(3, 2)
    with pytest.raises(TypeError):
        layer(mg.tensor(np.zeros((1, 3), np.float32)), "relu")


# ----------------------------------------------------------------------------- gradchecks (float64)

def away_from_zero(rng, *shape):
    """Random values with |x| >= 0.2, so finite differences never straddle the kink of (leaky) ReLU."""
    x = rng.standard_normal(shape)
    return np.sign(x) * (np.abs(x) + 0.2)


def fixed_mask_dropout(p):
    """Dropout whose mask is the same on every call (finite differences call the layer many times)."""
    layer = nn.Dropout(p)

    def forward(x):
        layer.rng = np.random.default_rng(0)
        return layer(x)
    return forward, layer


def layers_to_check():
    rng = np.random.default_rng(0)
    bn_train = nn.BatchNorm1d(3).double()
    bn_train.weight.data, bn_train.bias.data = rng.standard_normal(3), rng.standard_normal(3)
    bn_eval = nn.BatchNorm1d(3).double()
    bn_eval.running_mean, bn_eval.running_var = rng.standard_normal(3), rng.random(3) + 0.5
    bn_eval.eval()
    dropout, dropout_layer = fixed_mask_dropout(0.4)
    return {
        "Linear": (nn.Linear(3, 2, rng=rng).double(), None),
        "Linear-no-bias": (nn.Linear(3, 2, bias=False, rng=rng).double(), None),
        "ReLU": (nn.ReLU(), None),
        "LeakyReLU": (nn.LeakyReLU(0.1), None),
        "Tanh": (nn.Tanh(), None),
        "Sigmoid": (nn.Sigmoid(), None),
        "Dropout-train": (dropout_layer, dropout),
        "BatchNorm1d-train": (bn_train, None),
        "BatchNorm1d-eval": (bn_eval, None),
        "MLP-tanh": (nn.MLP([3, 4, 2], "tanh", out_activation="sigmoid", rng=rng).double(), None),
    }


@pytest.mark.parametrize("name", list(layers_to_check()))
def test_gradcheck_and_gradgradcheck(name):
    layer, forward = layers_to_check()[name]
    forward = forward or layer
    x = mg.tensor(away_from_zero(np.random.default_rng(1), 4, 3), requires_grad=True, dtype=np.float64)
    # the parameters are inputs too: gradcheck perturbs their arrays in place
    inputs = (x, *layer.parameters())
    assert all(t.dtype == np.float64 for t in inputs)
    assert mg.gradcheck(lambda x, *params: forward(x), inputs)
    assert mg.gradgradcheck(lambda x, *params: forward(x), inputs)


def test_gradcheck_catches_a_wrong_layer():
    """The check above can fail: a layer whose backward is wrong (forward 2x, backward says x) is caught."""
    class Wrong(nn.Module):
        def forward(self, x):
            doubled = x * 2.0
            return x + mg.tensor(doubled.data - x.data)  # value 2x, but the gradient path sees only x

    x = mg.tensor(np.ones((2, 2)), requires_grad=True, dtype=np.float64)
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(Wrong(), (x,))
