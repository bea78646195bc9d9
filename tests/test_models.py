import numpy as np
import pytest

from trainer.models import MODELS, MaxPool2D, build_model, count_parameters
from trainer.mxnet_shim import mx


@pytest.mark.parametrize("name, parameters", [("mlp", 109_386), ("lenet", 431_080)])
def test_models_map_images_to_ten_logits_with_the_tutorial_parameter_counts(name, parameters):
    net = build_model(name)
    net.initialize()
    net.hybridize()
    logits = net(mx.nd.random.uniform(shape=(5, 1, 28, 28)))
    assert logits.shape == (5, 10)
    assert count_parameters(net) == parameters


def test_unknown_model_error_lists_the_valid_names():
    with pytest.raises(ValueError) as error:
        build_model("resnet")
    for name in MODELS:
        assert name in str(error.value)
    assert "resnet" in str(error.value)


def test_networks_standardise_internally_so_a_blank_image_is_not_all_zero_input():
    net = build_model("mlp")
    net.initialize()
    first_layer = net[0]
    standardised = first_layer(mx.nd.zeros((1, 1, 28, 28))).asnumpy()
    assert standardised.max() < -0.4  # (0 - 0.1307) / 0.3081


@pytest.mark.parametrize("shape", [(4, 20, 24, 24), (3, 50, 8, 8)])
def test_lenets_pooling_computed_in_nhwc_matches_gluons_max_pooling_forward_and_backward(shape):
    images = mx.nd.array(np.random.default_rng(0).permutation(np.prod(shape)).reshape(shape))  # no ties
    output_gradient = mx.nd.array(np.random.default_rng(1).normal(size=(*shape[:2], shape[2] // 2, shape[3] // 2)))
    results = []
    for pool in (MaxPool2D(pool_size=2, strides=2), mx.gluon.nn.MaxPool2D(pool_size=2, strides=2)):
        pool.hybridize(static_alloc=True, static_shape=True)
        x = images.copy()
        x.attach_grad()
        with mx.autograd.record():
            pooled = pool(x)
        pooled.backward(output_gradient)
        results.append((pooled.asnumpy(), x.grad.asnumpy()))
    (pooled, gradient), (expected_pooled, expected_gradient) = results
    assert pooled.shape == expected_pooled.shape == output_gradient.shape
    np.testing.assert_array_equal(pooled, expected_pooled)
    np.testing.assert_array_equal(gradient, expected_gradient)
    assert np.count_nonzero(gradient) == output_gradient.size  # one winner per 2x2 window


def test_lenets_layers_keep_the_names_older_checkpoints_were_saved_with():
    net = build_model("lenet")
    names = sorted(name.replace(net.prefix, "") for name in net.collect_params())
    assert names == ["conv0_bias", "conv0_weight", "conv1_bias", "conv1_weight",
                     "dense0_bias", "dense0_weight", "dense1_bias", "dense1_weight"]
    assert "NCHW, computed in NHWC" in repr(net[2])


def test_the_speed_benchmarks_gluon_pooling_lenet_is_the_same_network_with_gluons_pool():
    from bench.train_speed import with_gluons_pooling

    net = build_model("lenet")
    net.initialize()
    images = mx.nd.random.uniform(shape=(2, 1, 28, 28))
    expected = net(images).asnumpy()
    gluon_net = with_gluons_pooling(net)
    pools = [layer for layer in gluon_net if isinstance(layer, mx.gluon.nn.MaxPool2D)]
    assert len(pools) == 2 and not any(isinstance(layer, MaxPool2D) for layer in gluon_net)
    np.testing.assert_array_equal(gluon_net(images).asnumpy(), expected)
