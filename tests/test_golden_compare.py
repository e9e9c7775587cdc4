"""The golden comparison fails on the changes it exists to catch and passes on what the
renderer was measured to vary by (tests/golden_compare.py states the figures)."""
import numpy as np
import pytest

import scenevis as sv
from scenevis import samples

import golden_compare
from golden_compare import GOLDEN_DIR, UPDATE, assert_golden, read_png
from golden_scenes import PICTURES, SCENES, overlay_scene, overlay_with_labels


@pytest.fixture(autouse=True)
def failures(tmp_path, monkeypatch):
    """Failed pictures go to a temporary folder, not to out/golden/; and the tests here
    compare even in a run that rewrites goldens (they would write wrong pictures)."""
    monkeypatch.setattr(golden_compare, "FAILED_DIR", tmp_path / "failed")
    monkeypatch.delenv(UPDATE, raising=False)
    monkeypatch.delenv("CI", raising=False)
    return tmp_path / "failed"


def test_every_golden_file_has_a_scene_and_every_scene_a_golden():
    assert {p.stem for p in GOLDEN_DIR.glob("*.png")} == set(SCENES) | set(PICTURES)


def test_a_changed_label_fails():
    img, det = samples.photo(160, 107, seed=0), samples.detections(160, 107, seed=0)
    names = [f"{samples.CLASSES[l]} {s:.2f}" for l, s in zip(det["labels"][:3], det["scores"][:3])]
    assert names[0] == "person 0.67"
    changed = sv.render(overlay_with_labels(img, det, ["person 0.61"] + names[1:]))
    with pytest.raises(AssertionError, match=r"render_overlay: \d+ pixels differ by more than 1 level"):
        assert_golden("render_overlay", changed)


def test_one_level_everywhere_fails_on_the_mean():
    image = read_png(GOLDEN_DIR / "render_shapes.png")
    brighter = np.where(image < 255, image + 1, image - 1).astype(np.uint8)
    with pytest.raises(AssertionError, match="render_shapes: 0 pixels .* mean difference 1.000"):
        assert_golden("render_shapes", brighter)


def test_one_pixel_two_levels_off_fails():
    image = read_png(GOLDEN_DIR / "render_shapes.png")
    image[40, 60, 1] ^= 2
    with pytest.raises(AssertionError, match="render_shapes: 1 pixels .* \\(max 2\\)"):
        assert_golden("render_shapes", image)


def test_the_general_paths_stay_within_the_bounds():
    # Masks and images painted through Cairo instead of numpy (a clip turns the fast paths
    # off): the largest difference the measurement found, 1 level.
    clipped = sv.render(overlay_scene().clipped())
    assert golden_compare.difference(read_png(GOLDEN_DIR / "render_overlay.png"), clipped, 0).max == 1
    assert_golden("render_overlay", clipped)


@pytest.fixture
def golden_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(golden_compare, "GOLDEN_DIR", tmp_path)
    return tmp_path


def test_a_missing_golden_fails_and_writes_nothing(golden_dir):
    with pytest.raises(AssertionError, match=f"golden .*new.png is missing: run the test with {UPDATE}=1"):
        assert_golden("new", np.zeros((4, 5, 3), np.uint8))
    assert not (golden_dir / "new.png").exists()


def test_the_update_flag_writes_changed_goldens_only(golden_dir, monkeypatch):
    monkeypatch.setenv(UPDATE, "1")
    picture = np.arange(60, dtype=np.uint8).reshape(4, 5, 3)
    with pytest.warns(UserWarning, match="new.png written: look at it"):
        assert_golden("new", picture)
    stamp = (golden_dir / "new.png").stat().st_mtime_ns
    assert_golden("new", picture)  # unchanged: not rewritten, no warning
    assert (golden_dir / "new.png").stat().st_mtime_ns == stamp
    with pytest.warns(UserWarning, match="new.png rewritten"):
        assert_golden("new", picture[::-1].copy())
    monkeypatch.delenv(UPDATE)
    assert_golden("new", picture[::-1].copy())


def test_the_update_flag_is_refused_under_ci(golden_dir, monkeypatch):
    monkeypatch.setenv(UPDATE, "1")
    monkeypatch.setenv("CI", "1")
    with pytest.raises(AssertionError, match="refused under CI"):
        assert_golden("new", np.zeros((4, 5, 3), np.uint8))
    assert not (golden_dir / "new.png").exists()


def test_a_failure_leaves_the_picture_and_the_difference_to_look_at(golden_dir, failures):
    from scenevis._png import write_png

    write_png(golden_dir / "g.png", np.zeros((4, 5, 3), np.uint8))
    changed = np.zeros((4, 5, 3), np.uint8)
    changed[1, 2] = 200
    with pytest.raises(AssertionError, match="1 pixels differ"):
        assert_golden("g", changed)
    np.testing.assert_array_equal(read_png(failures / "g.png"), changed)
    diff = read_png(failures / "g.diff.png")
    assert diff[1, 2].tolist() == [255, 255, 255] and diff.sum() == 3 * 255
    with pytest.raises(AssertionError, match=r"picture shape \(4, 6, 3\) != golden shape \(4, 5, 3\)"):
        assert_golden("g", np.zeros((4, 6, 3), np.uint8))
