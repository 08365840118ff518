import os

import numpy as np
import pytest
from PIL import Image

import tfdcgan
from tfdcgan import visualize

TINY = dict(output_height=12, c_dim=1, z_dim=4, gf_dim=4, df_dim=4, num_layers=2)


def tiny_gan(**kwargs):
    return tfdcgan.DCGAN(**{**TINY, "seed": 2, **kwargs})


def numbered_images(n, h=3, w=2, c=1):
    """Image i is filled with the value i + 1, so grids can be read back."""
    return np.stack([np.full((h, w, c), i + 1, np.uint8) for i in range(n)])


@pytest.mark.parametrize("n, shape", [(1, (1, 1)), (2, (1, 2)), (5, (2, 3)), (6, (2, 3)),
                                      (64, (8, 8)), (65, (8, 9)), (100, (10, 10))])
def test_grid_shape_holds_any_number_of_images(n, shape):
    assert visualize.grid_shape(n) == shape


def test_image_grid_places_images_row_by_row_and_leaves_empty_cells_black():
    grid = visualize.image_grid(numbered_images(5))  # 2 x 3 grid, one empty cell
    assert grid.shape == (6, 6, 1) and grid.dtype == np.uint8
    cells = grid[::3, ::2, 0]
    np.testing.assert_array_equal(cells, [[1, 2, 3], [4, 5, 0]])


def test_image_grid_padding_and_explicit_columns():
    grid = visualize.image_grid(numbered_images(3), cols=1, padding=1)
    assert grid.shape == (3 * 3 + 2, 2, 1)
    assert grid[3, 0, 0] == 0 and grid[4, 0, 0] == 2
    with pytest.raises(ValueError, match="cannot hold"):
        visualize.image_grid(numbered_images(5), rows=2, cols=2)


def test_save_grid_writes_grey_and_rgb_pngs(tmp_path):
    grey = visualize.save_grid(numbered_images(7), str(tmp_path / "g.png"))
    rgb = visualize.save_grid(numbered_images(7, c=3), str(tmp_path / "sub" / "c.png"))
    assert Image.open(grey).mode == "L" and Image.open(grey).size == (4 * 2, 2 * 3)
    assert Image.open(rgb).mode == "RGB"


def test_save_images_writes_one_numbered_png_each(tmp_path):
    paths = visualize.save_images(numbered_images(3), str(tmp_path / "gen"))
    assert [os.path.basename(p) for p in paths] == ["000000.png", "000001.png", "000002.png"]
    np.testing.assert_array_equal(np.asarray(Image.open(paths[2])), np.full((3, 2), 3))


def test_save_gif_keeps_every_frame_and_the_total_duration(tmp_path):
    frames = [np.full((4, 5, 3), 40 * i, np.uint8) for i in range(5)]
    path = visualize.save_gif(frames, str(tmp_path / "a.gif"), duration=1.0)
    read = visualize.read_gif(path)
    assert len(read) == 5 and read[0].shape == (4, 5, 3)
    assert [int(f[0, 0, 0]) for f in read] == [0, 40, 80, 120, 160]
    with Image.open(path) as image:
        assert image.info["duration"] == 200
    with pytest.raises(ValueError, match="at least one frame"):
        visualize.save_gif([], str(tmp_path / "b.gif"))


def test_gif_from_files_animates_pngs_in_the_given_order(tmp_path):
    paths = [visualize.save_grid(numbered_images(2) * (i + 1), str(tmp_path / f"{i}.png"))
             for i in range(3)]
    frames = visualize.read_gif(visualize.gif_from_files(paths, str(tmp_path / "t.gif")))
    assert [int(f[0, 0, 0]) for f in frames] == [1, 2, 3]


def test_sweep_values_as_carpedm20():
    np.testing.assert_allclose(visualize.sweep_values(4), [0, 0.25, 0.5, 0.75])


def gif_milliseconds(path):
    total = 0
    with Image.open(path) as image:
        for i in range(image.n_frames):
            image.seek(i)
            total += image.info["duration"]
    return total


def listing(directory):
    return sorted(os.listdir(directory))


def test_option_0_writes_one_grid_of_random_samples(tmp_path):
    paths = visualize.visualize(tiny_gan(), 0, str(tmp_path), batch_size=6, step=12)
    assert listing(tmp_path) == ["test_00000012.png"]
    assert Image.open(paths[0]).size == (3 * 12, 2 * 12)


def test_option_1_writes_a_grid_per_z_dimension_sweeping_only_that_one(tmp_path):
    gan = tiny_gan()
    paths = visualize.visualize(gan, 1, str(tmp_path), batch_size=5)
    assert listing(tmp_path) == [f"test_arange_{i}.png" for i in range(4)]
    assert len(paths) == 4


def test_option_2_writes_gifs_of_sweeps_around_a_small_random_z(tmp_path):
    paths = visualize.visualize(tiny_gan(), 2, str(tmp_path), batch_size=5, seed=1)
    assert len(paths) == 4 and all(p.endswith(".gif") for p in paths)
    # Pillow merges identical consecutive frames, keeping the 2 s in all.
    assert all(1 <= len(visualize.read_gif(p)) <= 5 for p in set(paths))
    assert all(gif_milliseconds(p) == 2000 for p in set(paths))


def test_option_3_sweeps_each_dimension_from_zero(tmp_path):
    gan = tiny_gan()
    paths = visualize.visualize(gan, 3, str(tmp_path), batch_size=5)
    assert listing(tmp_path) == [f"test_gif_{i}.gif" for i in range(4)]
    # Frame k of dimension i is G(z) with z = 0 except z[i] = k / 5.
    z = np.zeros((5, 4), np.float32)
    z[:, 2] = visualize.sweep_values(5)
    expected = visualize.generate_from_z(gan, z)
    # (GIFs store a run of identical frames once.)
    expected = [e for k, e in enumerate(expected) if k == 0 or not np.array_equal(e, expected[k - 1])]
    frames = visualize.read_gif(paths[2])
    np.testing.assert_array_equal(np.stack(frames)[..., :1], np.stack(expected))


def test_option_4_adds_a_merged_gif_forward_then_back(tmp_path):
    paths = visualize.visualize(tiny_gan(), 4, str(tmp_path), batch_size=5)
    assert os.path.basename(paths[-1]) == "test_gif_merged.gif"
    merged = visualize.read_gif(paths[-1])
    assert 2 <= len(merged) <= 10  # 5 forward, 5 back (runs of equal frames stored once)
    assert gif_milliseconds(paths[-1]) == 8000
    assert merged[0].shape[:2] == (2 * 12, 2 * 12)  # 4 dimensions tiled 2 x 2
    np.testing.assert_array_equal(merged[0], merged[-1])  # it ends where it began
    assert len(paths) == 5


def test_a_conditional_model_gets_labels_and_the_same_seed_gives_the_same_files(tmp_path):
    gan = tiny_gan(y_dim=3)
    first = visualize.visualize(gan, 0, str(tmp_path / "a"), batch_size=4, seed=5)
    second = visualize.visualize(gan, 0, str(tmp_path / "b"), batch_size=4, seed=5)
    other = visualize.visualize(gan, 0, str(tmp_path / "c"), batch_size=4, seed=6)
    read = [np.asarray(Image.open(p[0])) for p in (first, second, other)]
    np.testing.assert_array_equal(read[0], read[1])
    assert not np.array_equal(read[0], read[2])


def test_unknown_option_is_refused(tmp_path):
    with pytest.raises(ValueError, match="visualize_option"):
        visualize.visualize(tiny_gan(), 5, str(tmp_path))
