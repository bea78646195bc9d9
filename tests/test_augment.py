import numpy as np
import pytest

from conftest import synthetic_digits
from trainer import augment
from trainer.mxnet_shim import mx


def test_augmentation_keeps_shape_and_range_and_changes_the_images():
    images, _ = synthetic_digits(64)
    augmented = augment.augment_batch(images, np.random.default_rng(0)).asnumpy()
    assert augmented.shape == images.shape and augmented.dtype == np.float32
    assert augmented.min() >= 0.0 and augmented.max() <= 1.0
    changed = np.abs(augmented - images).reshape(64, -1).max(axis=1) > 0.2
    assert changed.mean() > 0.9


def test_augmentation_is_reproducible_from_its_random_generator():
    images = synthetic_digits(16)[0]
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


def test_affine_strength_is_full_then_shrinks_to_the_final_strength_in_the_last_epoch():
    strengths = [augment.affine_strength(epoch, 30) for epoch in range(1, 31)]
    full_epochs = int(augment.ANNEAL_START * 30)
    assert strengths[:full_epochs] == [1.0] * full_epochs
    assert strengths[full_epochs] < 1.0 and strengths[-1] == pytest.approx(augment.FINAL_STRENGTH)
    assert all(later <= earlier for earlier, later in zip(strengths, strengths[1:]))
    assert augment.affine_strength(1, 1) == 1.0  # a one-epoch run (--dry-run) trains at full strength


def test_affine_strength_zero_is_the_identity_and_a_half_shrinks_every_range():
    identity = augment.random_affine_matrices(np.random.default_rng(2), 50, strength=0.0)
    np.testing.assert_allclose(identity, np.tile([1, 0, 0, 0, 1, 0], (50, 1)), atol=1e-6)
    full = augment.random_affine_matrices(np.random.default_rng(2), 2000)
    half = augment.random_affine_matrices(np.random.default_rng(2), 2000, strength=0.5)
    assert np.abs(half[:, [2, 5]]).max() <= augment.MAX_SHIFT_PX / 28 + 1e-6  # half the shift range, normalised
    assert np.abs(half[:, 3]).max() < np.abs(full[:, 3]).max()  # sin(angle) terms shrink with the angle


def _digit(segments):
    """A 28x28 synthetic digit (1, 28, 28) drawn from straight strokes ((x0, y0), (x1, y1)), MNIST-like: 20 px tall."""
    starts, ends = (np.array(points, dtype=np.float64) for points in zip(*segments))
    return augment.draw_segments(starts, ends, np.full(len(starts), 1.2)).max(axis=0, keepdims=True)


SEVEN = _digit([((8, 4), (20, 4)), ((20, 4), (12, 23))])
ONE = _digit([((14, 4), (14, 23))])
NINE = _digit([((10, 5), (18, 5)), ((10, 5), (10, 11)), ((10, 11), (18, 11)), ((18, 5), (18, 23))])
ZERO = _digit([((9, 4), (19, 4)), ((19, 4), (19, 23)), ((19, 23), (9, 23)), ((9, 23), (9, 4))])
THREE = _digit([((9, 4), (19, 4)), ((19, 4), (19, 23)), ((12, 13), (19, 13)), ((9, 23), (19, 23))])


RESHAPING_STYLES = {"zero_slash", "four_short_stem"}  # they shrink or erase the digit, not only add strokes


def _only(style):
    """STYLE_PROBABILITY with `style` always on and every other style off."""
    return {name: float(name == style) for name in augment.STYLE_PROBABILITY}


def _styled(monkeypatch, style, digit, label, count=16):
    monkeypatch.setattr(augment, "STYLE_PROBABILITY", _only(style))
    images = np.repeat(digit[np.newaxis], count, axis=0)
    labels = np.full(count, label)
    styled, changed = augment.add_writing_styles(images, labels, np.random.default_rng(0))
    assert changed.all()
    assert styled.shape == images.shape and styled.dtype == np.float32
    assert styled.min() >= 0.0 and styled.max() <= 1.0
    if style not in RESHAPING_STYLES:
        assert (styled >= images - 1e-6).all()  # a pen only adds ink
    assert (labels == label).all()
    return images[:, 0], styled[:, 0]


