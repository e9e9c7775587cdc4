"""Where does a ResNet-18 look? Feature maps of its last stage drawn over the input photo.

    python examples/featmap_resnet.py [--out DIR]

Builds a ResNet-18 in plain ``torch.nn`` (no torchvision), runs the repository's sample
photo through it and writes, under ``DIR/featmap/`` (default ``out/featmap/``):

- ``layer4_select_max.png``: the layer4 channel with the largest sum, over the photo;
- ``layer4_squeeze_mean.png``: the mean of all 512 layer4 channels, over the photo;
- ``layer4_top8.png``: the 8 strongest layer4 channels in a 4 x 2 grid, each labelled
  (heat only, no photo underneath);
- ``layer4_scene.png``: the mean map as a scene layer, rendered at twice the size.

No weights can be downloaded here, so the network is randomly initialised with a fixed
seed: the maps show how a random deep network responds to edges and textures, not what a
trained one has learnt. Load a state dict into ``ResNet18`` to see a trained network.
docs/featmap.md shows these pictures; ``make docs`` (``tools/docs.py``) redraws them.
"""
import argparse
import warnings
from pathlib import Path

import torch
from torch import nn

import scenevis as sv
from scenevis import featmap_views, samples


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with a shortcut (projected when the shape changes)."""

    def __init__(self, inputs: int, outputs: int, stride: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(outputs)
        self.conv2 = nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(outputs)
        self.shortcut = nn.Identity() if stride == 1 and inputs == outputs else nn.Sequential(
            nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        return torch.relu(self.bn2(self.conv2(out)) + self.shortcut(x))


class ResNet18(nn.Module):
    """ResNet-18 (He et al., 2016) without the classifier; ``forward`` returns every stage."""

    def __init__(self):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(),
                                  nn.MaxPool2d(3, 2, 1))
        widths = [64, 128, 256, 512]
        self.stages = nn.ModuleList()
        inputs = 64
        for i, width in enumerate(widths):
            stride = 1 if i == 0 else 2
            self.stages.append(nn.Sequential(BasicBlock(inputs, width, stride), BasicBlock(width, width)))
            inputs = width
        for module in self.modules():
            if isinstance(module, nn.Conv2d):
                nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")

    def forward(self, x: torch.Tensor) -> dict:
        out, x = {}, self.stem(x)
        for i, stage in enumerate(self.stages, 1):
            x = stage(x)
            out[f"layer{i}"] = x
        return out


def photo_tensor(image) -> torch.Tensor:
    """(H, W, 3) uint8 RGB to a normalized (1, 3, H, W) float tensor (ImageNet statistics)."""
    mean = torch.tensor([0.485, 0.456, 0.406]).view(3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(3, 1, 1)
    return ((torch.from_numpy(image).permute(2, 0, 1).float() / 255 - mean) / std)[None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out", help="output directory (default: out)")
    args = parser.parse_args()
    out = Path(args.out) / "featmap"
    out.mkdir(parents=True, exist_ok=True)

    torch.manual_seed(0)
    model = ResNet18().eval()
    photo = samples.photo(240, 168)
    with torch.no_grad():
        layer4 = model(photo_tensor(photo))["layer4"][0]  # (512, 6, 8)

    # the map is 6x8 and the photo 168x240: draw_featmap resamples the map and says so
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        pictures = {
            "layer4_select_max": featmap_views.draw_featmap(layer4, photo, channel_reduction="select_max"),
            "layer4_squeeze_mean": featmap_views.draw_featmap(layer4, photo, channel_reduction="squeeze_mean"),
            # the heat alone (no overlaid_image), at the photo's size
            "layer4_top8": featmap_views.draw_featmap(layer4, channel_reduction=None, topk=8, arrangement=(4, 2),
                                                resize_shape=photo.shape[:2]),
        }
    paths = []
    for name, picture in pictures.items():
        paths.append(sv.image(picture).save(out / f"{name}.png"))
    height, width = photo.shape[:2]
    scene = sv.image(photo) + featmap_views.featmap_layer(layer4, extent=(0, 0, width, height), alpha=0.5)
    paths.append(sv.save(sv.titled(scene, "layer4, mean of 512 channels"), out / "layer4_scene.png", scale=2))
    for path in paths:
        print(path)


if __name__ == "__main__":
    main()
