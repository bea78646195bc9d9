import pytest

from trainer.models import MODELS, build_model, count_parameters
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
