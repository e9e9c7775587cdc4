"""Where code written for MMEngine relies on how its visualizer and backends fail (issue 15 §1).

MMEngine asserts on bad values, matches its own warning and error texts, pops names from
``VISBACKENDS.module_dict`` and reads a few private paths of its backends. These tests
hold scenevis to each of those contracts, in our own words; the deliberate differences
(plain lists as coordinates, 0/1 masks, numpy feature maps, ...) are listed in
docs/visualizer.md and tested where those features are.
"""
import json
import os
import uuid
import warnings

import numpy as np
import pytest

import scenevis
from scenevis import VISBACKENDS
from scenevis.backends.local import LocalVisBackend
from scenevis.backends.tensorboard import TensorboardVisBackend
from scenevis.backends.wandb import WandbVisBackend
from scenevis.visualizer import Visualizer

H, W = 40, 50


def unique(prefix="contract"):
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def vis():
    return Visualizer(name=unique(), image=np.full((H, W, 3), 90, np.uint8))


def is_both(err):
    """The error MMEngine's callers catch (AssertionError) and ours (ValueError)."""
    return isinstance(err, AssertionError) and isinstance(err, ValueError)


# -- backends: a wrong value is an AssertionError too ----------------------------------------

@pytest.mark.parametrize("kwargs,argument", [
    (dict(config_save_file="config.yaml"), "config_save_file"),
    (dict(scalar_save_file="scalars.csv"), "scalar_save_file"),
])
def test_local_backend_file_names_with_the_wrong_suffix(tmp_path, kwargs, argument):
    with pytest.raises(AssertionError, match=argument) as caught:
        LocalVisBackend(str(tmp_path / "run"), **kwargs)
    assert is_both(caught.value)
    assert not (tmp_path / "run").exists()


def test_local_backend_refuses_the_scalars_file_as_file_path_and_writes_nothing(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    backend.add_scalars({"loss": 1.0}, step=1)
    before = (tmp_path / "scalars.json").read_bytes()
    with pytest.raises(AssertionError, match="file_path: expected a file other than the scalars file") as caught:
        backend.add_scalars({"loss": 2.0}, step=2, file_path="scalars.json")
    assert is_both(caught.value)
    assert (tmp_path / "scalars.json").read_bytes() == before
    backend.close()


def tensorboard_backend(folder):
    return TensorboardVisBackend(str(folder))


def wandb_backend(folder):
    return WandbVisBackend(str(folder))


@pytest.mark.parametrize("make", [LocalVisBackend, tensorboard_backend, wandb_backend],
                         ids=["local", "tensorboard", "wandb"])
def test_each_backend_raises_assertion_errors_for_bad_values_before_writing(tmp_path, make):
    folder = tmp_path / "run"
    backend = make(folder)
    bad_calls = [
        (lambda: backend.add_scalars({"loss": 0.5, "step": 3}), "scalar_dict: expected no 'step' key"),
        (lambda: backend.add_scalar("", 1.0), "name: expected a non-empty name"),
        (lambda: backend.add_scalar("loss", 1.0, step=2**64), r"step: expected an integer in \[-2\*\*63"),
        (lambda: backend.add_image("x", np.full((4, 4, 3), 300.0)), "image"),  # no reading of 300.0 as a level
        (lambda: backend.add_image("x", np.zeros((4, 4, 7), np.uint8)), "image: expected shape"),
    ]
    for call, message in bad_calls:
        with pytest.raises(AssertionError, match=message) as caught:
            call()
        assert is_both(caught.value)
    assert not folder.exists()  # nothing started, nothing written
    backend.close()


def test_a_wrong_kind_stays_a_type_error(tmp_path):
    backend = LocalVisBackend(str(tmp_path))
    with pytest.raises(TypeError, match=r"scalar_dict\['loss'\]: expected one real number") as caught:
        backend.add_scalars({"loss": [0.5]})
    assert not isinstance(caught.value, AssertionError)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint16])
