"""ember.vision.transforms.autoaugment against torchvision.transforms.autoaugment: every operation at
its magnitudes, the magnitude tables, and each policy's forward with its random draws fixed."""
import numpy as np
import pytest
import torch
from PIL import Image

import ember
from ember.vision.transforms import autoaugment as EA
from ember.vision.transforms.v2 import functional as EF2
from tests.vision.conftest import rgb_array, both
from tests.vision.transforms.v2.test_functional import same

import torchvision  # noqa: E402,F401
from torchvision.transforms import autoaugment as TA  # noqa: E402

OPS = [("ShearX", 0.2), ("ShearY", -0.25), ("TranslateX", 5.7), ("TranslateY", -3.2), ("Rotate", 25.0),
       ("Brightness", 0.5), ("Color", -0.4), ("Contrast", 0.6), ("Sharpness", 0.8), ("Posterize", 4.0),
       ("Solarize", 128.0), ("AutoContrast", 0.0), ("Equalize", 0.0), ("Invert", 0.0), ("Identity", 0.0)]


@pytest.mark.parametrize("kind", ["uint8", "pil"])
@pytest.mark.parametrize("op,magnitude", OPS, ids=[o for o, _ in OPS])
def test_apply_op_equals_torchvision(op, magnitude, kind):
    arr = rgb_array(12, 15, seed=4)
    if kind == "pil":
        e_in, t_in = Image.fromarray(arr), Image.fromarray(arr)
    else:
        e_in, t_in = both(arr.transpose(2, 0, 1))
    fill = None if kind == "pil" else [5.0, 6.0, 7.0]
    want = TA._apply_op(t_in, op, magnitude, TA.InterpolationMode.NEAREST, fill)
    same(EA._apply_op(e_in, op, magnitude, EA.InterpolationMode.NEAREST, fill), want)
    # transforms.v2's functional gives the same through the same policy code
    same(EA._apply_op(e_in, op, magnitude, EA.InterpolationMode.NEAREST, fill, EF2), want)


def test_magnitude_tables_equal_torchvision():
    for mine, theirs, args in ((EA._AUTO_AUGMENT_SPACE, TA.AutoAugment()._augmentation_space, (10, (20, 30))),
                               (EA._RAND_AUGMENT_SPACE, TA.RandAugment()._augmentation_space, (31, (20, 30))),
                               (EA._TRIVIAL_AUGMENT_SPACE, TA.TrivialAugmentWide()._augmentation_space, (31,)),
                               (dict(EA._AUGMIX_SPACE, **EA._COLOUR_09), TA.AugMix()._augmentation_space,
                                (10, (20, 30)))):
        want = theirs(*args)
        h, w = args[1] if len(args) > 1 else (0, 0)
        got = EA._magnitudes(mine, args[0], h, w)
        assert list(got) == list(want)
        for name, (values, signed) in want.items():
            assert got[name][1] == signed
            if values.ndim:
                np.testing.assert_allclose(got[name][0].numpy(), values.numpy(), rtol=1e-6)
            else:
                assert got[name][0] is None


@pytest.mark.parametrize("policy", list(TA.AutoAugmentPolicy))
def test_auto_augment_with_fixed_draws(policy, monkeypatch):
    arr = rgb_array(16, 16, seed=2).transpose(2, 0, 1)
    e_in, t_in = both(arr)
    for transform_id in (0, 7, 18):
        params_t = (transform_id, torch.tensor([0.1, 0.3]), torch.tensor([0, 1]))
        monkeypatch.setattr(TA.AutoAugment, "get_params", staticmethod(lambda n: params_t))
        monkeypatch.setattr(EA.AutoAugment, "get_params", staticmethod(
            lambda n: (transform_id, ember.tensor([0.1, 0.3]), ember.tensor([0, 1]))))
        want = TA.AutoAugment(policy)(t_in)
        same(EA.AutoAugment(EA.AutoAugmentPolicy(policy.value))(e_in), want)


def test_augmix_weights_and_get_params_structure(monkeypatch):
    x = ember.from_numpy(rgb_array(10, 10).transpose(2, 0, 1).copy())
    aug = EA.AugMix()
    # all weight on the original image: AugMix gives it back
    monkeypatch.setattr(aug, "_sample_dirichlet",
                        lambda params: ember.cat([ember.ones(params.shape[0], 1),
                                                  ember.zeros(params.shape[0], params.shape[1] - 1)], 1))
    assert ember.equal(aug(x), x)
    ember.manual_seed(0)
    policy_id, probs, signs = EA.AutoAugment.get_params(25)
    assert 0 <= policy_id < 25 and tuple(probs.shape) == (2,) and set(signs.tolist()) <= {0, 1}
    for t in (EA.RandAugment(), EA.TrivialAugmentWide(), EA.AugMix(), EA.AutoAugment()):
        out = t(x)
        assert out.dtype == ember.uint8 and tuple(out.shape) == (3, 10, 10)
    assert isinstance(EA.AugMix()(Image.fromarray(rgb_array(10, 10))), Image.Image)


def test_reprs_equal_torchvision():
    for e, t in ((EA.AutoAugment(), TA.AutoAugment()), (EA.RandAugment(), TA.RandAugment()),
                 (EA.TrivialAugmentWide(), TA.TrivialAugmentWide()), (EA.AugMix(), TA.AugMix())):
        assert repr(e) == repr(t)
    with pytest.raises(ValueError, match=r"The severity must be between \[1, 10\]. Got 11 instead."):
        EA.AugMix(severity=11)