def test_a_seven_gains_a_bar_across_its_stem_in_the_middle(monkeypatch):
    plain, styled = _styled(monkeypatch, "seven_bar", SEVEN, 7)
    added = (styled - plain) > 0.5
    rows = np.flatnonzero(added.any(axis=(0, 2)))
    assert rows.min() >= 9 and rows.max() <= 21  # in the middle, clear of the top bar
    for image, new in zip(plain, added):
        row = int(round(np.flatnonzero(new.any(axis=1)).mean()))
        stem = np.flatnonzero(image[row] > 0.5).mean()
        columns = np.flatnonzero(new.any(axis=0))
        assert columns.min() < stem - 2 and columns.max() > stem + 2  # across the stem, on both sides
    assert plain[:, 4].sum() == styled[:, 4].sum()  # the top bar is untouched


def test_a_one_gains_a_flag_down_to_the_left_of_its_top(monkeypatch):
    plain, styled = _styled(monkeypatch, "one_flag", ONE, 1)
    added = (styled - plain) > 0.5
    assert added[:, :14, :13].any(axis=(1, 2)).all()  # every 1: new ink left of the stem, upper half
    assert not added[:, :, 16:].any() and not added[:, 19:].any()  # nothing right of the stem or near its foot
    _, starts, ends = augment._one_flag(plain, np.random.default_rng(1))  # the strokes it draws, (x, y) px
    down, left = (ends - starts)[:, 1], (starts - ends)[:, 0]
    assert (left > 0).all() and (np.degrees(np.arctan2(down, left)) >= augment.FLAG_MIN_DROP_DEG - 1e-6).all()


def test_a_one_gains_a_base_under_its_stem(monkeypatch):
    plain, styled = _styled(monkeypatch, "one_base", ONE, 1)
    added = (styled - plain) > 0.5
    assert added[:, 21:25, :13].any(axis=(1, 2)).all() and added[:, 21:25, 16:].any(axis=(1, 2)).all()
    assert not added[:, :20].any()


def test_a_nine_gains_a_tail_curling_left(monkeypatch):
    plain, styled = _styled(monkeypatch, "nine_tail", NINE, 9)
    added = (styled - plain) > 0.5
    assert added[:, 15:26, :16].any(axis=(1, 2)).all() and not added[:, :15].any()


def test_a_zero_gains_a_long_stroke_through_its_ring_and_stays_inside_the_image(monkeypatch):
    plain, styled = _styled(monkeypatch, "zero_slash", ZERO, 0, count=64)
    assert (plain[:, 12:16, 12:16] < 0.05).all() and (styled[:, 12:16, 12:16] > 0.5).any(axis=(1, 2)).all()
    ink = styled > 0.05
    assert not ink[:, [0, -1]].any() and not ink[:, :, [0, -1]].any()  # nothing cut off at the image's edges
    rings, starts, ends = augment._zero_slash(plain, np.random.default_rng(1))
    top, bottom, _, _ = augment._ink_box(rings)
    length = np.hypot(*(ends - starts).T)
    assert (length >= augment.ZERO_SLASH_LENGTH[0] * (bottom - top) - 1).all()  # longer than the ring is tall
    past_both_ends = (np.minimum(starts[:, 1], ends[:, 1]) < top - 1) & (np.maximum(starts[:, 1], ends[:, 1]) > bottom + 1)
    assert past_both_ends.mean() > 0.7  # most reach well past the ring, above and below
    plain_top, plain_bottom, _, _ = augment._ink_box(plain)
    assert ((bottom - top) < plain_bottom - plain_top).all()  # the ring shrank to make room for the slash