def test_images_of_integers_other_than_uint8_are_refused_as_mmengine_asserts(tmp_path, dtype):
    # whether such pixels are 0-255 levels or a wider range cannot be told
    pixels = np.random.default_rng(1).integers(0, 256, (6, 8, 3)).astype(dtype)
    backend = LocalVisBackend(str(tmp_path / "b"))
    vis = Visualizer(name=unique(), vis_backends=[dict(type="LocalVisBackend")], save_dir=str(tmp_path / "v"))
    for add_image in (backend.add_image, vis.add_image):
        with pytest.raises(AssertionError, match=rf"image: expected uint8 pixels \(or bool, or floats in 0-1\), "
                                                 rf"got {np.dtype(dtype)}; if its values are 0-255 levels") as caught:
            add_image("x", pixels, step=0)
        assert isinstance(caught.value, ValueError)
    backend.add_image("x", pixels.astype(np.uint8), step=0)
    backend.add_image("f", pixels / 255.0, step=0)  # floats in 0-1 are scaled by 255
    backend.close()
    stored = sorted(p.name for p in (tmp_path / "b").rglob("*.png"))
    assert stored == ["f_0.png", "x_0.png"] and not list((tmp_path / "v").rglob("*.png"))
    assert (tmp_path / "b" / "vis_image" / "x_0.png").read_bytes() == (tmp_path / "b" / "vis_image" / "f_0.png").read_bytes()


# -- backends: the attributes MMEngine's code reads -----------------------------------------

def test_local_backend_paths_under_mmengine_names(tmp_path):
    backend = LocalVisBackend(str(tmp_path), img_save_dir="pics", scalar_save_file="log.json")
    backend.add_config({"lr": 0.1})
    backend.add_scalar("loss", 0.5, step=4)
    backend.add_image("val/sample", np.zeros((3, 3, 3), np.uint8), step=4)
    backend.close()
    assert backend._config_save_file == str(tmp_path / "config.py")
    assert backend._scalar_save_file == str(tmp_path / "log.json")
    assert backend._img_save_dir == str(tmp_path / "pics")
    assert json.loads(open(backend._scalar_save_file).read()) == {"loss": 0.5, "step": 4}
    assert "lr = 0.1" in open(backend._config_save_file).read()
    assert os.path.isfile(os.path.join(backend._img_save_dir, "val", "sample_4.png"))


def test_tensorboard_experiment_is_kept_as_mmengine_names_it(tmp_path):
    backend = TensorboardVisBackend(str(tmp_path))
    writer = backend.experiment
    assert backend._tensorboard is writer and type(writer).__name__.endswith("SummaryWriter")
    backend.close()


# -- the registry ----------------------------------------------------------------------------

def test_a_backend_registered_for_a_test_can_be_popped_again(tmp_path):
    name = unique("PoppedBackend")

    @VISBACKENDS.register_module(name=name)
    class Recorder:
        def __init__(self, save_dir=None):
            self.calls = []

        def add_scalars(self, scalar_dict, step=0, file_path=None, **kwargs):
            self.calls.append((scalar_dict, step))

        def add_image(self, name, image, step=0, **kwargs):
            pass

        def close(self):
            pass

    vis = Visualizer(name=unique(), vis_backends=[dict(type=name)], save_dir=str(tmp_path))
    vis.add_scalars({"acc": 0.5}, step=2)
    assert vis.get_backend("Recorder").calls == [({"acc": 0.5}, 2)]
    assert VISBACKENDS.module_dict.pop(name) is Recorder
    with pytest.raises(KeyError, match=f"'{name}' is not registered"):
        Visualizer(name=unique(), vis_backends=[dict(type=name)], save_dir=str(tmp_path))


# -- drawing: MMEngine's warning texts ------------------------------------------------------

@pytest.mark.parametrize("kind,call", [
    ("bbox", lambda v: v.draw_bboxes(np.array([10, 10, 90, 20]))),
    ("text", lambda v: v.draw_texts("far", np.array([80, 5]))),
    ("line", lambda v: v.draw_lines(np.array([5, 70]), np.array([5, 5]))),
    ("circle", lambda v: v.draw_circles(np.array([45, 20]), np.array([8]))),
    ("polygon", lambda v: v.draw_polygons(np.array([[1, 1], [60, 2], [3, 30]]))),
])
def test_out_of_image_warnings_start_with_mmengines_sentence(vis, kind, call):
    with pytest.warns(UserWarning) as record:
        call(vis)
    (message,) = [str(w.message) for w in record]
    assert message.startswith(f"Warning: The {kind} is out of bounds, the drawn {kind} may not be in the image (")
    assert f"some geometry lies outside the {W}x{H} image; what is outside is clipped)" in message
    # Code that silences MMEngine's warning by its text (filterwarnings matches the
    # message from its start) silences ours.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.filterwarnings("ignore", message=f"Warning: The {kind} is out of bounds", category=UserWarning)
        call(vis)


