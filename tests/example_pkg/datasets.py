"""Example user datasets for the custom-dataset path (one good, several malformed)."""

import torch
from deepinv.physics import MRI
from deepinv.physics.generator import GaussianMaskGenerator
from torch.utils.data import Dataset

SIZE = 16


class RandomMeasurements(Dataset):
    """Smooth random images measured with Gaussian masks, in the seed README's tuple form."""

    def __init__(self, n: int = 10, ground_truth: bool = True):
        gen = torch.Generator().manual_seed(0)
        x = torch.nn.functional.avg_pool2d(torch.rand(n, 1, SIZE, SIZE, generator=gen), 3, 1, 1)
        self.x = torch.cat([x / x.amax(dim=(1, 2, 3), keepdim=True), torch.zeros_like(x)], dim=1)
        self.mask = GaussianMaskGenerator((SIZE, SIZE), acceleration=4, rng=gen).step(batch_size=n)["mask"]
        self.y = MRI(img_size=(SIZE, SIZE))(self.x, mask=self.mask)
        self.ground_truth = ground_truth

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        x = self.x[i] if self.ground_truth else torch.nan
        return x, self.y[i], {"mask": self.mask[i]}


class WrongShape(RandomMeasurements):
    def __getitem__(self, i):
        x, y, params = super().__getitem__(i)
        return x[:1], y, params


class IntegerMeasurements(RandomMeasurements):
    def __getitem__(self, i):
        x, y, params = super().__getitem__(i)
        return x, y.to(torch.int64), params


class NoMask(RandomMeasurements):
    def __getitem__(self, i):
        x, y, _ = super().__getitem__(i)
        return x, y, {}


def no_ground_truth():
    return RandomMeasurements(ground_truth=False)


NOT_A_DATASET = 42


def factory_raises():
    raise RuntimeError("the data server is down")


def gives_a_list():
    return [RandomMeasurements()[i] for i in range(4)]


class ItemRaises(RandomMeasurements):
    def __getitem__(self, i):
        if i == 3:
            raise KeyError("slice 3 is missing")
        return super().__getitem__(i)


class MixedShapes(RandomMeasurements):
    def __getitem__(self, i):
        x, y, params = super().__getitem__(i)
        return (x[:, :8, :8], y[..., :8, :8], {"mask": params["mask"][..., :8, :8]}) if i == 2 else (x, y, params)


class NaNImage(RandomMeasurements):
    def __getitem__(self, i):
        x, y, params = super().__getitem__(i)
        if i == 1:
            x = x.clone()
            x[0, 3, 5] = torch.nan  # one bad pixel
        return x, y, params
