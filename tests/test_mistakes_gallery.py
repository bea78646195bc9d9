"""The mistakes gallery, from a NAME-mistakes.npz as the trainer writes it."""
import numpy as np
import pytest

from demo import mistakes as gallery
from trainer import checkpoint


@pytest.fixture
def mistakes(tmp_path):
    images = np.zeros((4, 28, 28), np.uint8)
    images[np.arange(4), np.arange(4), 0] = 255  # each image marked by where its one white pixel is
    checkpoint.write_mistakes(tmp_path, "mlp", checkpoint.Mistakes(
        images=images, labels=np.array([4, 4, 7, 4]), predicted=np.array([9, 9, 1, 6]),
        confidence=np.array([0.6, 0.87, 0.5, 0.99], np.float32), indices=np.array([10, 20, 30, 40])))
    return checkpoint.read_mistakes(tmp_path, "mlp")


def test_cells_are_listed_most_frequent_first_after_all(mistakes):
    assert gallery.cell_choices(mistakes) == [
        ("all 4 mistakes", "all"),
        ("true 4 → predicted 9 (2)", "4>9"),
        ("true 4 → predicted 6 (1)", "4>6"),
        ("true 7 → predicted 1 (1)", "7>1"),
    ]


def test_a_cell_shows_its_mistakes_most_confident_first(mistakes):
    items = gallery.gallery_items(mistakes, "4>9")
    assert [caption for _, caption in items] == ["true 4 → predicted 9 (87 %)", "true 4 → predicted 9 (60 %)"]
    image, _ = items[0]
    assert image.shape == (28, 28) and image.dtype == np.uint8
    assert image[1, 0] == 255 and image[0, 0] == 0  # mistake 1 (87 %)


def test_all_shows_every_mistake_and_an_empty_cell_shows_none(mistakes):
    assert len(gallery.gallery_items(mistakes)) == 4
    assert gallery.gallery_items(mistakes, "1>7") == []