def test_points_outside_keep_our_warning_only(vis):
    # MMEngine does not warn for points, so there is no sentence of its to carry.
    with pytest.warns(UserWarning, match=r"^positions: some geometry lies outside the 50x40 image"):
        vis.draw_points(np.array([[60, 5]]))


# -- drawing: errors where MMEngine asserts --------------------------------------------------

def test_misshapen_positions_are_a_value_error_whatever_their_dtype(vis):
    before = vis.scene
    with pytest.raises(AssertionError, match=r"positions: expected shape \(N, 2\) or \(2,\), got \(3,\)") as caught:
        vis.draw_points(positions=np.array([4, 5, 6], dtype=object))
    assert is_both(caught.value) and vis.scene is before
    # With the right shape, the dtype is what is wrong: a TypeError.
    with pytest.raises(TypeError, match="positions: expected real numbers, got dtype object"):
        vis.draw_points(positions=np.array([[4, 5]], dtype=object))


@pytest.mark.parametrize("argument,value", [
    ("colors", ["r"]),
    ("font_sizes", [12]),
    ("vertical_alignments", ["top"]),
    ("horizontal_alignments", ["left"]),
    ("font_families", ["serif"]),
    ("bboxes", [dict(facecolor="white")]),
])
def test_draw_texts_refuses_a_list_shorter_than_the_texts(vis, argument, value):
    before = vis.scene
    with pytest.raises(AssertionError, match=rf"{argument}: expected a list of at least 2 values \(one per item\), "
                                             r"got 1") as caught:
        vis.draw_texts(["first", "second"], np.array([[2, 10], [2, 25]]), **{argument: value})
    assert is_both(caught.value) and vis.scene is before


def test_draw_texts_single_values_and_full_lists_still_work(vis):
    positions = np.array([[2, 10], [2, 25]])
    vis.draw_texts(["a", "b"], positions, colors=(255, 0, 0), font_sizes=9, vertical_alignments="top",
                   bboxes=dict(facecolor="white"))  # one value for every text
    vis.draw_texts(["a", "b"], positions, colors=["r", "b", "g"], font_sizes=[9, 10, 11])  # longer lists are cut
    vis.draw_texts("only", np.array([2, 10]), colors=["r"], font_sizes=[9])  # one text, one value each
    texts = [node for node in vis.scene.children if isinstance(node, scenevis.nodes.Texts)]
    assert [t.strings for t in texts] == [("a", "b"), ("a", "b"), ("only",)]


def test_draw_binary_masks_refuses_fewer_colors_than_masks(vis):
    masks = np.zeros((2, H, W), bool)
    masks[0, :5], masks[1, -5:] = True, True
    before = vis.scene
    with pytest.raises(AssertionError, match=r"colors: expected a list of at least 2 values \(one per item\), got 1"):
        vis.draw_binary_masks(masks, colors=["r"])
    assert vis.scene is before
    picture = vis.draw_binary_masks(masks, colors=(255, 0, 0), alphas=1.0).get_image()  # one color for both
    assert tuple(picture[0, 0]) == tuple(picture[-1, 0]) == (255, 0, 0)


# -- draw_featmap: MMEngine's sentences in our messages --------------------------------------

@pytest.mark.parametrize("kwargs,ours,theirs", [
    (dict(featmap=np.ones((1, 2, 6, 6))), r"featmap: expected a 3-D \(C, H, W\) feature map, got shape \(1, 2, 6, 6\)",
     "Input dimension must be 3, but got 4"),
    (dict(featmap=np.ones((5, 6, 6)), channel_reduction=None, topk=0),
     r"featmap: expected 1 or 3 channels to show as an image \(channel_reduction=None, topk=0\), got 5",
     "The input tensor channel dimension must be 1 or 3 when topk is less than 1, but the channel dimension you "
     "input is 5, you can use the channel_reduction parameter or set topk greater than 0 to solve the error"),
    (dict(featmap=np.ones((5, 6, 6)), channel_reduction=None, topk=3, arrangement=(1, 2)),
     r"arrangement: expected rows \* cols >= topk = 3 cells, got 1 \* 2 = 2",
     "The product of row and col in the `arrangement` is less than topk, please set the `arrangement` correctly"),
])
def test_draw_featmap_errors_carry_mmengines_sentences(kwargs, ours, theirs):
    with pytest.raises(AssertionError, match=ours) as caught:
        Visualizer.draw_featmap(**kwargs)
    assert is_both(caught.value)
    assert theirs in str(caught.value)