def test_a_slashed_zero_is_refitted_whole_into_the_20_px_box(monkeypatch):
    """The slash leaves the ring's box; the re-fit brings ring and slash together back into 20 px."""
    for name, value in (("MAX_ROTATION_DEG", 0.0), ("SCALE_RANGE", (1.0, 1.0)), ("MAX_ASPECT_CHANGE", 0.0),
                        ("MAX_SHEAR", 0.0), ("MAX_SHIFT_PX", 0.0), ("KEEP_STROKE_PROBABILITY", 1.0),
                        ("STYLE_PROBABILITY", _only("zero_slash"))):
        monkeypatch.setattr(augment, name, value)
    refitted = augment.augment_batch(np.repeat(ZERO[np.newaxis], 32, axis=0), np.random.default_rng(0),
                                     np.zeros(32, dtype=int)).asnumpy()[:, 0]
    assert refitted.min() >= 0.0 and refitted.max() <= 1.0
    for image in refitted:
        ink = np.argwhere(image > 0.05)
        assert 19 <= np.ptp(ink, axis=0).max() + 1 <= 22 and ink.min() > 0 and ink.max() < 27


FOUR = _digit([((9, 4), (7, 15)), ((7, 15), (21, 15)), ((17, 4), (17, 23))])


def test_a_four_loses_the_top_of_its_right_stem_and_keeps_the_rest(monkeypatch):
    plain, styled = _styled(monkeypatch, "four_short_stem", FOUR, 4)
    removed = (plain - styled) > 0.5
    assert removed[:, 4:7, 16:19].any(axis=(1, 2)).all()  # the stem's top is gone ...
    assert not removed[:, :, :15].any() and not removed[:, 14:].any()  # ... the left arm, bar and foot stay
    assert (styled <= plain + 1e-6).all()


def test_writing_styles_leave_other_classes_alone():
    images = np.repeat(THREE[np.newaxis], 10, axis=0)
    styled, changed = augment.add_writing_styles(images, np.full(10, 3), np.random.default_rng(0))
    np.testing.assert_array_equal(styled, images)
    assert not changed.any()


def test_augmentation_with_labels_keeps_shape_and_range_and_is_reproducible():
    digits = np.stack([SEVEN, ONE, NINE, ZERO, THREE] * 8)
    labels = np.array([7, 1, 9, 0, 3] * 8)
    first = augment.augment_batch(digits, np.random.default_rng(5), labels).asnumpy()
    second = augment.augment_batch(digits, np.random.default_rng(5), labels).asnumpy()
    assert first.shape == digits.shape and first.min() >= 0.0 and first.max() <= 1.0
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(labels, [7, 1, 9, 0, 3] * 8)


def test_a_restyled_digit_is_refitted_as_mnist_was(monkeypatch):
    """A 9 with a long tail is re-fitted: longer side back to 20 px, centre of mass back at (14, 14)."""
    from scipy import ndimage

    for name, value in (("MAX_ROTATION_DEG", 0.0), ("SCALE_RANGE", (1.0, 1.0)), ("MAX_ASPECT_CHANGE", 0.0),
                        ("MAX_SHEAR", 0.0), ("MAX_SHIFT_PX", 0.0), ("KEEP_STROKE_PROBABILITY", 1.0),
                        ("STYLE_PROBABILITY", _only("nine_tail"))):
        monkeypatch.setattr(augment, name, value)
    images = np.repeat(NINE[np.newaxis], 8, axis=0)
    refitted = augment.augment_batch(images, np.random.default_rng(0), np.full(8, 9)).asnumpy()
    for image in refitted[:, 0]:
        np.testing.assert_allclose(ndimage.center_of_mass(image), (14, 14), atol=0.3)
        ink = np.argwhere(image > 0.05)
        assert 19 <= np.ptp(ink, axis=0).max() + 1 <= 22
    plain = augment.augment_batch(images, np.random.default_rng(0)).asnumpy()
    np.testing.assert_allclose(plain, images, atol=1e-5)  # without labels: no style, no refit


def test_describe_lists_the_writing_styles():
    assert set(augment.describe()["writing_styles"]) == set(augment.STYLE_PROBABILITY)
