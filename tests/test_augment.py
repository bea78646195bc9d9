import numpy as np

from conftest import synthetic_digits
from trainer import augment
from trainer.mxnet_shim import mx


def test_augmentation_keeps_shape_and_range_and_changes_the_images():
    images, _ = synthetic_digits(64)
    augmented = augment.augment_batch(mx.nd.array(images), np.random.default_rng(0)).asnumpy()
    assert augmented.shape == images.shape and augmented.dtype == np.float32
    assert augmented.min() >= 0.0 and augmented.max() <= 1.0
    changed = np.abs(augmented - images).reshape(64, -1).max(axis=1) > 0.2
    assert changed.mean() > 0.9


def test_augmentation_is_reproducible_from_its_random_generator():
    images = mx.nd.array(synthetic_digits(16)[0])
    first = augment.augment_batch(images, np.random.default_rng(3)).asnumpy()
    second = augment.augment_batch(images, np.random.default_rng(3)).asnumpy()
    np.testing.assert_array_equal(first, second)


def test_identity_affine_reproduces_the_image():
    images = mx.nd.array(synthetic_digits(4)[0])
    identity = mx.nd.array(np.tile([1, 0, 0, 0, 1, 0], (4, 1)))
    grid = mx.nd.GridGenerator(identity, transform_type="affine", target_shape=(28, 28))
    np.testing.assert_allclose(mx.nd.BilinearSampler(images, grid).asnumpy(), images.asnumpy(), atol=1e-5)


def test_affine_matrices_stay_within_the_configured_ranges():
    theta = augment.random_affine_matrices(np.random.default_rng(1), 1000)
    linear = theta[:, [0, 1, 3, 4]].reshape(-1, 2, 2)
    zoom = 1 / np.sqrt(np.abs(np.linalg.det(linear)))  # the area scale the digit gets
    assert zoom.min() > augment.SCALE_RANGE[0] * 0.85 and zoom.max() < augment.SCALE_RANGE[1] * 1.15
    assert np.abs(theta[:, [2, 5]]).max() <= augment.MAX_SHIFT_PX * 2 / 28 + 1e-6
